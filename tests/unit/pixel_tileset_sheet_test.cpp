#include <catch2/catch.hpp>

#include "compiler/pixel/tileset_sheet.h"

using namespace dgxpx;
using pixel::Image;
using pixel::Rgba;

namespace {

pixel::TilesetSpec forest_spec(int columns = 0, int padding = 0, int extrude = 0) {
  pixel::TilesetSpec spec;
  spec.name = "forest";
  spec.image_file_name = "forest.png";
  spec.columns = columns;
  spec.padding = padding;
  spec.extrude = extrude;
  const char* names[] = {"grass", "dirt", "water"};
  const int variations[] = {3, 1, 2};
  for (int t = 0; t < 3; ++t) {
    pixel::TilesetTile tile;
    tile.name = names[t];
    for (int v = 0; v < variations[t]; ++v)
      tile.variations.push_back(Image(4, 4, Rgba{uint8_t(10 * t), uint8_t(v), 200, 255}));
    spec.tiles.push_back(tile);
  }
  return spec;
}

}  // namespace

TEST_CASE("tileset: one row per tile, variations across", "[pixel][tileset_sheet]") {
  const auto out = pixel::pack_tileset_sheet(forest_spec());
  CHECK(out.grid->columns == 3);
  CHECK(out.grid->rows == 3);
  CHECK(out.image.width == 12);
  CHECK(out.image.height == 12);
  REQUIRE(out.frames.size() == 6);
  CHECK(out.frames[2].name == "grass/2");
  CHECK(out.frames[2].frame == pixel::Rect{8, 0, 4, 4});
  CHECK(out.frames[3].name == "dirt/0");
  CHECK(out.frames[3].frame == pixel::Rect{0, 4, 4, 4});
  CHECK(out.frames[5].frame == pixel::Rect{4, 8, 4, 4});
  CHECK(out.image.at(5, 9) == Rgba{20, 1, 200, 255});
  CHECK(out.image.at(5, 5) == Rgba{0, 0, 0, 0});  // dirt has no 2nd variation
  REQUIRE(out.tags.size() == 3);
  CHECK(out.tags[1].name == "dirt");
  CHECK(out.tags[1].from == 3);
  CHECK(out.tags[1].to == 3);
  CHECK(out.tags[2].from == 4);
  CHECK(out.tags[2].to == 5);
}

TEST_CASE("tileset: a column count flows tiles in reading order", "[pixel][tileset_sheet]") {
  const auto out = pixel::pack_tileset_sheet(forest_spec(4, 1, 1));
  CHECK(out.grid->columns == 4);
  CHECK(out.grid->rows == 2);
  CHECK(out.grid->margin() == 2);
  CHECK(out.grid->spacing() == 3);
  CHECK(out.image.width == 1 + 4 * (4 + 2 + 1));
  CHECK(out.image.height == 1 + 2 * 7);
  CHECK(out.frames[3].frame == pixel::Rect{2 + 3 * 7, 2, 4, 4});  // dirt/0
  CHECK(out.frames[4].frame == pixel::Rect{2, 2 + 7, 4, 4});      // water/0
  CHECK(out.image.at(1, 8) == Rgba{20, 0, 200, 255});             // extruded water/0
}

TEST_CASE("tileset: bad input is an InputError", "[pixel][tileset_sheet]") {
  auto spec = forest_spec();
  spec.tiles[2].variations[1] = Image(4, 5);
  CHECK_THROWS_WITH(pixel::pack_tileset_sheet(spec),
                    Catch::Contains("tile \"water\" variation 1 is 4x5, expected 4x4"));
  spec = forest_spec();
  spec.tiles[1].name = "grass";
  CHECK_THROWS_WITH(pixel::pack_tileset_sheet(spec), Catch::Contains("\"grass\" appears twice"));
  spec = forest_spec();
  spec.tiles[1].variations.clear();
  CHECK_THROWS_WITH(pixel::pack_tileset_sheet(spec), Catch::Contains("\"dirt\" has no images"));
  spec = forest_spec();
  spec.tiles[1].name = "a/b";
  CHECK_THROWS_WITH(pixel::pack_tileset_sheet(spec), Catch::Contains("expected no '/'"));
  spec = forest_spec(-2);
  CHECK_THROWS_AS(pixel::pack_tileset_sheet(spec), util::InputError);
  spec = forest_spec();
  spec.tiles.clear();
  CHECK_THROWS_WITH(pixel::pack_tileset_sheet(spec), Catch::Contains("at least one tile"));
}
