// k-means palettes in OKLab: exact for few colours, finds separated clusters, deterministic.
#include <catch2/catch.hpp>

#include <algorithm>

#include "compiler/pixel/color.h"
#include "compiler/pixel/kmeans_palette.h"

using namespace dgxpx::pixel;

namespace {

Image blobs(uint64_t seed) {
  // Three colour blobs (dark blue, orange, pale green) with +-6 jitter, plus transparent pixels.
  const Rgba centres[] = {{20, 30, 90, 255}, {230, 130, 40, 255}, {180, 230, 170, 255}};
  Image image(30, 20);
  uint64_t s = seed;
  for (size_t i = 0; i < image.pixels.size(); ++i) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    if (i % 10 == 9) {
      image.pixels[i] = {255, 0, 255, 0};
      continue;
    }
    const Rgba c = centres[i % 3];
    auto j = [&](uint8_t v, int shift) { return uint8_t(std::clamp(int(v) + int((s >> shift) % 13) - 6, 0, 255)); };
    image.pixels[i] = {j(c.r, 40), j(c.g, 48), j(c.b, 56), 255};
  }
  return image;
}

}  // namespace

TEST_CASE("k-means palette of an image with few colours is those colours", "[pixel][kmeans]") {
  Image image(3, 1);
  image.at(0, 0) = {250, 250, 250, 255};
  image.at(1, 0) = {5, 5, 5, 255};
  image.at(2, 0) = {250, 250, 250, 255};
  const Palette palette = kmeans_palette(image, KMeansOptions{4});
  REQUIRE(palette.colors == std::vector<Rgba>{{5, 5, 5, 255}, {250, 250, 250, 255}});
}

TEST_CASE("k-means palette finds separated clusters, ignores transparency", "[pixel][kmeans]") {
  const Palette palette = kmeans_palette(blobs(1), KMeansOptions{3});
  REQUIRE(palette.colors.size() == 3);
  // dark to light: blue, orange, green
  REQUIRE(palette.colors[0].b > palette.colors[0].r);
  REQUIRE(std::abs(int(palette.colors[1].r) - 230) <= 4);
  REQUIRE(std::abs(int(palette.colors[2].g) - 230) <= 4);
  for (const Rgba& c : palette.colors) REQUIRE_FALSE((c.r > 200 && c.g < 50 && c.b > 200));
}

TEST_CASE("k-means palette is deterministic and seed-dependent only by its seed", "[pixel][kmeans]") {
  const Image image = blobs(7);
  const KMeansOptions options{8};
  REQUIRE(kmeans_palette(image, options).colors == kmeans_palette(image, options).colors);
  REQUIRE(kmeans_palette(image, options).colors.size() <= 8);
  REQUIRE_THROWS_AS(kmeans_palette(image, KMeansOptions{0}), std::invalid_argument);
  REQUIRE_THROWS_AS(kmeans_palette(Image(2, 2), KMeansOptions{4}), std::invalid_argument);
}
