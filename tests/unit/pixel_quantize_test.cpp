// Palette mapping, ordered dithering and colour-cast correction.
#include <catch2/catch.hpp>

#include <cmath>
#include <set>
#include <vector>

#include "compiler/pixel/quantize.h"

using namespace dgxpx::pixel;

TEST_CASE("nearest palette colour, transparent pixels untouched", "[pixel][quantize]") {
  const Palette bw{"bw", {{0, 0, 0, 255}, {255, 255, 255, 255}, {255, 0, 0, 255}}};
  const PaletteMatcher matcher(bw);
  REQUIRE(matcher.nearest(Rgba{30, 20, 25, 255}) == 0);
  REQUIRE(matcher.nearest(Rgba{230, 240, 250, 255}) == 1);
  REQUIRE(matcher.nearest(Rgba{200, 40, 30, 255}) == 2);
  Image image(2, 1);
  image.at(0, 0) = {200, 40, 30, 255};
  image.at(1, 0) = {200, 40, 30, 0};
  apply_palette(image, bw);
  REQUIRE(image.at(0, 0) == Rgba{255, 0, 0, 255});
  REQUIRE(image.at(1, 0) == Rgba{200, 40, 30, 0});
  REQUIRE_THROWS_AS(PaletteMatcher(Palette{}), std::invalid_argument);
}

TEST_CASE("Bayer thresholds are 64 distinct levels in (-0.5, 0.5)", "[pixel][quantize]") {
  std::set<double> levels;
  for (int y = 0; y < 8; ++y)
    for (int x = 0; x < 8; ++x) {
      const double t = bayer_threshold(x, y);
      REQUIRE(t > -0.5);
      REQUIRE(t < 0.5);
      levels.insert(t);
      REQUIRE(bayer_threshold(x + 8, y + 16) == t);
    }
  REQUIRE(levels.size() == 64);
  REQUIRE(bayer_threshold(0, 0) < bayer_threshold(1, 1));  // 0 then 16 of 64 in the classic matrix
}

TEST_CASE("ordered dithering mixes the two neighbours of an in-between tone", "[pixel][quantize]") {
  const Palette bw{"bw", {{0, 0, 0, 255}, {255, 255, 255, 255}}};
  Image grey(8, 8, {128, 128, 128, 255});
  Image plain = grey;
  apply_palette(plain, bw);
  std::set<uint8_t> plain_values;
  for (const Rgba& p : plain.pixels) plain_values.insert(p.r);
  REQUIRE(plain_values.size() == 1);  // off by default: one flat colour
  Image dithered = grey;
  apply_palette(dithered, bw, DitherOptions{true, 1.0});
  int white = 0;
  for (const Rgba& p : dithered.pixels) white += p.r == 255;
  REQUIRE(white > 8);
  REQUIRE(white < 56);
  Image again = grey;
  apply_palette(again, bw, DitherOptions{true, 1.0});
  REQUIRE(again.pixels == dithered.pixels);
}

TEST_CASE("a global colour cast is estimated and removed", "[pixel][quantize]") {
  const Palette palette{"p", {{20, 20, 20, 255}, {200, 60, 40, 255}, {60, 160, 80, 255}, {230, 230, 210, 255}}};
  Image image(16, 16);
  for (int i = 0; i < 256; ++i) {
    const Rgba c = palette.colors[size_t(i % 4)];
    // gain 1.06 / 0.95 / 1.0 and offset -6 / +7 / +9
    image.pixels[size_t(i)] = Rgba{uint8_t(std::min(255.0, c.r * 1.06 - 6)), uint8_t(c.g * 0.95 + 7),
                                   uint8_t(c.b + 9), 255};
  }
  Image plain = image;
  apply_palette(plain, palette);
  const ColorCast cast = estimate_color_cast(image, palette);
  REQUIRE_FALSE(cast.identity());
  apply_color_cast(image, cast);
  apply_palette(image, palette);
  for (int i = 0; i < 256; ++i) REQUIRE(image.pixels[size_t(i)] == palette.colors[size_t(i % 4)]);
  // An image that already matches needs no correction.
  Image exact(4, 1);
  for (int i = 0; i < 4; ++i) exact.pixels[size_t(i)] = palette.colors[size_t(i)];
  REQUIRE(estimate_color_cast(exact, palette).identity());
  // A palette that has nothing to do with the image is left alone.
  const Palette greens{"g", {{15, 56, 15, 255}, {48, 98, 48, 255}}};
  Image reds(4, 4, {250, 10, 200, 255});
  REQUIRE(estimate_color_cast(reds, greens).identity());
}

