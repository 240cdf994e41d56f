#pragma once
// Rules: how an asset kind (character, tileset, items, or a user's own such as "portraits")
// expands into frames and how its frames are laid out in a sheet. A new kind is a new rule
// file, not new C++. Grammar documented in rules/README.md.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "compiler/manifest/template.h"
#include "compiler/manifest/value.h"

namespace dgxpx::manifest {

enum class FieldType { string, integer, number, boolean, list, map };

/// One field an asset of this kind takes. `list` holds scalars, or entries when `entry` is set;
/// `map` holds named entries (name → mapping) and always has `entry`.
struct FieldSpec {
  std::string name;
  FieldType type = FieldType::string;
  bool required = false;
  std::optional<Value> default_value;
  std::optional<int64_t> min, max;  // integers
  std::vector<FieldSpec> entry;     // entry schema for list/map
  bool has_entry = false;
  util::SourceLocation where;
};

/// One nesting level of the expansion: over a list/map field, or 0..count-1.
struct Loop {
  enum class Kind { each, count };
  Kind kind = Kind::each;
  std::vector<std::string> source;  // field path: "animations", "anim.frames"
  std::string variable;             // "anim"
  util::SourceLocation where;
};

/// How a kind's frames relate (rules' `consistency:`), as templates rendered per frame. Frames
/// whose `group` renders alike belong together; the first of a group in loop order leads it.
/// `mode` renders to independent (each frame from its own prompt), keyframe (the leader is
/// generated, the others are img2img from its image with `strength`, or inpainting where the
/// `mask` PNG is light) or strip (one generation of `strip_prompt` holds the group's frames side
/// by side; the pixel stage's image is sliced into them).
struct Consistency {
  Template mode;
  Template group;
  std::optional<Template> strength, mask, strip_prompt;
  util::SourceLocation where;
};

/// Which packer and atlas layout a kind's sheet uses.
enum class SheetFormat { character, tileset, items };

struct Rule {
  std::string kind;
  std::string description;
  std::filesystem::path file;
  std::string display_file;
  std::vector<FieldSpec> fields;
  std::vector<Loop> loops;
  // Per frame:
  Template frame_name, prompt, seed;
  std::optional<Template> negative, tiling;
  std::optional<Template> subject;  // what stays the same across frames (the placeholder draws one character)
  std::string hint;  // what the placeholder backend draws: character, tile, item
  // Sheet:
  SheetFormat format = SheetFormat::character;
  std::optional<Template> row, tag, duration, loop;  // row: the sheet row (character) or tile (tileset)
  std::optional<Consistency> consistency;  // none: every frame is independent

  const FieldSpec* field(const std::string& name) const;
};

/// Parses and validates a rule file's document. Every template path and loop source must name
/// a field or loop variable in scope, else util::InputError at the template.
Rule parse_rule(const Value& document, const std::filesystem::path& file, const std::string& display_file);

/// Keys every asset accepts besides its rule's fields.
const std::vector<std::string>& reserved_asset_keys();

}  // namespace dgxpx::manifest
