#pragma once
// Text templates used by rules: "{prompt}, {anim.prompt}, facing {dir}". A placeholder is a
// dotted path; "{{" and "}}" stand for literal braces. Parsing checks syntax; each path is
// checked against the rule's fields when the rule loads, so rendering cannot fail later.
#include <functional>
#include <string>
#include <vector>

#include "compiler/util/error.h"

namespace dgxpx::manifest {

struct TemplatePart {
  bool is_placeholder = false;
  std::string text;               // literal text, or the path as written ("anim.prompt")
  std::vector<std::string> path;  // split path for placeholders
  int column_offset = 0;          // offset of the placeholder inside the template text
};

struct Template {
  std::vector<TemplatePart> parts;
  std::string source;
  util::SourceLocation where;

  /// Location of a part, for errors (column adjusted when the template is on one line).
  util::SourceLocation part_location(const TemplatePart& part) const;
};

/// Parses template text. Throws util::InputError at `where` on an unclosed or empty placeholder.
Template parse_template(const std::string& text, const util::SourceLocation& where);

/// Renders with a resolver that maps a path to its text.
std::string render_template(const Template& t,
                            const std::function<std::string(const std::vector<std::string>&)>& resolve);

}  // namespace dgxpx::manifest
