// Colour spaces: OKLab reference points and round trips.
#include <catch2/catch.hpp>

#include "compiler/pixel/color.h"

using namespace dgxpx::pixel;

TEST_CASE("OKLab reference points", "[pixel][color]") {
  const Lab white = to_oklab({255, 255, 255, 255});
  REQUIRE(white.l == Approx(1.0).margin(1e-4));
  REQUIRE(white.a == Approx(0.0).margin(1e-4));
  REQUIRE(white.b == Approx(0.0).margin(1e-4));
  const Lab black = to_oklab({0, 0, 0, 255});
  REQUIRE(black.l == Approx(0.0).margin(1e-6));
  // Published value for sRGB red: L 0.6280, a 0.2249, b 0.1258.
  const Lab red = to_oklab({255, 0, 0, 255});
  REQUIRE(red.l == Approx(0.6280).margin(1e-3));
  REQUIRE(red.a == Approx(0.2249).margin(1e-3));
  REQUIRE(red.b == Approx(0.1258).margin(1e-3));
  REQUIRE(srgb_to_linear(255) == Approx(1.0f));
  REQUIRE(linear_to_srgb(srgb_to_linear(128)) == 128);
}

TEST_CASE("OKLab and OKLrab round trip every 4-level colour", "[pixel][color]") {
  for (int r = 0; r < 256; r += 17)
    for (int g = 0; g < 256; g += 17)
      for (int b = 0; b < 256; b += 17) {
        const Rgba c{uint8_t(r), uint8_t(g), uint8_t(b), 255};
        REQUIRE(from_oklab(to_oklab(c)) == c);
        REQUIRE(from_oklrab(to_oklrab(c)) == c);
      }
}

TEST_CASE("OKLrab keeps near-black shades together", "[pixel][color]") {
  // Noise lifts black to (2,2,2); it must still match black before a dark teal.
  const Rgba noisy{2, 2, 2, 255}, black{0, 0, 0, 255}, teal{2, 10, 10, 255};
  REQUIRE(distance2(to_oklrab(noisy), to_oklrab(black)) < distance2(to_oklrab(noisy), to_oklrab(teal)));
  REQUIRE(rgb_distance2({0, 0, 0, 255}, {3, 4, 0, 0}) == 25);
}
