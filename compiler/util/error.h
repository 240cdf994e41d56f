#pragma once
// Error tiers (STYLE.md habit 7): a miss is a value, an expected failure is a typed result,
// bad user input is an InputError carrying where it came from, a broken invariant asserts.
#include <stdexcept>
#include <string>

namespace dgxpx::util {

/// Where a value came from in a user file. line/col are 1-based; 0 means unknown.
struct SourceLocation {
  std::string file;
  int line = 0;
  int col = 0;

  /// "file:line:col", "file:line" or "file", whichever is known.
  std::string to_string() const;
};

/// Bad user input (manifests, presets, rules, command lines, model files). The CLI prints
/// `file:line:col: error: message` and exits with status 2.
class InputError : public std::runtime_error {
 public:
  InputError(SourceLocation where, const std::string& message);
  explicit InputError(const std::string& message);

  const SourceLocation& where() const { return where_; }
  const std::string& message() const { return message_; }
  /// The full diagnostic: "file:line:col: error: message".
  std::string diagnostic() const;

 private:
  SourceLocation where_;
  std::string message_;
};

/// A failure of the environment (I/O, a subprocess, the backend) rather than of the input.
/// The CLI prints `error: message` and exits with status 1.
class RuntimeFailure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Builds "expected X, got Y" messages the same way everywhere.
std::string expected_got(const std::string& expected, const std::string& got);

}  // namespace dgxpx::util
