// Quality on real pixel art: fixed samples of the crawl-tiles quality set (see
// tests/support/pixel_quality_set.h; bench_pixel_quality runs the whole set). Every expectation
// comes from the cases themselves: the reference sprite, its palette, its background and factor.
#include <catch2/catch.hpp>

#include <map>
#include <string>

#include "compiler/pixel/pixelize.h"
#include "tests/support/pixel_quality_set.h"

using namespace dgxpx;

namespace {

struct Totals {
  long exact = 0, total = 0;
  long lost = 0;          ///< sprite pixels cleared as background
  long indistinct = 0;    ///< sprite pixels of the key's own colour: no method can keep them
  long opaque = 0;
  int sprites = 0, grid_ok = 0;
  double accuracy() const { return double(exact) / double(std::max(1l, total)); }
};

// Case i of a sample: the sprite degraded with seed 1000 + i, by `degradation` or, when it is
// null, by realistic_degradation(1000 + i).
testing::QualityCase sample_case(const testing::Sprite& sprite, size_t i, const testing::Degradation* degradation) {
  const uint64_t seed = 1000 + i;
  return testing::make_case(sprite, degradation ? *degradation : testing::realistic_degradation(seed), seed);
}

void add(Totals& t, const testing::QualityCase& c, bool detect) {
  const auto given = pixel::pixelize_detailed(c.degraded, testing::case_options(c, testing::GridChoice::given), &c.palette);
  const auto s = testing::score(given.image, c.reference);
  REQUIRE(s.size_ok);
  t.exact += s.exact;
  t.total += s.total;
  ++t.sprites;
  for (size_t i = 0; i < c.reference.pixels.size(); ++i) {
    const pixel::Rgba want = c.reference.pixels[i];
    if (!want.a) continue;
    ++t.opaque;
    t.lost += given.image.pixels[i].a == 0;
    t.indistinct += pixel::rgb_distance2(want, c.key) == 0;
  }
  if (detect) {
    const auto detected =
        pixel::pixelize_detailed(c.degraded, testing::case_options(c, testing::GridChoice::detected), &c.palette);
    t.grid_ok += testing::score(detected.image, c.reference).size_ok;
  }
}

const std::vector<testing::Sprite>& crawl_sprites() {
  static const auto all = testing::load_crawl_sprites(testing::crawl_tiles_dir());
  return all;
}

}  // namespace

TEST_CASE("classic crawl sample (x8, shades 3 apart): exact pixels with the factor given, grid size when detected",
          "[pixel][quality]") {
  REQUIRE(crawl_sprites().size() > 1000);
  const auto sample = testing::sample_sprites(crawl_sprites(), 40, 2024);
  REQUIRE(sample.size() == 40);
  const testing::Degradation classic;
  Totals t;
  for (size_t i = 0; i < sample.size(); ++i) add(t, sample_case(sample[i], i, &classic), true);
  const double detection = t.grid_ok / double(t.sprites);
  WARN("classic crawl sample (40 sprites): exact pixels " << 100 * t.accuracy() << " %, grid detected "
                                                          << 100 * detection << " %");
  CHECK(t.accuracy() >= 0.97);
  CHECK(detection >= 0.95);
}

TEST_CASE("classic crawl sample with shades 12 apart: nearly every pixel exact", "[pixel][quality]") {
  // Palettes a game would give (DB32's closest colours are 28 apart): little left to get wrong.
  const auto sample = testing::sample_sprites(crawl_sprites(), 40, 2024);
  testing::Degradation degradation;
  degradation.merge_shades = 12;
  Totals t;
  for (size_t i = 0; i < sample.size(); ++i) add(t, sample_case(sample[i], i, &degradation), false);
  WARN("classic crawl sample (40 sprites, shades 12 apart): exact pixels " << 100 * t.accuracy() << " %");
  CHECK(t.accuracy() >= 0.99);
}

TEST_CASE("realistic crawl sample (x6-16, blur, cast, noise, JPEG, four backgrounds): the issue-14 targets",
          "[pixel][quality]") {
  const auto sample = testing::sample_sprites(crawl_sprites(), 48, 77);
  Totals all;
  std::map<std::string, Totals> by_background;
  int jpeg = 0;
  for (size_t i = 0; i < sample.size(); ++i) {
    const auto c = sample_case(sample[i], i, nullptr);
    jpeg += c.degradation.jpeg_quality > 0;
    add(all, c, true);
    add(by_background[testing::to_name(c.degradation.backdrop)], c, false);
  }
  // The sample spans the range it claims to.
  REQUIRE(by_background.size() == 4);
  REQUIRE(jpeg > 0);
  REQUIRE(jpeg < int(sample.size()));
  const double detection = all.grid_ok / double(all.sprites);
  WARN("realistic crawl sample (48 sprites): exact pixels " << 100 * all.accuracy() << " %, grid detected "
                                                            << 100 * detection << " %");
  CHECK(all.accuracy() >= 0.92);
  CHECK(detection >= 0.98);
  // Decided per cell after the cast, the key takes no sprite pixel beyond those of its own colour
  // (on black, a black outline) and a margin of 1 % of the sprite pixels.
  for (const auto& [name, t] : by_background) {
    INFO(name << ": " << t.lost << " sprite pixels cleared, " << t.indistinct << " of the key's colour, of "
              << t.opaque);
    CHECK(t.lost <= t.indistinct + t.opaque / 100);
  }
}

TEST_CASE("the quality set's degradation is deterministic", "[pixel][quality]") {
  const auto& all = crawl_sprites();
  const auto a = testing::make_case(all[5], testing::Degradation{}, 9);
  const auto b = testing::make_case(all[5], testing::Degradation{}, 9);
  REQUIRE(a.degraded.pixels == b.degraded.pixels);
  REQUIRE(a.degraded.width == 256);
  const auto c = testing::make_case(all[5], testing::Degradation{}, 10);
  REQUIRE(a.degraded.pixels != c.degraded.pixels);
  testing::Degradation jpeg = testing::realistic_degradation(3);
  jpeg.jpeg_quality = 85;
  const auto d = testing::make_case(all[5], jpeg, 9);
  const auto e = testing::make_case(all[5], jpeg, 9);
  REQUIRE(d.degraded.pixels == e.degraded.pixels);
  REQUIRE(d.degraded.width == 32 * jpeg.factor);
}
