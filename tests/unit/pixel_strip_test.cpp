// strip_slice: a strip's frames are its equal columns, in order; widths that do not split and
// indices outside the strip are errors.
#include <catch2/catch.hpp>

#include "compiler/pixel/strip.h"
#include "compiler/util/error.h"

using namespace dgxpx::pixel;

TEST_CASE("strip_slice cuts a strip into its equal columns", "[unit][pack]") {
  const int frames = 5, width = 3, height = 4;
  Image strip(frames * width, height);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < strip.width; ++x)
      strip.at(x, y) = {static_cast<uint8_t>(x), static_cast<uint8_t>(y), static_cast<uint8_t>(x / width), 255};
  for (int i = 0; i < frames; ++i) {
    const Image slice = strip_slice(strip, i, frames, "test strip");
    REQUIRE((slice.width == width && slice.height == height));
    for (int y = 0; y < height; ++y)
      for (int x = 0; x < width; ++x) CHECK(slice.at(x, y) == strip.at(i * width + x, y));
  }
  CHECK(strip_slice(strip, 0, 1, "test strip").pixels == strip.pixels);
}

TEST_CASE("strip_slice refuses a width that does not split and an index outside", "[unit][pack]") {
  const Image strip(10, 2);
  CHECK_THROWS_WITH(strip_slice(strip, 0, 3, "pack hero frame walk/0"),
                    Catch::Contains("pack hero frame walk/0") && Catch::Contains("3 equal frames") && Catch::Contains("10 px"));
  CHECK_THROWS_AS(strip_slice(strip, 2, 2, "s"), dgxpx::util::RuntimeFailure);
  CHECK_THROWS_AS(strip_slice(strip, -1, 2, "s"), dgxpx::util::RuntimeFailure);
}
