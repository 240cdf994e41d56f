#pragma once
// What every packer produces: one sheet image plus where each frame sits in it. Plain data; the
// packers (character_sheet, tileset_sheet, item_atlas) fill it and the writers (atlas_json,
// tiled_tileset, godot_sprite_frames, godot_tileset, bevy_ron, pack_output) read it.
#include <optional>
#include <string>
#include <vector>

#include "compiler/pixel/image.h"
#include "compiler/util/error.h"

namespace dgxpx::pixel {

struct Rect {
  int x = 0, y = 0, w = 0, h = 0;
  bool operator==(const Rect& o) const { return x == o.x && y == o.y && w == o.w && h == o.h; }
};

/// A uniform grid of equally sized cells: `padding` transparent pixels around the sheet and
/// between cells, each frame surrounded by `extrude` repeated edge pixels. In Tiled terms the
/// grid has margin = padding + extrude and spacing = padding + 2 * extrude.
struct GridGeometry {
  int cell_w = 0, cell_h = 0;
  int columns = 0, rows = 0;
  int padding = 0, extrude = 0;

  int pitch_x() const { return cell_w + 2 * extrude + padding; }
  int pitch_y() const { return cell_h + 2 * extrude + padding; }
  /// The frame rectangle (without extrusion) of cell (column, row).
  Rect frame(int column, int row) const {
    return {padding + column * pitch_x() + extrude, padding + row * pitch_y() + extrude, cell_w,
            cell_h};
  }
  long long sheet_width() const { return padding + (long long)columns * pitch_x(); }
  long long sheet_height() const { return padding + (long long)rows * pitch_y(); }
  /// Row-major index of cell (column, row): Tiled's tile id, Godot's frame, Bevy's atlas index.
  int cell(int column, int row) const { return row * columns + column; }
  int margin() const { return padding + extrude; }
  int spacing() const { return padding + 2 * extrude; }
};

/// One frame placed on a sheet. `frame` excludes padding and extrusion: it is exactly the
/// source image's pixels, so engines sample the right texels.
struct PackedFrame {
  std::string name;   // unique within the sheet, e.g. "walk/down/0"
  Rect frame;
  int duration_ms = 100;
  int cell = -1;  // GridGeometry::cell of its place when the sheet is a grid, else -1
};

/// A named run of consecutive frames (an animation × direction, or a tile's variations).
/// `from`/`to` are inclusive indices into PackedSheet::frames.
struct FrameTag {
  std::string name;   // e.g. "walk/down"
  int from = 0, to = 0;
  bool loop = true;
};

struct PackedSheet {
  std::string name;             // the asset, e.g. "hero"
  std::string image_file_name;  // the sheet PNG, relative to the JSON next to it
  Image image;
  std::vector<PackedFrame> frames;
  std::vector<FrameTag> tags;
  int padding = 0;
  int extrude = 0;
  std::optional<GridGeometry> grid;  // set for grid sheets (characters, tilesets), not for items
};

/// Largest sheet side we produce; GPUs commonly cap textures at 16384.
constexpr int kMaxSheetSide = 16384;

/// Copies `src` into `dst` with its top-left pixel at (x, y), then repeats its edge pixels
/// `extrude` times outward (corners included) so bilinear sampling at the frame's border never
/// picks up a neighbour. The caller guarantees the extruded rectangle lies inside `dst`.
void blit_extruded(Image& dst, const Image& src, int x, int y, int extrude);

/// Checks a name that becomes (part of) an output file path: non-empty, relative, no "." or ".."
/// components, only [A-Za-z0-9._-] and '/'. Throws util::InputError naming `what` and `where`.
void check_output_name(const std::string& name, const std::string& what,
                       const util::SourceLocation& where);

/// Throws util::InputError unless `image` is non-empty and its pixel buffer matches its size.
void check_frame_image(const Image& image, const std::string& what,
                       const util::SourceLocation& where);

/// Checks a display name (asset, tag, frame): non-empty, no control characters.
void check_label(const std::string& label, const std::string& what,
                 const util::SourceLocation& where);

/// Checks padding/extrude are in [0, 64]. Throws util::InputError.
void check_spacing(int padding, int extrude, const std::string& asset,
                   const util::SourceLocation& where);

/// Throws util::InputError when a sheet side is 0 or exceeds kMaxSheetSide.
void check_sheet_size(long long width, long long height, const std::string& asset,
                      const util::SourceLocation& where);

}  // namespace dgxpx::pixel
