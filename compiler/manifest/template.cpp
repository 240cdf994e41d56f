#include "compiler/manifest/template.h"

namespace dgxpx::manifest {

util::SourceLocation Template::part_location(const TemplatePart& part) const {
  util::SourceLocation loc = where;
  // Quoted YAML scalars start one column before their text; close enough to point at the part.
  if (loc.col > 0) loc.col += part.column_offset;
  return loc;
}

static bool valid_identifier(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  return true;
}

Template parse_template(const std::string& text, const util::SourceLocation& where) {
  Template t;
  t.source = text;
  t.where = where;
  std::string literal;
  auto flush = [&] {
    if (!literal.empty()) t.parts.push_back({false, literal, {}, 0});
    literal.clear();
  };
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '{' && i + 1 < text.size() && text[i + 1] == '{') { literal += '{'; ++i; continue; }
    if (c == '}' && i + 1 < text.size() && text[i + 1] == '}') { literal += '}'; ++i; continue; }
    if (c == '}') throw util::InputError(where, "unmatched '}' in template \"" + text + "\" (write '}}' for a brace)");
    if (c != '{') { literal += c; continue; }
    size_t close = text.find('}', i);
    if (close == std::string::npos)
      throw util::InputError(where, "unclosed '{' in template \"" + text + "\"");
    std::string path_text = text.substr(i + 1, close - i - 1);
    TemplatePart part{true, path_text, {}, static_cast<int>(i)};
    size_t start = 0;
    while (true) {
      size_t dot = path_text.find('.', start);
      part.path.push_back(path_text.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    for (const auto& segment : part.path)
      if (!valid_identifier(segment))
        throw util::InputError(where, util::expected_got("a field path like {prompt} or {anim.frames}",
                                                         "{" + path_text + "} in template \"" + text + "\""));
    flush();
    t.parts.push_back(std::move(part));
    i = close;
  }
  flush();
  return t;
}

std::string render_template(const Template& t,
                            const std::function<std::string(const std::vector<std::string>&)>& resolve) {
  std::string out;
  for (const auto& part : t.parts) out += part.is_placeholder ? resolve(part.path) : part.text;
  return out;
}

}  // namespace dgxpx::manifest
