#pragma once
// Item atlases: icons of any size packed into one sheet (shelf packing, deterministic), each
// also published as its own PNG by pack_output.
#include <string>
#include <vector>

#include "compiler/pixel/image.h"
#include "compiler/pixel/sheet.h"
#include "compiler/util/error.h"

namespace dgxpx::pixel {

struct AtlasItem {
  std::string name;  // e.g. "potion_red"; also the individual PNG's name, so [A-Za-z0-9._-/]
  Image image;
};

struct ItemAtlasSpec {
  std::string name;             // the item set, e.g. "items"
  std::string image_file_name;  // e.g. "items.png"
  std::vector<AtlasItem> items;
  int padding = 0;
  int extrude = 0;
  util::SourceLocation where;
};

/// Packs the items on shelves, tallest first (ties: wider first, then by name), into a sheet
/// about as wide as it is tall. Frames keep the spec's order and the item names; there are no
/// tags. Throws util::InputError for no items, duplicate or bad names, empty images, or a sheet
/// over kMaxSheetSide.
PackedSheet pack_item_atlas(const ItemAtlasSpec& spec);

}  // namespace dgxpx::pixel
