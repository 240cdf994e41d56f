#include "compiler/pixel/tileset_sheet.h"

#include <algorithm>
#include <set>

namespace dgxpx::pixel {

PackedSheet pack_tileset_sheet(const TilesetSpec& spec) {
  const auto& where = spec.where;
  check_label(spec.name, "tileset name", where);
  const std::string asset = "tileset \"" + spec.name + "\"";
  check_output_name(spec.image_file_name, asset + ": sheet file name", where);
  check_spacing(spec.padding, spec.extrude, asset, where);
  if (spec.tiles.empty()) throw util::InputError(where, asset + ": expected at least one tile");
  if (spec.columns < 0 || spec.columns > kMaxSheetSide)
    throw util::InputError(where, asset + ": columns " +
                                      util::expected_got("0 (one row per tile) or a positive count",
                                                         std::to_string(spec.columns)));

  const Image* first = nullptr;
  std::set<std::string> names;
  long long cells = 0;
  size_t widest = 0;
  for (const auto& tile : spec.tiles) {
    check_label(tile.name, asset + ": tile", where);
    if (tile.name.find('/') != std::string::npos)
      throw util::InputError(where, asset + ": tile \"" + tile.name + "\": expected no '/'");
    if (!names.insert(tile.name).second)
      throw util::InputError(where, asset + ": tile \"" + tile.name + "\" appears twice");
    if (tile.variations.empty())
      throw util::InputError(where, asset + ": tile \"" + tile.name + "\" has no images");
    for (size_t v = 0; v < tile.variations.size(); ++v) {
      const Image& image = tile.variations[v];
      const std::string what = asset + ": tile \"" + tile.name + "\" variation " + std::to_string(v);
      check_frame_image(image, what, where);
      if (!first) first = &image;
      if (image.width != first->width || image.height != first->height)
        throw util::InputError(
            where, what + " is " + std::to_string(image.width) + "x" + std::to_string(image.height) +
                       ", expected " + std::to_string(first->width) + "x" +
                       std::to_string(first->height) + " like the tileset's first tile");
    }
    cells += (long long)tile.variations.size();
    widest = std::max(widest, tile.variations.size());
  }

  GridGeometry grid;
  grid.cell_w = first->width;
  grid.cell_h = first->height;
  grid.padding = spec.padding;
  grid.extrude = spec.extrude;
  const long long columns = spec.columns > 0 ? spec.columns : (long long)widest;
  const long long rows = spec.columns > 0 ? (cells + columns - 1) / columns : (long long)spec.tiles.size();
  // Checked in 64-bit before the grid's int fields can overflow.
  check_sheet_size(grid.padding + columns * grid.pitch_x(), grid.padding + rows * grid.pitch_y(),
                   asset, where);
  grid.columns = int(columns);
  grid.rows = int(rows);

  PackedSheet sheet;
  sheet.grid = grid;
  sheet.name = spec.name;
  sheet.image_file_name = spec.image_file_name;
  sheet.padding = spec.padding;
  sheet.extrude = spec.extrude;
  sheet.image = Image(int(grid.sheet_width()), int(grid.sheet_height()));
  int flow = 0;  // next cell in flowed layout
  for (size_t t = 0; t < spec.tiles.size(); ++t) {
    const TilesetTile& tile = spec.tiles[t];
    FrameTag tag{tile.name, int(sheet.frames.size()), 0, true};
    for (size_t v = 0; v < tile.variations.size(); ++v) {
      int column = int(v), row = int(t);
      if (spec.columns > 0) {
        column = flow % grid.columns;
        row = flow / grid.columns;
        ++flow;
      }
      PackedFrame packed;
      packed.name = tile.name + "/" + std::to_string(v);
      packed.frame = grid.frame(column, row);
      packed.cell = grid.cell(column, row);
      blit_extruded(sheet.image, tile.variations[v], packed.frame.x, packed.frame.y, spec.extrude);
      sheet.frames.push_back(std::move(packed));
    }
    tag.to = int(sheet.frames.size()) - 1;
    sheet.tags.push_back(std::move(tag));
  }
  return sheet;
}

}  // namespace dgxpx::pixel
