#include "compiler/lora/sidecar.h"

#include <cmath>
#include <fstream>
#include <regex>

#include <nlohmann/json.hpp>

#include "compiler/lora/json_locations.h"
#include "compiler/util/atomic_file.h"

namespace dgxpx::lora {
namespace fs = std::filesystem;
using nlohmann::json;
using util::InputError;

fs::path sidecar_path(const fs::path& lora_file) {
  fs::path p = lora_file;
  return p.replace_extension(".json");
}

namespace {

std::string describe(const json& v) {
  switch (v.type()) {
    case json::value_t::null: return "null";
    case json::value_t::boolean: return v.get<bool>() ? "true" : "false";
    case json::value_t::string: return "a string";
    case json::value_t::array: return "a list";
    case json::value_t::object: return "an object";
    default: return "a number (" + v.dump() + ")";
  }
}

// nlohmann's messages read "[json.exception.parse_error.101] parse error at line 2, column 5:
// syntax error while parsing object - unexpected '}'; expected string literal": keep the part
// after the position, which the diagnostic already carries.
std::string parse_error_text(const std::string& what) {
  const size_t syntax = what.find("syntax error while parsing ");
  if (syntax != std::string::npos) return what.substr(syntax);
  const size_t colon = what.find(": ", what.find(']'));
  return colon == std::string::npos ? what : what.substr(colon + 2);
}

class SidecarReader {
 public:
  SidecarReader(std::string_view text, const std::string& display)
      : text_(text), display_(display), where_(json_value_locations(text, display)) {}

  util::SourceLocation at(const std::string& pointer) const {
    auto it = where_.find(pointer);
    return it != where_.end() ? it->second : util::SourceLocation{display_, 1, 1};
  }

  [[noreturn]] void fail(const std::string& pointer, const std::string& expected, const json& got) const {
    throw InputError(at(pointer), util::expected_got(expected, describe(got)));
  }

  std::string text(const std::string& pointer, const json& v, const std::string& what) const {
    if (!v.is_string()) fail(pointer, what, v);
    const std::string s = v.get<std::string>();
    if (s.empty()) throw InputError(at(pointer), util::expected_got(what, "an empty string"));
    if (s.size() > kMaxTriggerWordBytes)
      throw InputError(at(pointer), util::expected_got(what + " of at most " + std::to_string(kMaxTriggerWordBytes) +
                                                           " bytes", std::to_string(s.size()) + " bytes"));
    for (unsigned char c : s)
      if (c < 0x20 || c == 0x7f) throw InputError(at(pointer), util::expected_got(what + " on one line", "a control character"));
    return s;
  }

 private:
  std::string_view text_;
  std::string display_;
  std::map<std::string, util::SourceLocation> where_;
};

}  // namespace

Sidecar parse_sidecar(std::string_view text, const std::string& display) {
  if (text.size() > kMaxSidecarBytes)
    throw InputError({display, 1, 1}, util::expected_got("a LoRA sidecar of at most " + std::to_string(kMaxSidecarBytes) + " bytes",
                                                         std::to_string(text.size()) + " bytes"));
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::parse_error& e) {
    const size_t offset = e.byte > 0 ? e.byte - 1 : 0;
    throw InputError(location_at(text, offset, display), "expected JSON: " + parse_error_text(e.what()));
  }
  const SidecarReader reader(text, display);
  if (!doc.is_object()) reader.fail("", "a JSON object of LoRA metadata", doc);

  Sidecar s;
  s.file = display;
  for (const auto& [key, value] : doc.items()) {
    const std::string pointer = "/" + key;
    if (key == "trigger_words") {
      std::vector<std::string> words;
      if (value.is_string()) {
        words.push_back(reader.text(pointer, value, "a trigger word"));
      } else if (value.is_array()) {
        if (value.size() > kMaxTriggerWords)
          throw InputError(reader.at(pointer), util::expected_got("at most " + std::to_string(kMaxTriggerWords) + " trigger words",
                                                                  std::to_string(value.size())));
        for (size_t i = 0; i < value.size(); ++i)
          words.push_back(reader.text(pointer + "/" + std::to_string(i), value[i], "a trigger word (a string)"));
      } else {
        reader.fail(pointer, "trigger words: a string or a list of strings", value);
      }
      s.trigger_words = std::move(words);
    } else if (key == "recommended_strength") {
      if (!value.is_number()) reader.fail(pointer, "recommended_strength: a number", value);
      const double strength = value.get<double>();
      if (!std::isfinite(strength) || std::fabs(strength) > kMaxStrength)
        throw InputError(reader.at(pointer), util::expected_got("recommended_strength between -10 and 10", value.dump()));
      s.recommended_strength = strength;
    } else if (key == "base_model") {
      s.base_model = reader.text(pointer, value, "base_model: a string such as \"sdxl\"");
      s.base_model_where = reader.at(pointer);
    } else if (key == "status") {
      std::string status = reader.text(pointer, value, "status: a string such as \"production\"");
      static const std::regex word("[A-Za-z0-9_-]{1,64}");
      if (!std::regex_match(status, word))
        throw InputError(reader.at(pointer), util::expected_got("status: a word such as production, staging or archive", "'" + status + "'"));
      s.status = std::move(status);
    } else {
      s.other_keys.push_back(key);
    }
  }
  return s;
}

std::optional<Sidecar> read_sidecar(const fs::path& path, const std::string& display) {
  std::error_code ec;
  const auto status = fs::status(path, ec);
  if (ec || !fs::exists(status)) return std::nullopt;
  if (!fs::is_regular_file(status)) throw InputError({display, 0, 0}, util::expected_got("a LoRA sidecar file", "a folder or device"));
  const auto size = fs::file_size(path, ec);
  if (!ec && size > kMaxSidecarBytes)
    throw InputError({display, 1, 1}, util::expected_got("a LoRA sidecar of at most " + std::to_string(kMaxSidecarBytes) + " bytes",
                                                         std::to_string(size) + " bytes"));
  return parse_sidecar(util::read_file_or_throw(path), display);
}

}  // namespace dgxpx::lora
