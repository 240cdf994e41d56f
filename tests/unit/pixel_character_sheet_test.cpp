#include <catch2/catch.hpp>

#include "compiler/pixel/character_sheet.h"

using namespace dgxpx;
using pixel::Image;
using pixel::Rgba;

namespace {

// A frame whose every pixel encodes (row, column) so the test can see where it landed.
Image marked_frame(int w, int h, uint8_t row, uint8_t column) {
  Image image(w, h, Rgba{uint8_t(100 + row), uint8_t(50 + column), 7, 255});
  image.at(0, 0) = Rgba{255, 255, 255, 255};  // a distinct corner, to check orientation
  return image;
}

pixel::CharacterSheetSpec hero_spec(int padding = 0, int extrude = 0) {
  pixel::CharacterSheetSpec spec;
  spec.name = "hero";
  spec.image_file_name = "hero.png";
  spec.padding = padding;
  spec.extrude = extrude;
  const char* tags[] = {"walk/down", "walk/up", "idle/down"};
  const int counts[] = {4, 4, 2};
  for (int r = 0; r < 3; ++r) {
    pixel::SheetRow row;
    row.tag = tags[r];
    for (int c = 0; c < counts[r]; ++c)
      row.frames.push_back({"", marked_frame(8, 6, uint8_t(r), uint8_t(c)), 100 + 20 * r});
    spec.rows.push_back(row);
  }
  spec.rows[2].loop = false;
  return spec;
}

}  // namespace

TEST_CASE("character sheet: rows are animations, columns are frames", "[pixel][character_sheet]") {
  const auto sheet = pixel::pack_character_sheet(hero_spec());
  CHECK(sheet.image.width == 4 * 8);
  CHECK(sheet.image.height == 3 * 6);
  REQUIRE(sheet.frames.size() == 10);
  CHECK(sheet.frames[0].name == "walk/down/0");
  CHECK(sheet.frames[5].name == "walk/up/1");
  CHECK(sheet.frames[9].name == "idle/down/1");
  CHECK(sheet.frames[5].frame == pixel::Rect{8, 6, 8, 6});
  CHECK(sheet.frames[9].frame == pixel::Rect{8, 12, 8, 6});
  CHECK(sheet.frames[9].duration_ms == 140);
  // Pixels: frame (row 1, column 3) sits at x 24..31, y 6..11.
  CHECK(sheet.image.at(24, 6) == Rgba{255, 255, 255, 255});
  CHECK(sheet.image.at(25, 7) == Rgba{101, 53, 7, 255});
  // The short last row leaves transparent cells.
  CHECK(sheet.image.at(20, 14) == Rgba{0, 0, 0, 0});

  REQUIRE(sheet.tags.size() == 3);
  CHECK(sheet.tags[0].name == "walk/down");
  CHECK(sheet.tags[0].from == 0);
  CHECK(sheet.tags[0].to == 3);
  CHECK(sheet.tags[1].from == 4);
  CHECK(sheet.tags[1].to == 7);
  CHECK(sheet.tags[2].from == 8);
  CHECK(sheet.tags[2].to == 9);
  CHECK(sheet.tags[2].loop == false);
}

TEST_CASE("character sheet: each frame knows its grid cell, gaps included", "[pixel][character_sheet]") {
  auto spec = hero_spec(1, 1);
  std::swap(spec.rows[0], spec.rows[2]);  // idle/down (2 frames) first: its row has 2 empty cells
  const auto sheet = pixel::pack_character_sheet(spec);
  REQUIRE(sheet.grid);
  CHECK(sheet.grid->columns == 4);
  CHECK(sheet.grid->rows == 3);
  CHECK(sheet.grid->cell_w == 8);
  CHECK(sheet.grid->cell_h == 6);
  for (size_t i = 0; i < sheet.frames.size(); ++i) {
    INFO(sheet.frames[i].name);
    const int cell = sheet.frames[i].cell;
    CHECK(sheet.frames[i].frame == sheet.grid->frame(cell % 4, cell / 4));
  }
  CHECK(sheet.frames[1].cell == 1);  // idle/down/1
  CHECK(sheet.frames[2].cell == 4);  // walk/up/0 starts row 1, not at frame index 2
}

