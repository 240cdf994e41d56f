#include <catch2/catch.hpp>

#include "compiler/pixel/sheet.h"

using namespace dgxpx;
using pixel::Image;
using pixel::Rgba;

TEST_CASE("blit_extruded copies the image and repeats its edges outward", "[pixel][sheet]") {
  Image src(2, 2);
  src.at(0, 0) = Rgba{10, 0, 0, 255};
  src.at(1, 0) = Rgba{20, 0, 0, 255};
  src.at(0, 1) = Rgba{30, 0, 0, 255};
  src.at(1, 1) = Rgba{40, 0, 0, 255};
  Image dst(6, 6);
  pixel::blit_extruded(dst, src, 2, 2, 2);
  // Interior.
  CHECK(dst.at(2, 2) == src.at(0, 0));
  CHECK(dst.at(3, 3) == src.at(1, 1));
  // Edges and corners repeat the nearest source pixel.
  CHECK(dst.at(0, 0) == src.at(0, 0));
  CHECK(dst.at(5, 0) == src.at(1, 0));
  CHECK(dst.at(0, 5) == src.at(0, 1));
  CHECK(dst.at(5, 5) == src.at(1, 1));
  CHECK(dst.at(2, 0) == src.at(0, 0));
  CHECK(dst.at(4, 3) == src.at(1, 1));
}

TEST_CASE("blit_extruded with no extrusion touches only the frame", "[pixel][sheet]") {
  Image src(1, 1, Rgba{1, 2, 3, 255});
  Image dst(3, 3);
  pixel::blit_extruded(dst, src, 1, 1, 0);
  int coloured = 0;
  for (const auto& p : dst.pixels) coloured += p == Rgba{1, 2, 3, 255};
  CHECK(coloured == 1);
  CHECK(dst.at(1, 1) == Rgba{1, 2, 3, 255});
}

TEST_CASE("GridGeometry places frames with margin and spacing", "[pixel][sheet]") {
  pixel::GridGeometry grid{16, 8, 3, 2, 2, 1};
  CHECK(grid.frame(0, 0) == pixel::Rect{3, 3, 16, 8});
  CHECK(grid.frame(1, 0) == pixel::Rect{3 + 16 + 4, 3, 16, 8});
  CHECK(grid.frame(2, 1) == pixel::Rect{3 + 2 * 20, 3 + 12, 16, 8});
  CHECK(grid.margin() == 3);
  CHECK(grid.spacing() == 4);
  CHECK(grid.sheet_width() == 2 + 3 * 20);
  CHECK(grid.sheet_height() == 2 + 2 * 12);
}

TEST_CASE("check_output_name accepts relative names and rejects escapes", "[pixel][sheet]") {
  util::SourceLocation where{"manifests/hero.yaml", 3, 5};
  CHECK_NOTHROW(pixel::check_output_name("hero.png", "sheet", where));
  CHECK_NOTHROW(pixel::check_output_name("sprites/hero-2_a.png", "sheet", where));
  for (const char* bad : {"", "/abs.png", "a/../b.png", "./a.png", "a//b", "dir/", "sp ace.png",
                          "quote\".png", "..", "a\\b"}) {
    INFO(bad);
    CHECK_THROWS_AS(pixel::check_output_name(bad, "sheet", where), util::InputError);
  }
  try {
    pixel::check_output_name("../x.png", "sheet file name", where);
    FAIL("expected InputError");
  } catch (const util::InputError& e) {
    CHECK(e.where().file == "manifests/hero.yaml");
    CHECK_THAT(e.what(), Catch::Contains("sheet file name \"../x.png\""));
  }
}

TEST_CASE("check_spacing and check_sheet_size bound their inputs", "[pixel][sheet]") {
  CHECK_NOTHROW(pixel::check_spacing(0, 0, "a", {}));
  CHECK_NOTHROW(pixel::check_spacing(64, 64, "a", {}));
  CHECK_THROWS_AS(pixel::check_spacing(-1, 0, "a", {}), util::InputError);
  CHECK_THROWS_AS(pixel::check_spacing(0, 65, "a", {}), util::InputError);
  CHECK_NOTHROW(pixel::check_sheet_size(16384, 1, "a", {}));
  CHECK_THROWS_AS(pixel::check_sheet_size(16385, 1, "a", {}), util::InputError);
  CHECK_THROWS_AS(pixel::check_sheet_size(0, 1, "a", {}), util::InputError);
}
