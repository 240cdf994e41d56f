// Background keying, alpha binarisation and outlines.
#include <catch2/catch.hpp>

#include "compiler/pixel/transparency.h"

using namespace dgxpx::pixel;

namespace {

// 7x7: a near-green background (with jitter) around a red ring whose hole is also green.
Image ring() {
  Image image(7, 7);
  for (int y = 0; y < 7; ++y)
    for (int x = 0; x < 7; ++x) image.at(x, y) = Rgba{uint8_t((x * 3) % 7), uint8_t(250 - y), 5, 255};
  for (int y = 1; y < 6; ++y)
    for (int x = 1; x < 6; ++x) image.at(x, y) = {200, 20, 20, 255};
  image.at(3, 3) = {2, 248, 4, 255};
  return image;
}

}  // namespace

TEST_CASE("alpha binarisation", "[pixel][transparency]") {
  Image image(3, 1);
  image.at(0, 0) = {1, 2, 3, 127};
  image.at(1, 0) = {1, 2, 3, 128};
  image.at(2, 0) = {1, 2, 3, 0};
  Image kept = image;
  binarize_alpha(kept, 0);
  REQUIRE(kept.pixels == image.pixels);
  binarize_alpha(image, 128);
  REQUIRE(image.at(0, 0) == Rgba{0, 0, 0, 0});
  REQUIRE(image.at(1, 0) == Rgba{1, 2, 3, 255});
}

TEST_CASE("flood from the border clears connected background only", "[pixel][transparency]") {
  Image image = ring();
  Rgba background;
  REQUIRE(border_background(image, &background));
  REQUIRE(background.g > 240);
  REQUIRE(flood_background(image, 24) == 24);
  REQUIRE(image.at(0, 0).a == 0);
  REQUIRE(image.at(6, 6).a == 0);
  REQUIRE(image.at(3, 3).a == 255);  // enclosed: not reachable from the border
  REQUIRE(image.at(1, 1) == Rgba{200, 20, 20, 255});
  Image none = ring();
  REQUIRE(flood_background(none, 0) < 24);
}

TEST_CASE("key colour clears every close pixel", "[pixel][transparency]") {
  Image image = ring();
  REQUIRE(key_background(image, {0, 255, 0, 255}, 24) == 25);
  REQUIRE(image.at(3, 3).a == 0);
  REQUIRE(image.at(2, 2).a == 255);
}

TEST_CASE("outline around opaque pixels, 4- or 8-connected", "[pixel][transparency]") {
  Image image(5, 5, {0, 0, 0, 0});
  image.at(2, 2) = {9, 9, 9, 255};
  Image four = image;
  REQUIRE(add_outline(four, {255, 255, 255, 0}) == 4);
  REQUIRE(four.at(2, 1) == Rgba{255, 255, 255, 255});
  REQUIRE(four.at(1, 1).a == 0);
  REQUIRE(four.at(2, 0).a == 0);  // one pixel wide
  Image eight = image;
  REQUIRE(add_outline(eight, {255, 255, 255, 255}, true) == 8);
  REQUIRE(eight.at(1, 1).a == 255);
}
