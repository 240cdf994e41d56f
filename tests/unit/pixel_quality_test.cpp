// Quality on real pixel art: a fixed sample of the crawl-tiles quality set (see
// tests/support/pixel_quality_set.h; bench_pixel_quality runs the whole set).
#include <catch2/catch.hpp>

#include "compiler/pixel/pixelize.h"
#include "tests/support/pixel_quality_set.h"

using namespace dgxpx;

// The share of exact pixels when each sprite's degraded case is pixelized back with the factor
// given (case i drawn with seed 1000 + i).
static double exact_with_factor(const std::vector<testing::Sprite>& sample, const testing::Degradation& degradation) {
  long exact = 0, total = 0;
  for (size_t i = 0; i < sample.size(); ++i) {
    const auto c = testing::make_case(sample[i], degradation, 1000 + i);
    const auto given = pixel::pixelize_detailed(c.degraded, testing::case_options(c, degradation.factor), &c.palette);
    const auto s = testing::score(given.image, c.reference);
    REQUIRE(s.size_ok);
    exact += s.exact;
    total += s.total;
  }
  return double(exact) / double(total);
}

TEST_CASE("crawl sample (shades 3 apart): exact pixels with the factor given, grid size when detected",
          "[pixel][quality]") {
  const auto all = testing::load_crawl_sprites(testing::crawl_tiles_dir());
  REQUIRE(all.size() > 1000);
  const auto sample = testing::sample_sprites(all, 40, 2024);
  REQUIRE(sample.size() == 40);
  const testing::Degradation degradation;
  const double accuracy = exact_with_factor(sample, degradation);
  int grid_ok = 0;
  for (size_t i = 0; i < sample.size(); ++i) {
    const auto c = testing::make_case(sample[i], degradation, 1000 + i);
    const auto detected = pixel::pixelize_detailed(c.degraded, testing::case_options(c, 0), &c.palette);
    grid_ok += testing::score(detected.image, c.reference).size_ok;
  }
  const double detection = grid_ok / double(sample.size());
  WARN("crawl sample (40 sprites): exact pixels " << 100 * accuracy << " %, grid detected " << 100 * detection << " %");
  CHECK(accuracy >= 0.97);
  CHECK(detection >= 0.95);
}

TEST_CASE("crawl sample with shades 12 apart: nearly every pixel exact", "[pixel][quality]") {
  // Palettes a game would give (DB32's closest colours are 28 apart): little left to get wrong.
  const auto sample = testing::sample_sprites(testing::load_crawl_sprites(testing::crawl_tiles_dir()), 40, 2024);
  testing::Degradation degradation;
  degradation.merge_shades = 12;
  const double accuracy = exact_with_factor(sample, degradation);
  WARN("crawl sample (40 sprites, shades 12 apart): exact pixels " << 100 * accuracy << " %");
  CHECK(accuracy >= 0.99);
}

TEST_CASE("the quality set's degradation is deterministic", "[pixel][quality]") {
  const auto all = testing::load_crawl_sprites(testing::crawl_tiles_dir());
  const auto a = testing::make_case(all[5], testing::Degradation{}, 9);
  const auto b = testing::make_case(all[5], testing::Degradation{}, 9);
  REQUIRE(a.degraded.pixels == b.degraded.pixels);
  REQUIRE(a.degraded.width == 256);
  const auto c = testing::make_case(all[5], testing::Degradation{}, 10);
  REQUIRE(a.degraded.pixels != c.degraded.pixels);
}
