// Downscaling onto a grid: nearest, mode and k-centroid.
#include <catch2/catch.hpp>

#include "compiler/pixel/downscale.h"

using namespace dgxpx::pixel;

namespace {

Image upscale(const Image& art, int factor) {
  Image out(art.width * factor, art.height * factor);
  for (int y = 0; y < out.height; ++y)
    for (int x = 0; x < out.width; ++x) out.at(x, y) = art.at(x / factor, y / factor);
  return out;
}

Image small_art() {
  Image art(3, 2);
  art.at(0, 0) = {255, 0, 0, 255};
  art.at(1, 0) = {0, 255, 0, 255};
  art.at(2, 0) = {0, 0, 255, 0};
  art.at(0, 1) = {10, 20, 30, 255};
  art.at(1, 1) = {200, 200, 0, 255};
  art.at(2, 1) = {90, 90, 90, 255};
  return art;
}

}  // namespace

TEST_CASE("every mode recovers an exact upscale", "[pixel][downscale]") {
  const Image art = small_art();
  const Image big = upscale(art, 5);
  const Grid grid = grid_for_period(big, 5, false);
  for (auto mode : {DownscaleMode::nearest, DownscaleMode::mode, DownscaleMode::k_centroid}) {
    DownscaleOptions options;
    options.mode = mode;
    INFO(to_name(mode));
    REQUIRE(downscale(big, grid, options).pixels == art.pixels);
  }
}

TEST_CASE("k-centroid keeps the dominant colour of a mixed cell", "[pixel][downscale]") {
  // One 8x8 cell: 48 pixels red, 16 pixels blue along one side.
  Image cell(8, 8, {220, 30, 30, 255});
  for (int y = 0; y < 8; ++y)
    for (int x = 6; x < 8; ++x) cell.at(x, y) = {20, 30, 220, 255};
  const Grid grid = grid_for_period(cell, 8, false);
  REQUIRE(downscale(cell, grid).at(0, 0) == Rgba{220, 30, 30, 255});
  DownscaleOptions nearest;
  nearest.mode = DownscaleMode::nearest;
  REQUIRE(downscale(cell, grid, nearest).at(0, 0) == Rgba{220, 30, 30, 255});
  DownscaleOptions one;
  one.clusters = 1;  // k = 1 is the plain mean
  REQUIRE(downscale(cell, grid, one).at(0, 0) == Rgba{170, 30, 78, 255});
}

TEST_CASE("k-centroid of one colour plus noise is its mean, not half of it", "[pixel][downscale]") {
  // Near-Gaussian noise (sum of four uniforms), once in one channel only (like luma noise) and
  // once in all three: a 2-means split of it must be recognised and merged.
  for (int channels : {1, 3}) {
    Image cell(8, 8);
    uint64_t s = 11;
    auto noise = [&] {
      int v = 0;
      for (int k = 0; k < 4; ++k) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        v += int((s >> 33) % 11) - 5;
      }
      return v;
    };
    long sum[3] = {0, 0, 0};
    for (auto& p : cell.pixels) {
      const int r = 100 + noise(), g = 50 + (channels == 3 ? noise() : 0), b = 150 + (channels == 3 ? noise() : 0);
      sum[0] += r;
      sum[1] += g;
      sum[2] += b;
      p = Rgba{uint8_t(r), uint8_t(g), uint8_t(b), 255};
    }
    const Rgba got = downscale(cell, grid_for_period(cell, 8, false)).at(0, 0);
    INFO("channels " << channels);
    REQUIRE(std::abs(int(got.r) - int((sum[0] + 32) / 64)) <= 1);
    REQUIRE(std::abs(int(got.g) - int((sum[1] + 32) / 64)) <= 1);
    REQUIRE(std::abs(int(got.b) - int((sum[2] + 32) / 64)) <= 1);
  }
}

TEST_CASE("mode takes the most frequent colour bucket", "[pixel][downscale]") {
  Image cell(4, 4, {100, 100, 100, 255});
  for (int i = 0; i < 7; ++i) cell.pixels[size_t(i)] = {250, 0, 0, 255};
  for (int i = 7; i < 10; ++i) cell.pixels[size_t(i)] = {101, 99, 100, 255};  // same bucket as grey
  DownscaleOptions options;
  options.mode = DownscaleMode::mode;
  REQUIRE(downscale(cell, grid_for_period(cell, 4, false), options).at(0, 0) == Rgba{100, 100, 100, 255});
}

TEST_CASE("downscale mode names and argument checks", "[pixel][downscale]") {
  REQUIRE(downscale_mode_from_name("k-centroid") == DownscaleMode::k_centroid);
  REQUIRE(downscale_mode_from_name("mode") == DownscaleMode::mode);
  REQUIRE(downscale_mode_from_name("nearest") == DownscaleMode::nearest);
  REQUIRE_FALSE(downscale_mode_from_name("bilinear"));
  const Image image(8, 8);
  DownscaleOptions bad;
  bad.clusters = 5;
  REQUIRE_THROWS_AS(downscale(image, grid_for_period(image, 4, false), bad), std::invalid_argument);
  REQUIRE_THROWS_AS(downscale(image, Grid{}), std::invalid_argument);
}
