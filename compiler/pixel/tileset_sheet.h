#pragma once
// Tileset sheets: every tile (and each of its variations) in one uniform grid that engines and
// map editors (Godot TileSet, Tiled, LDtk) slice by tile size, margin and spacing.
#include <string>
#include <vector>

#include "compiler/pixel/image.h"
#include "compiler/pixel/sheet.h"
#include "compiler/util/error.h"

namespace dgxpx::pixel {

struct TilesetTile {
  std::string name;               // e.g. "grass"
  std::vector<Image> variations;  // at least one; all tiles of a set share one size
};

struct TilesetSpec {
  std::string name;             // the tileset, e.g. "forest"
  std::string image_file_name;  // e.g. "forest.png"
  std::vector<TilesetTile> tiles;
  /// 0: one row per tile, its variations left to right. N > 0: all variations, tile by tile,
  /// flowed left to right in rows of N cells.
  int columns = 0;
  int padding = 0;
  int extrude = 0;
  util::SourceLocation where;
};

/// Packs the tiles in order: frames "<tile>/<variation>", one FrameTag per tile, and the grid. Throws util::InputError for no tiles, a tile without variations,
/// duplicate tile names, tiles of differing or zero size, bad columns or names, or a sheet over
/// kMaxSheetSide.
PackedSheet pack_tileset_sheet(const TilesetSpec& spec);

}  // namespace dgxpx::pixel