TEST_CASE("character sheet: padding and extrusion keep frames exact", "[pixel][character_sheet]") {
  const int pad = 2, ext = 1;
  const auto sheet = pixel::pack_character_sheet(hero_spec(pad, ext));
  const int pitch_x = 8 + 2 * ext + pad, pitch_y = 6 + 2 * ext + pad;
  CHECK(sheet.image.width == pad + 4 * pitch_x);
  CHECK(sheet.image.height == pad + 3 * pitch_y);
  const auto& f = sheet.frames[5];  // walk/up/1
  CHECK(f.frame == pixel::Rect{pad + pitch_x + ext, pad + pitch_y + ext, 8, 6});
  // The frame's own pixels are intact...
  CHECK(sheet.image.at(f.frame.x, f.frame.y) == Rgba{255, 255, 255, 255});
  CHECK(sheet.image.at(f.frame.x + 7, f.frame.y + 5) == Rgba{101, 51, 7, 255});
  // ...extruded by one pixel on every side...
  CHECK(sheet.image.at(f.frame.x - 1, f.frame.y - 1) == Rgba{255, 255, 255, 255});
  CHECK(sheet.image.at(f.frame.x + 8, f.frame.y + 3) == Rgba{101, 51, 7, 255});
  CHECK(sheet.image.at(f.frame.x + 3, f.frame.y + 6) == Rgba{101, 51, 7, 255});
  // ...and separated from the neighbours by transparent padding.
  for (int i = 0; i < pad; ++i) {
    CHECK(sheet.image.at(f.frame.x - ext - 1 - i, f.frame.y) == Rgba{0, 0, 0, 0});
    CHECK(sheet.image.at(f.frame.x, f.frame.y - ext - 1 - i) == Rgba{0, 0, 0, 0});
  }
  CHECK(sheet.image.at(0, 0) == Rgba{0, 0, 0, 0});
}

TEST_CASE("character sheet: same input gives the same sheet", "[pixel][character_sheet]") {
  const auto a = pixel::pack_character_sheet(hero_spec(1, 1));
  const auto b = pixel::pack_character_sheet(hero_spec(1, 1));
  CHECK(a.image.pixels == b.image.pixels);
  REQUIRE(a.frames.size() == b.frames.size());
  for (size_t i = 0; i < a.frames.size(); ++i) CHECK(a.frames[i].frame == b.frames[i].frame);
}

TEST_CASE("character sheet: explicit frame names are kept", "[pixel][character_sheet]") {
  auto spec = hero_spec();
  spec.rows[0].frames[0].name = "hero_walk_down_first";
  const auto sheet = pixel::pack_character_sheet(spec);
  CHECK(sheet.frames[0].name == "hero_walk_down_first");
}

TEST_CASE("character sheet: bad input is an InputError naming the problem", "[pixel][character_sheet]") {
  auto expect_error = [](const pixel::CharacterSheetSpec& spec, const std::string& fragment) {
    try {
      pixel::pack_character_sheet(spec);
      FAIL("expected InputError containing: " << fragment);
    } catch (const util::InputError& e) {
      CHECK_THAT(e.what(), Catch::Contains(fragment));
      CHECK(e.where().file == "manifests/hero.yaml");
    }
  };
  auto base = hero_spec();
  base.where = {"manifests/hero.yaml", 4, 3};

  auto spec = base;
  spec.rows[1].frames[2].image = Image(9, 6);
  expect_error(spec, "frame 2 of \"walk/up\" is 9x6, expected 8x6");

  spec = base;
  spec.rows[1].tag = "walk/down";
  expect_error(spec, "animation \"walk/down\" appears twice");

  spec = base;
  spec.rows[0].frames.clear();
  expect_error(spec, "has no frames");

  spec = base;
  spec.rows.clear();
  expect_error(spec, "expected at least one animation");

  spec = base;
  spec.rows[0].frames[1].image = Image();
  expect_error(spec, "expected a non-empty image, got 0x0");

  spec = base;
  spec.rows[0].frames[1].image.pixels.pop_back();
  expect_error(spec, "pixel buffer holds 47 pixels");

  spec = base;
  spec.rows[0].frames[1].duration_ms = 0;
  expect_error(spec, "duration expected 1..65535 ms, got 0");

  spec = base;
  spec.image_file_name = "../hero.png";
  expect_error(spec, "sheet file name");

  spec = base;
  spec.rows[0].frames[0].name = "walk/up/0";
  expect_error(spec, "frame name \"walk/up/0\" appears twice");

  spec = base;
  spec.padding = 100;
  expect_error(spec, "padding expected 0..64, got 100");

  spec = base;
  spec.rows[0].frames.resize(3000, spec.rows[0].frames[0]);
  expect_error(spec, "sheet size expected at most 16384x16384, got 24000x18");
}
