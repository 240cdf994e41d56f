// Grid detection and phase fitting on synthetic upscaled pixel art.
#include <catch2/catch.hpp>

#include <cmath>

#include "compiler/pixel/grid.h"

using namespace dgxpx::pixel;

namespace {

struct Lcg {
  uint64_t s;
  uint32_t next() {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    return uint32_t(s >> 33);
  }
};

// A random art image of cells x cells pixels (8 colours), resampled at `period` source pixels per
// art pixel with the art grid starting at `offset`, plus +-noise per channel.
Image upscaled(int cells, double period, double offset, int noise, uint64_t seed) {
  Lcg rng{seed};
  std::vector<Rgba> art(size_t(cells) * cells);
  for (auto& p : art) {
    const uint32_t v = rng.next() % 8;
    p = Rgba{uint8_t(v * 30), uint8_t(255 - v * 25), uint8_t((v * 97) % 256), 255};
  }
  const int size = int(std::lround(cells * period));
  Image image(size, size);
  for (int y = 0; y < size; ++y)
    for (int x = 0; x < size; ++x) {
      const int ax = std::clamp(int(std::floor((x + 0.5 - offset) / period)), 0, cells - 1);
      const int ay = std::clamp(int(std::floor((y + 0.5 - offset) / period)), 0, cells - 1);
      Rgba p = art[size_t(ay) * cells + ax];
      auto n = [&](uint8_t v) {
        return uint8_t(std::clamp(int(v) + (noise ? int(rng.next() % (2 * noise + 1)) - noise : 0), 0, 255));
      };
      image.at(x, y) = Rgba{n(p.r), n(p.g), n(p.b), 255};
    }
  return image;
}

}  // namespace

TEST_CASE("cells_along counts cells whose centre is inside", "[pixel][grid]") {
  REQUIRE(cells_along(256, 8, 0) == 32);
  REQUIRE(cells_along(256, 8, 3.2) == 32);
  REQUIRE(cells_along(256, 8, -3.2) == 32);
  REQUIRE(cells_along(100, 8, 0) == 12);  // 12.5 cells: the 13th centre, at 100, is outside
  REQUIRE(cells_along(101, 8, 0) == 13);
  REQUIRE(cells_along(5, 8, 0) == 1);
}

TEST_CASE("detects integer upscales with noise", "[pixel][grid]") {
  for (int factor : {3, 4, 6, 8, 12}) {
    const Grid grid = detect_grid(upscaled(24, factor, 0, 6, uint64_t(factor)));
    INFO("factor " << factor);
    REQUIRE(grid.x.period == Approx(factor).margin(0.02));
    REQUIRE(grid.x.cells == 24);
    REQUIRE(grid.y.cells == 24);
    REQUIRE(grid.confidence > 0.1);
  }
}

TEST_CASE("detects fractional periods and sub-pixel offsets", "[pixel][grid]") {
  const Grid grid = detect_grid(upscaled(32, 8.25, 3.0, 4, 5));
  REQUIRE(grid.x.period == Approx(8.25).margin(0.02));
  REQUIRE(grid.x.phase == Approx(3.0).margin(0.5));
  REQUIRE(grid.y.phase == Approx(3.0).margin(0.5));
  REQUIRE(grid.x.cells == 32);
  const Grid negative = detect_grid(upscaled(32, 6.5, -2.0, 4, 6));
  REQUIRE(negative.x.period == Approx(6.5).margin(0.02));
  REQUIRE(negative.x.phase == Approx(-2.0).margin(0.5));
}

TEST_CASE("images without a grid keep full size", "[pixel][grid]") {
  Lcg rng{3};
  Image noise(200, 160);
  for (auto& p : noise.pixels) p = Rgba{uint8_t(rng.next()), uint8_t(rng.next()), uint8_t(rng.next()), 255};
  const Grid grid = detect_grid(noise);
  REQUIRE(grid.x.period == 1.0);
  REQUIRE(grid.x.cells == 200);
  REQUIRE(grid.y.cells == 160);
  Image flat(64, 64, {9, 9, 9, 255});
  REQUIRE(detect_grid(flat).x.period == 1.0);
}

TEST_CASE("fixed period and target size fit the phase", "[pixel][grid]") {
  const Image image = upscaled(16, 8, 2.0, 3, 9);
  const Grid by_period = grid_for_period(image, 8);
  REQUIRE(by_period.x.phase == Approx(2.0).margin(0.5));
  REQUIRE(by_period.x.cells == 16);
  REQUIRE(grid_for_period(image, 8, false).x.phase == 0.0);
  const Grid by_size = grid_for_size(image, 16, 16);
  REQUIRE(by_size.x.cells == 16);
  REQUIRE(by_size.x.period == Approx(8.0));
  REQUIRE(by_size.y.phase == Approx(2.0).margin(0.5));
  REQUIRE_THROWS_AS(grid_for_period(image, 0), std::invalid_argument);
  REQUIRE_THROWS_AS(grid_for_size(image, 0, 4), std::invalid_argument);
  REQUIRE_THROWS_AS(detect_grid(Image()), std::invalid_argument);
}

TEST_CASE("a faint grid is found past JPEG's 8x8 block seams", "[pixel][grid]") {
  // Art pixels of 14 source pixels, 5 units apart in grey, under noise; every 8x8 block (from
  // the origin, as JPEG codes them) carries its own offset of up to 6 units, so the seams fold
  // into a strong period-8 grid.
  const int period = 14, cells = 32, size = period * cells;
  Image image(size, size);
  uint64_t s = 5;
  auto next = [&s] {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    return int((s >> 33) % 1000);
  };
  std::vector<int> art(size_t(cells) * cells), block(size_t(size / 8 + 1) * (size / 8 + 1));
  for (int& v : art) v = 100 + 5 * (next() % 3);
  for (int& v : block) v = next() % 13 - 6;
  for (int y = 0; y < size; ++y)
    for (int x = 0; x < size; ++x) {
      const int v = art[size_t(y / period) * cells + size_t(x / period)] + block[size_t(y / 8) * (size / 8 + 1) + size_t(x / 8)] +
                    (next() % 7 - 3);
      image.at(x, y) = Rgba{uint8_t(v), uint8_t(v), uint8_t(v), 255};
    }
  const Grid grid = detect_grid(image);
  REQUIRE(grid.x.period == Approx(period).margin(0.05));
  REQUIRE(grid.x.cells == cells);
  REQUIRE(grid.y.cells == cells);
}
