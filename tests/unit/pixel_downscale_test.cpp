// Downscaling onto a grid: nearest, mode and k-centroid.
#include <catch2/catch.hpp>

#include "compiler/pixel/downscale.h"

#include <algorithm>
#include <cmath>
#include <vector>

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

namespace {

// Columns of art pixels cycling through a dark red, a grey and a grey 9 units lighter, upscaled
// x8, blurred (Gaussian, sigma 0.8 px, separable, edges clamped) and with deterministic noise.
Image blurred_columns(const Rgba* column_colors, int width, int height, double noise) {
  const int factor = 8, w = width * factor, h = height * factor;
  std::vector<double> plane[3];
  for (auto& p : plane) p.assign(size_t(w) * size_t(h), 0.0);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const Rgba c = column_colors[(x / factor) % 3];
      plane[0][size_t(y) * w + x] = c.r;
      plane[1][size_t(y) * w + x] = c.g;
      plane[2][size_t(y) * w + x] = c.b;
    }
  double kernel[7], sum = 0;
  for (int k = -3; k <= 3; ++k) sum += kernel[k + 3] = std::exp(-0.5 * k * k / 0.64);
  for (double& v : kernel) v /= sum;
  for (auto& p : plane) {  // rows only: the colours change along x
    std::vector<double> out(p.size());
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) {
        double s = 0;
        for (int k = -3; k <= 3; ++k) s += kernel[k + 3] * p[size_t(y) * w + std::clamp(x + k, 0, w - 1)];
        out[size_t(y) * w + x] = s;
      }
    p = out;
  }
  Image image(w, h);
  uint64_t state = 5;
  auto gauss = [&] {  // sum of 12 uniforms - 6: near-Gaussian, unit variance
    double s = -6;
    for (int k = 0; k < 12; ++k) {
      state = state * 6364136223846793005ull + 1442695040888963407ull;
      s += double(state >> 11) / 9007199254740992.0;
    }
    return s;
  };
  for (size_t i = 0; i < image.pixels.size(); ++i) {
    uint8_t v[3];
    for (int c = 0; c < 3; ++c) v[c] = uint8_t(std::clamp(std::lround(plane[c][i] + noise * gauss()), 0l, 255l));
    image.pixels[i] = Rgba{v[0], v[1], v[2], 255};
  }
  return image;
}

}  // namespace

TEST_CASE("k-centroid unmixes blurred cell edges from their neighbours", "[pixel][downscale]") {
  // Each grey cell has a far neighbour (red: it measures the blur) on one side and a near one (9
  // units) on the other, which no clustering can tell from noise: a plain mean of the cell leans
  // toward it by about 0.3 units. Unmixed, the cells keep the true grey to within the noise.
  const Rgba columns[3] = {{150, 30, 30, 255}, {100, 100, 100, 255}, {109, 109, 109, 255}};
  const Image image = blurred_columns(columns, 30, 24, 3.0);
  const CellImage cells = downscale_cells(image, grid_for_period(image, 8, false));
  REQUIRE(cells.width == 30);
  double bias[3] = {0, 0, 0};
  int count[3] = {0, 0, 0};
  for (int y = 0; y < cells.height; ++y)
    for (int x = 1; x + 1 < cells.width; ++x) {
      const CellColor& c = cells.cells[size_t(y) * cells.width + x];
      const Rgba want = columns[x % 3];
      bias[x % 3] += (c.r - want.r + c.g - want.g + c.b - want.b) / 3;
      ++count[x % 3];
    }
  for (int k = 1; k < 3; ++k) {
    INFO("column kind " << k << " mean bias " << bias[k] / count[k]);
    CHECK(std::abs(bias[k] / count[k]) < 0.15);
  }
  // Cells stay unrounded; downscale() rounds them.
  const Image rounded = downscale(image, grid_for_period(image, 8, false));
  REQUIRE(rounded.at(4, 4) == cells.cells[size_t(4) * cells.width + 4].rounded());
}
