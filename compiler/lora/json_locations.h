#pragma once
// Where values sit in a JSON text, so errors about a well-formed file that holds the wrong
// thing (a number where trigger words belong) can point at file:line:col like the YAML
// loaders do. nlohmann::json keeps no positions; this scanner supplies them.
#include <map>
#include <string>
#include <string_view>

#include "compiler/util/error.h"

namespace dgxpx::lora {

/// Locations of the values of `text` (which must already be valid JSON) down to depth 2, by
/// JSON pointer: "" is the document, "/trigger_words" a member of the top-level object,
/// "/trigger_words/1" the second element of that member. Deeper values are not listed.
std::map<std::string, util::SourceLocation> json_value_locations(std::string_view text, const std::string& file);

/// The 1-based line and column of byte `offset` of `text` (columns count bytes, like yaml-cpp).
util::SourceLocation location_at(std::string_view text, size_t offset, const std::string& file);

}  // namespace dgxpx::lora
