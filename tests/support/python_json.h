#pragma once
// The fixtures' cases.json is written by Python's json module, which spells IEEE specials as bare
// NaN, Infinity and -Infinity (e.g. a scheduler's lambda_min_clipped). Strict JSON (nlohmann)
// rejects them: outside strings they become the strings "NaN", "Infinity", "-Infinity".
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "compiler/util/atomic_file.h"

namespace dgxpx::testing {

inline std::string quote_python_json_constants(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    if (in_string) {
      out += ch;
      if (ch == '\\' && i + 1 < text.size()) out += text[++i];
      else if (ch == '"') in_string = false;
      continue;
    }
    if (ch == '"') in_string = true;
    bool replaced = false;
    for (const char* word : {"-Infinity", "Infinity", "NaN"}) {
      if (text.compare(i, std::strlen(word), word) == 0) {
        out += std::string("\"") + word + "\"";
        i += std::strlen(word) - 1;
        replaced = true;
        break;
      }
    }
    if (!replaced) out += ch;
  }
  return out;
}

/// Reads and parses a JSON file Python wrote. Throws std::runtime_error when it cannot be read.
inline nlohmann::json read_python_json(const std::filesystem::path& path) {
  const auto text = util::read_file(path);
  if (!text) throw std::runtime_error("cannot read " + path.string());
  return nlohmann::json::parse(quote_python_json_constants(*text));
}

}  // namespace dgxpx::testing
