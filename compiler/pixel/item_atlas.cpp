#include "compiler/pixel/item_atlas.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>

namespace dgxpx::pixel {

PackedSheet pack_item_atlas(const ItemAtlasSpec& spec) {
  const auto& where = spec.where;
  check_label(spec.name, "item set name", where);
  const std::string asset = "item set \"" + spec.name + "\"";
  check_output_name(spec.image_file_name, asset + ": atlas file name", where);
  check_spacing(spec.padding, spec.extrude, asset, where);
  if (spec.items.empty()) throw util::InputError(where, asset + ": expected at least one item");

  const int pad = spec.padding, ext = spec.extrude;
  std::set<std::string> names;
  long long area = 0;
  long long widest = 0;
  for (const auto& item : spec.items) {
    check_output_name(item.name, asset + ": item", where);
    if (!names.insert(item.name).second)
      throw util::InputError(where, asset + ": item \"" + item.name + "\" appears twice");
    check_frame_image(item.image, asset + ": item \"" + item.name + "\"", where);
    const long long cw = item.image.width + 2LL * ext, ch = item.image.height + 2LL * ext;
    if (cw > kMaxSheetSide || ch > kMaxSheetSide) check_sheet_size(cw, ch, asset, where);
    area += (cw + pad) * (ch + pad);
    widest = std::max(widest, cw);
  }

  std::vector<size_t> order(spec.items.size());
  std::iota(order.begin(), order.end(), size_t(0));
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const Image& ia = spec.items[a].image;
    const Image& ib = spec.items[b].image;
    if (ia.height != ib.height) return ia.height > ib.height;
    if (ia.width != ib.width) return ia.width > ib.width;
    return spec.items[a].name < spec.items[b].name;
  });

  // Shelf packing against a width near sqrt(total area): integer maths only, so every machine
  // lays the atlas out the same way.
  long long side = (long long)std::sqrt((double)area);  // IEEE sqrt is exact-rounded
  while (side * side < area) ++side;
  while (side > 0 && (side - 1) * (side - 1) >= area) --side;
  const long long limit = pad + std::max(widest, side);
  std::vector<Rect> cells(spec.items.size());
  long long x = pad, y = pad, shelf_h = 0, used_w = 0;
  for (size_t index : order) {
    const Image& image = spec.items[index].image;
    const long long cw = image.width + 2LL * ext, ch = image.height + 2LL * ext;
    if (x > pad && x + cw > limit) {
      y += shelf_h + pad;
      x = pad;
      shelf_h = 0;
    }
    if (y + ch > kMaxSheetSide) check_sheet_size(limit + pad, y + ch + pad, asset, where);
    cells[index] = Rect{int(x + ext), int(y + ext), image.width, image.height};
    x += cw;
    used_w = std::max(used_w, x);
    x += pad;
    shelf_h = std::max(shelf_h, ch);
  }
  const long long width = used_w + pad, height = y + shelf_h + pad;
  check_sheet_size(width, height, asset, where);

  PackedSheet sheet;
  sheet.name = spec.name;
  sheet.image_file_name = spec.image_file_name;
  sheet.padding = pad;
  sheet.extrude = ext;
  sheet.image = Image(int(width), int(height));
  for (size_t i = 0; i < spec.items.size(); ++i) {
    blit_extruded(sheet.image, spec.items[i].image, cells[i].x, cells[i].y, ext);
    sheet.frames.push_back(PackedFrame{spec.items[i].name, cells[i], 100});
  }
  return sheet;
}

}  // namespace dgxpx::pixel
