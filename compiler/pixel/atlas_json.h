#pragma once
// Atlas descriptions in the Aseprite / TexturePacker "json-array" layout, which Phaser, Godot
// importers, LÖVE and Unity plugins read. Output bytes are fixed: keys in a fixed order, two-space
// indentation, '\n' line ends, a final newline.
#include <string>

#include "compiler/pixel/sheet.h"
#include "compiler/pixel/tileset_sheet.h"

namespace dgxpx::pixel {

/// The `app` and `version` written into every atlas's meta.
constexpr const char* kAtlasApp = "dgxpx";
std::string atlas_app_version();

/// {"frames": [{filename, frame, rotated, trimmed, spriteSourceSize, sourceSize, duration}...],
///  "meta": {app, version, image, format, size, scale, frameTags: [{name, from, to,
///  direction: "forward"[, repeat: "1" when the tag does not loop]}]}}. Frames are untrimmed and
/// unrotated; `frame` excludes padding and extrusion.
std::string atlas_json(const PackedSheet& sheet);

/// atlas_json plus what map editors need: "tiles": [{name, variations: [{frame, index, column,
/// row, id}]}] (id = row * columns + column, Tiled's tile id) and meta.grid {tileWidth,
/// tileHeight, columns, rows, margin, spacing}.
std::string tileset_json(const PackedTileset& tileset);

}  // namespace dgxpx::pixel
