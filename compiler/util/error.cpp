#include "compiler/util/error.h"

namespace dgxpx::util {

std::string SourceLocation::to_string() const {
  std::string out = file;
  if (line > 0) {
    out += ":" + std::to_string(line);
    if (col > 0) out += ":" + std::to_string(col);
  }
  return out;
}

static std::string format_diagnostic(const SourceLocation& where, const std::string& message) {
  if (where.file.empty()) return "error: " + message;
  return where.to_string() + ": error: " + message;
}

InputError::InputError(SourceLocation where, const std::string& message)
    : std::runtime_error(format_diagnostic(where, message)),
      where_(std::move(where)),
      message_(message) {}

InputError::InputError(const std::string& message)
    : std::runtime_error(format_diagnostic({}, message)), message_(message) {}

std::string InputError::diagnostic() const { return what(); }

std::string expected_got(const std::string& expected, const std::string& got) {
  return "expected " + expected + ", got " + got;
}

}  // namespace dgxpx::util
