#pragma once
// Atlas descriptions in the two JSON layouts engines read: the Aseprite / TexturePacker
// "json-array" (Phaser's load.aseprite + anims.createFromAseprite, Aseprite readers) and the
// TexturePacker "json-hash" (frames keyed by name: Phaser's load.atlas, PixiJS's Assets.load).
// Output bytes are fixed: keys in a fixed order, two-space indentation, '\n' line ends, a final
// newline.
#include <string>

#include "compiler/pixel/sheet.h"

namespace dgxpx::pixel {

/// The `app` and `version` written into every atlas's meta.
constexpr const char* kAtlasApp = "dgxpx";
std::string atlas_app_version();

/// What a json-array frame's `filename` holds.
enum class ArrayFilenames {
  /// The frame's index in the array ("0", "1", ...), as Aseprite's `{frame}` filename format
  /// writes it. Phaser's createFromAseprite looks each tag's frames up by that index, both in
  /// the JSON and among the texture's frame names, so animated sheets need it.
  index,
  /// The frame's name ("sword", "floor/0"), for sheets looked up by name.
  name,
};

/// {"frames": [{filename, frame, rotated, trimmed, spriteSourceSize, sourceSize, duration[,
/// cell]}...], "animations": {tag: [frame index as text...]}, "meta": {app, version, image,
/// format, size, scale, frameTags: [{name, from, to, direction: "forward"[, repeat: "1" when
/// the tag does not loop]}][, grid]}}.
/// `animations` (PixiJS's map; Pixi keys array frames by index) is written when the sheet has
/// tags. `cell` and meta.grid {cellWidth, cellHeight, columns, rows, padding, extrude, margin,
/// spacing} are written for grid sheets. Frames are untrimmed and unrotated; `frame` excludes
/// padding and extrusion.
std::string atlas_json(const PackedSheet& sheet, ArrayFilenames filenames);

/// The same atlas with "frames" an object keyed by frame name (in sheet order, so frameTags'
/// from/to still count frames), and `animations` listing frame names.
std::string atlas_hash_json(const PackedSheet& sheet);

}  // namespace dgxpx::pixel
