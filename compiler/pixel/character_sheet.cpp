#include "compiler/pixel/character_sheet.h"

#include <algorithm>
#include <set>

namespace dgxpx::pixel {

static std::string size_text(const Image& image) {
  return std::to_string(image.width) + "x" + std::to_string(image.height);
}

PackedSheet pack_character_sheet(const CharacterSheetSpec& spec) {
  const auto& where = spec.where;
  check_label(spec.name, "character name", where);
  const std::string asset = "character \"" + spec.name + "\"";
  check_output_name(spec.image_file_name, asset + ": sheet file name", where);
  check_spacing(spec.padding, spec.extrude, asset, where);
  if (spec.rows.empty()) throw util::InputError(where, asset + ": expected at least one animation");

  GridGeometry grid;
  grid.padding = spec.padding;
  grid.extrude = spec.extrude;
  grid.rows = int(spec.rows.size());
  const Image* first = nullptr;
  std::set<std::string> tags, names;
  for (const auto& row : spec.rows) {
    check_label(row.tag, asset + ": animation", where);
    if (!tags.insert(row.tag).second)
      throw util::InputError(where, asset + ": animation \"" + row.tag + "\" appears twice");
    if (row.frames.empty())
      throw util::InputError(where, asset + ": animation \"" + row.tag + "\" has no frames");
    grid.columns = std::max(grid.columns, int(row.frames.size()));
    for (size_t i = 0; i < row.frames.size(); ++i) {
      const SheetFrame& frame = row.frames[i];
      const std::string what = asset + ": frame " + std::to_string(i) + " of \"" + row.tag + "\"";
      check_frame_image(frame.image, what, where);
      if (!first) first = &frame.image;
      if (frame.image.width != first->width || frame.image.height != first->height)
        throw util::InputError(where, what + " is " + size_text(frame.image) +
                                          ", expected " + size_text(*first) +
                                          " like the character's first frame");
      if (frame.duration_ms < 1 || frame.duration_ms > 65535)
        throw util::InputError(where, what + ": duration " +
                                          util::expected_got("1..65535 ms",
                                                             std::to_string(frame.duration_ms)));
    }
  }
  grid.cell_w = first->width;
  grid.cell_h = first->height;
  check_sheet_size(grid.sheet_width(), grid.sheet_height(), asset, where);

  PackedSheet sheet;
  sheet.name = spec.name;
  sheet.image_file_name = spec.image_file_name;
  sheet.padding = spec.padding;
  sheet.extrude = spec.extrude;
  sheet.grid = grid;
  sheet.image = Image(int(grid.sheet_width()), int(grid.sheet_height()));
  for (int r = 0; r < grid.rows; ++r) {
    const SheetRow& row = spec.rows[size_t(r)];
    FrameTag tag{row.tag, int(sheet.frames.size()), 0, row.loop};
    for (int c = 0; c < int(row.frames.size()); ++c) {
      const SheetFrame& frame = row.frames[size_t(c)];
      PackedFrame packed;
      packed.name = frame.name.empty() ? row.tag + "/" + std::to_string(c) : frame.name;
      check_label(packed.name, asset + ": frame name", where);
      if (!names.insert(packed.name).second)
        throw util::InputError(where, asset + ": frame name \"" + packed.name + "\" appears twice");
      packed.frame = grid.frame(c, r);
      packed.cell = grid.cell(c, r);
      packed.duration_ms = frame.duration_ms;
      blit_extruded(sheet.image, frame.image, packed.frame.x, packed.frame.y, spec.extrude);
      sheet.frames.push_back(std::move(packed));
    }
    tag.to = int(sheet.frames.size()) - 1;
    sheet.tags.push_back(std::move(tag));
  }
  return sheet;
}

}  // namespace dgxpx::pixel