TEST_CASE("the cast is found on a dense ramp of shades a few units apart", "[pixel][quantize]") {
  // A grey ramp in steps of 3 (and two isolated colours) moved along the grey axis by more than a
  // step: a nearest-shade refit from the identity snaps every colour to the neighbouring shade
  // and stays there (only the ramp's ends and the isolated colours disagree).
  Palette palette{"ramp", {}};
  for (int v = 20; v <= 110; v += 3) palette.colors.push_back(Rgba{uint8_t(v), uint8_t(v), uint8_t(v), 255});
  palette.colors.push_back({200, 60, 40, 255});
  palette.colors.push_back({60, 160, 80, 255});
  const double gain[3] = {1.01, 1.0, 0.99}, offset[3] = {4.0, 4.0, 4.5};
  std::vector<WeightedColor> colors;
  std::vector<size_t> truth;
  for (size_t i = 0; i < palette.colors.size(); ++i)
    for (int copy = 0; copy < 5; ++copy) {
      const Rgba p = palette.colors[i];
      // The cell noise of a real image: a fraction of a unit, different per copy.
      const float jitter = 0.15f * float(copy - 2);
      colors.push_back({float(p.r * gain[0] + offset[0]) + jitter, float(p.g * gain[1] + offset[1]) - jitter,
                        float(p.b * gain[2] + offset[2]) + jitter, 1.0});
      truth.push_back(i);
    }
  const ColorCast cast = estimate_color_cast(colors, palette);
  const PaletteMatcher matcher(palette);
  for (size_t k = 0; k < colors.size(); ++k) {
    const WeightedColor& c = colors[k];
    const float r = float(cast.gain[0] * c.r + cast.offset[0]), g = float(cast.gain[1] * c.g + cast.offset[1]),
                b = float(cast.gain[2] * c.b + cast.offset[2]);
    INFO("colour " << k << " cast to " << r << " " << g << " " << b);
    REQUIRE(matcher.nearest_measured(r, g, b) == int(truth[k]));
  }
  // Deterministic.
  const ColorCast again = estimate_color_cast(colors, palette);
  for (int c = 0; c < 3; ++c) {
    REQUIRE(again.gain[c] == cast.gain[c]);
    REQUIRE(again.offset[c] == cast.offset[c]);
  }
}

TEST_CASE("a measured colour near a shade takes the RGB-nearest shade", "[pixel][quantize]") {
  // Two dark shades 3 units apart: OKLrab's lightness toe moves the boundary between them, RGB
  // noise does not; far from every entry the perceptual (OKLrab) match is kept.
  const Palette palette{"p", {{30, 30, 30, 255}, {33, 33, 30, 255}, {250, 250, 250, 255}}};
  const PaletteMatcher matcher(palette);
  float d2 = 0;
  REQUIRE(matcher.nearest_rgb(31.4f, 31.4f, 30.0f, &d2) == 0);
  REQUIRE(d2 == Approx(2 * 1.4f * 1.4f));
  REQUIRE(matcher.nearest_measured(31.4f, 31.4f, 30.0f) == 0);
  REQUIRE(matcher.nearest_measured(31.6f, 31.6f, 30.0f) == 1);
  REQUIRE(matcher.nearest_measured(200.0f, 120.0f, 120.0f) == matcher.nearest(Rgba{200, 120, 120, 255}));
}

TEST_CASE("clipped means: noise lifts a colour at 0 and lowers one at 255, the middle stays", "[pixel][quantize]") {
  const Palette palette{"p", {{0, 0, 0, 255}, {128, 128, 128, 255}, {255, 255, 255, 255}}};
  const auto none = clipped_means(palette, ColorCast{}, 0.0);
  REQUIRE(none[0][0] == 0.0f);
  REQUIRE(none[2][2] == 255.0f);
  const auto noisy = clipped_means(palette, ColorCast{}, 7.0);
  // E[max(0, N(0, 7^2))] = 7 / sqrt(2 pi).
  REQUIRE(noisy[0][0] == Approx(7.0 / std::sqrt(2 * 3.141592653589793)).epsilon(1e-4));
  REQUIRE(noisy[1][1] == Approx(128.0).margin(1e-3));
  REQUIRE(noisy[2][1] == Approx(255.0 - 7.0 / std::sqrt(2 * 3.141592653589793)).epsilon(1e-4));
  // Under a cast that lifts the image by 10, black is held at 10 and hardly clipped: its mean,
  // back through the cast, is black again.
  ColorCast lift;
  for (double& o : lift.offset) o = -10;
  const auto lifted = clipped_means(palette, lift, 3.0);
  REQUIRE(lifted[0][0] == Approx(0.0).margin(0.01));
}
