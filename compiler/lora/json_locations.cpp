#include "compiler/lora/json_locations.h"

#include <vector>

namespace dgxpx::lora {

util::SourceLocation location_at(std::string_view text, size_t offset, const std::string& file) {
  int line = 1, col = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return {file, line, col};
}

namespace {

// One open container while scanning: its pointer, whether it is an object, and for objects
// the member name whose value comes next, for arrays the next index.
struct Open {
  std::string pointer;
  bool object = false;
  std::string member;
  size_t index = 0;
};

// Escapes a member name for a JSON pointer (RFC 6901).
std::string pointer_token(const std::string& name) {
  std::string out;
  for (char c : name) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

// Reads the string starting at text[i] == '"'; returns the index after its closing quote.
// The raw text between the quotes is enough for member names (escapes are rare in them and
// only change how the pointer reads).
size_t skip_string(std::string_view text, size_t i, std::string* raw) {
  size_t j = i + 1;
  while (j < text.size() && text[j] != '"') {
    if (text[j] == '\\') ++j;
    ++j;
  }
  if (raw) *raw = std::string(text.substr(i + 1, std::min(j, text.size()) - i - 1));
  return j + 1;
}

}  // namespace

std::map<std::string, util::SourceLocation> json_value_locations(std::string_view text, const std::string& file) {
  constexpr size_t kMaxDepth = 2;
  std::map<std::string, util::SourceLocation> out;
  std::vector<Open> stack;
  bool expect_key = false;  // inside an object, before a member name
  // A value starts here: record it when shallow enough.
  auto value_at = [&](size_t offset) -> std::string {
    std::string pointer;
    if (!stack.empty()) {
      Open& top = stack.back();
      pointer = top.pointer + "/" + (top.object ? pointer_token(top.member) : std::to_string(top.index++));
    }
    if (stack.size() <= kMaxDepth) out.emplace(pointer, location_at(text, offset, file));
    return pointer;
  };
  for (size_t i = 0; i < text.size();) {
    const char c = text[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',' || c == ':') {
      if (c == ',' && !stack.empty() && stack.back().object) expect_key = true;
      ++i;
      continue;
    }
    if (c == '}' || c == ']') {
      if (!stack.empty()) stack.pop_back();
      expect_key = false;
      ++i;
      continue;
    }
    if (expect_key && c == '"') {
      i = skip_string(text, i, &stack.back().member);
      expect_key = false;
      continue;
    }
    const std::string pointer = value_at(i);
    if (c == '{' || c == '[') {
      stack.push_back({pointer, c == '{', {}, 0});
      expect_key = c == '{';
      ++i;
    } else if (c == '"') {
      i = skip_string(text, i, nullptr);
    } else {  // number, true, false, null
      while (i < text.size() && text[i] != ',' && text[i] != '}' && text[i] != ']' && text[i] != ' ' &&
             text[i] != '\n' && text[i] != '\r' && text[i] != '\t')
        ++i;
    }
  }
  return out;
}

}  // namespace dgxpx::lora
