#include <catch2/catch.hpp>

#include <algorithm>

#include "compiler/pixel/item_atlas.h"

using namespace dgxpx;
using pixel::Image;
using pixel::Rgba;

namespace {

pixel::ItemAtlasSpec items_spec(int padding = 0, int extrude = 0) {
  pixel::ItemAtlasSpec spec;
  spec.name = "items";
  spec.image_file_name = "items.png";
  spec.padding = padding;
  spec.extrude = extrude;
  const int sizes[][2] = {{16, 16}, {8, 8}, {16, 24}, {8, 8}, {32, 8}, {12, 12}, {8, 16}};
  const char* names[] = {"sword", "gem", "shield", "coin", "bow", "potion", "key"};
  for (int i = 0; i < 7; ++i)
    spec.items.push_back({names[i], Image(sizes[i][0], sizes[i][1], Rgba{uint8_t(30 * i), 9, 9, 255})});
  return spec;
}

// True when b comes closer than `gap` pixels to a (on both axes at once).
bool closer_than(const pixel::Rect& a, const pixel::Rect& b, int gap) {
  return a.x - gap < b.x + b.w && b.x < a.x + a.w + gap && a.y - gap < b.y + b.h &&
         b.y < a.y + a.h + gap;
}

void check_atlas(const pixel::ItemAtlasSpec& spec, const pixel::PackedSheet& atlas) {
  REQUIRE(atlas.frames.size() == spec.items.size());
  for (size_t i = 0; i < spec.items.size(); ++i) {
    const auto& f = atlas.frames[i];
    CHECK(f.name == spec.items[i].name);  // spec order is kept
    CHECK(f.frame.w == spec.items[i].image.width);
    CHECK(f.frame.h == spec.items[i].image.height);
    // Inside the sheet with its padding + extrusion border.
    CHECK(f.frame.x - spec.extrude >= spec.padding);
    CHECK(f.frame.y - spec.extrude >= spec.padding);
    CHECK(f.frame.x + f.frame.w + spec.extrude + spec.padding <= atlas.image.width);
    CHECK(f.frame.y + f.frame.h + spec.extrude + spec.padding <= atlas.image.height);
    for (int y = 0; y < f.frame.h; ++y)
      for (int x = 0; x < f.frame.w; ++x)
        REQUIRE(atlas.image.at(f.frame.x + x, f.frame.y + y) == spec.items[i].image.at(x, y));
    // Extruded cells plus padding never touch another item's extruded cell.
    for (size_t j = i + 1; j < spec.items.size(); ++j) {
      INFO(spec.items[i].name << " vs " << spec.items[j].name);
      CHECK_FALSE(closer_than(f.frame, atlas.frames[j].frame, 2 * spec.extrude + spec.padding));
    }
  }
  CHECK(atlas.tags.empty());
}

}  // namespace

TEST_CASE("item atlas: every item is placed once, exactly, without overlap", "[pixel][item_atlas]") {
  for (auto [pad, ext] : {std::pair{0, 0}, std::pair{1, 0}, std::pair{2, 1}, std::pair{0, 2}}) {
    INFO("padding " << pad << " extrude " << ext);
    const auto spec = items_spec(pad, ext);
    check_atlas(spec, pixel::pack_item_atlas(spec));
  }
}

TEST_CASE("item atlas: roughly square and not wasteful", "[pixel][item_atlas]") {
  const auto spec = items_spec();
  const auto atlas = pixel::pack_item_atlas(spec);
  long long area = 0;
  for (const auto& item : spec.items) area += item.image.width * item.image.height;
  const long long sheet_area = (long long)atlas.image.width * atlas.image.height;
  CHECK(sheet_area < 2 * area);
  CHECK(std::max(atlas.image.width, atlas.image.height) <= 2 * std::min(atlas.image.width, atlas.image.height));
}

TEST_CASE("item atlas: layout does not depend on anything but the input", "[pixel][item_atlas]") {
  const auto a = pixel::pack_item_atlas(items_spec(1, 1));
  const auto b = pixel::pack_item_atlas(items_spec(1, 1));
  CHECK(a.image.width == b.image.width);
  CHECK(a.image.pixels == b.image.pixels);
}

TEST_CASE("item atlas: bad input is an InputError", "[pixel][item_atlas]") {
  auto spec = items_spec();
  spec.items[3].name = "gem";
  CHECK_THROWS_WITH(pixel::pack_item_atlas(spec), Catch::Contains("item \"gem\" appears twice"));
  spec = items_spec();
  spec.items[3].name = "bad name";
  CHECK_THROWS_AS(pixel::pack_item_atlas(spec), util::InputError);
  spec = items_spec();
  spec.items[0].image = Image(0, 5);
  CHECK_THROWS_WITH(pixel::pack_item_atlas(spec), Catch::Contains("non-empty image"));
  spec = items_spec();
  spec.items.clear();
  CHECK_THROWS_WITH(pixel::pack_item_atlas(spec), Catch::Contains("at least one item"));
}
