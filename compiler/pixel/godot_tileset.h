#pragma once
// Godot 4 TileSet resources (.tres, text format 3) for TileMapLayer: one atlas source over the
// tile sheet, with each tile's name and variation as custom data, so scripts can find a tile by
// name (`get_cell_tile_data(...).get_custom_data("name")`).
#include <string>

#include "compiler/pixel/sheet.h"

namespace dgxpx::pixel {

/// The .tres text for a grid sheet whose tags are tiles and frames their variations: a
/// TileSetAtlasSource (margins, separation and region size from the grid; the texture is the
/// sheet's image_file_name, so the .tres sits next to the sheet), a tile at atlas coordinates
/// (column, row) of each frame's cell, and custom data layers "name" (String, the tag) and
/// "variation" (int). Throws util::InputError for a sheet without a grid.
std::string godot_tileset(const PackedSheet& sheet);

}  // namespace dgxpx::pixel
