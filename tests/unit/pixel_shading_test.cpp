// In-palette shading: lit edges one step lighter, edges away from the light and inner corners
// one step darker, along each colour's own ramp; nothing leaves the palette.
#include <catch2/catch.hpp>

#include <set>

#include "compiler/pixel/shading.h"
#include "compiler/util/error.h"

using namespace dgxpx::pixel;

namespace {

const Rgba kDark{20, 70, 30, 255}, kMid{50, 140, 60, 255}, kLight{120, 210, 110, 255}, kRed{200, 40, 40, 255};
const Palette kPalette{"test", {kRed, kLight, kDark, kMid}};  // not in lightness order

// An L: the square (1..10)^2 without its top-right quarter, all mid green, on transparency.
Image l_shape() {
  Image image(12, 12);
  for (int y = 1; y <= 10; ++y)
    for (int x = 1; x <= 10; ++x)
      if (!(x >= 6 && y <= 5)) image.at(x, y) = kMid;
  return image;
}

}  // namespace

TEST_CASE("palette ramps go to the next lighter and darker colour of the same hue", "[pixel][shade]") {
  const PaletteRamps ramps = palette_ramps(kPalette);
  // indices: 0 red, 1 light, 2 dark, 3 mid
  CHECK(ramps.lighter[3] == 1);
  CHECK(ramps.darker[3] == 2);
  CHECK(ramps.lighter[2] == 3);
  CHECK(ramps.darker[1] == 3);
  CHECK(ramps.lighter[1] == -1);
  CHECK(ramps.darker[2] == -1);
  CHECK(ramps.lighter[0] == -1);  // red has no ramp of its own here
  CHECK(ramps.darker[0] == -1);
}

TEST_CASE("shading lights the edge facing the light and darkens the far edge and inner corners", "[pixel][shade]") {
  const Image sprite = l_shape();
  const Image shaded = shade_in_palette(sprite, kPalette, {"top-left", std::nullopt});
  CHECK(shaded.at(1, 1) == kLight);    // the corner facing the light
  CHECK(shaded.at(3, 1) == kLight);    // the top edge
  CHECK(shaded.at(10, 10) == kDark);   // the corner away from it
  CHECK(shaded.at(5, 10) == kDark);    // the bottom edge
  CHECK(shaded.at(5, 6) == kDark);     // the L's inner corner
  CHECK(shaded.at(3, 8) == kMid);      // deep inside: as it was
  std::set<uint32_t> allowed;
  for (const Rgba& c : kPalette.colors) allowed.insert((uint32_t(c.r) << 16) | (uint32_t(c.g) << 8) | c.b);
  for (int y = 0; y < 12; ++y)
    for (int x = 0; x < 12; ++x) {
      const Rgba c = shaded.at(x, y);
      CHECK(c.a == sprite.at(x, y).a);  // the shape is untouched
      if (c.a) CHECK(allowed.count((uint32_t(c.r) << 16) | (uint32_t(c.g) << 8) | c.b) == 1);
    }
  CHECK(shade_in_palette(sprite, kPalette, {"top-left", std::nullopt}).pixels == shaded.pixels);  // deterministic

  // From the other side, the other way round.
  const Image from_below = shade_in_palette(sprite, kPalette, {"bottom-right", std::nullopt});
  CHECK(from_below.at(10, 10) == kLight);
  CHECK(from_below.at(1, 1) == kDark);
}

TEST_CASE("shading leaves the outline colour, colours off the palette and bad directions alone", "[pixel][shade]") {
  Image sprite = l_shape();
  sprite.at(1, 1) = kDark;                 // as an outline
  sprite.at(10, 10) = {1, 2, 3, 255};      // not a palette colour
  const Image shaded = shade_in_palette(sprite, kPalette, {"top-left", kDark});
  CHECK(shaded.at(1, 1) == kDark);
  CHECK(shaded.at(10, 10) == Rgba{1, 2, 3, 255});
  CHECK_THROWS_AS(shade_in_palette(sprite, kPalette, {"sideways", std::nullopt}), dgxpx::util::InputError);
}
