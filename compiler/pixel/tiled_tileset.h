#pragma once
// Tiled tilesets (.tsx, the TMX map format's external tileset) for map editors: the sheet's
// grid as Tiled slices it, and each tile's name and variation as custom properties, so a map
// made in Tiled can be read back by tile name.
#include <string>

#include "compiler/pixel/sheet.h"

namespace dgxpx::pixel {

/// The .tsx XML for a grid sheet whose tags are tiles and frames their variations:
/// <tileset name tilewidth tileheight spacing margin tilecount columns> with <image source
/// width height> and, per frame, <tile id="cell"> with properties name (the tag) and variation
/// (int, the frame's place in its tag). The image source is the sheet's image_file_name, so the
/// .tsx sits next to the sheet. Throws util::InputError for a sheet without a grid.
std::string tiled_tileset(const PackedSheet& sheet);

}  // namespace dgxpx::pixel
