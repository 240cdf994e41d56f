// bench_pixel_quality: pixelize the whole crawl-tiles quality set back and print exact-pixel
// accuracy (factor given) and grid-detection hit rate, overall and per sheet.
// Usage: bench_pixel_quality [--limit N] [--seed S]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <random>
#include <string>

#include <spdlog/spdlog.h>

#include "compiler/pixel/pixelize.h"
#include "tests/support/pixel_quality_set.h"

using namespace dgxpx;

namespace {

// The most exact pixels any per-cell method could get back against the noise alone: the true
// grid, no blur, shift or cast, and each cell's mean (all a cell's samples tell about Gaussian
// noise) snapped to the nearest palette colour. Shades closer together than the noise left in a
// mean of factor² samples cannot be told apart, whatever the method.
long noise_bound_exact(const testing::QualityCase& c, const testing::Degradation& d, std::mt19937_64& rng) {
  std::normal_distribution<double> noise(0.0, d.noise_sigma / d.factor);
  long exact = 0;
  for (const pixel::Rgba& p : c.reference.pixels) {
    if (p.a == 0) {
      ++exact;
      continue;
    }
    const double r = p.r + noise(rng), g = p.g + noise(rng), b = p.b + noise(rng);
    double best = 1e300;
    pixel::Rgba nearest;
    for (const pixel::Rgba& q : c.palette.colors) {
      const double dist = (r - q.r) * (r - q.r) + (g - q.g) * (g - q.g) + (b - q.b) * (b - q.b);
      if (dist < best) best = dist, nearest = q;
    }
    exact += nearest.r == p.r && nearest.g == p.g && nearest.b == p.b;
  }
  return exact;
}

struct Tally {
  long sprites = 0, exact = 0, total = 0, opaque_exact = 0, opaque_total = 0, bound_exact = 0;
  long detected_ok = 0, detected_exact = 0, detected_total = 0;
  long sprites_97 = 0;
};

void print_row(const std::string& name, const Tally& t) {
  std::printf("%-8s %6ld  %7.3f %%  %7.3f %%  %7.3f %%  %7.2f %%  %7.3f %%\n", name.c_str(), t.sprites,
              100.0 * t.exact / std::max(1l, t.total), 100.0 * t.opaque_exact / std::max(1l, t.opaque_total),
              100.0 * t.sprites_97 / std::max(1l, t.sprites), 100.0 * t.detected_ok / std::max(1l, t.sprites),
              100.0 * t.detected_exact / std::max(1l, t.detected_total));
}

}  // namespace

int main(int argc, char** argv) {
  size_t limit = 0;
  uint64_t seed = 1;
  bool verbose = false;
  testing::Degradation degradation;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--limit") && i + 1 < argc) limit = std::strtoul(argv[++i], nullptr, 10);
    else if (!std::strcmp(argv[i], "--seed") && i + 1 < argc) seed = std::strtoull(argv[++i], nullptr, 10);
    else if (!std::strcmp(argv[i], "--verbose")) verbose = true;
    else if (!std::strcmp(argv[i], "--shift") && i + 1 < argc) degradation.max_shift = std::atof(argv[++i]);
    else if (!std::strcmp(argv[i], "--blur") && i + 1 < argc) degradation.blur_sigma = std::atof(argv[++i]);
    else if (!std::strcmp(argv[i], "--gain") && i + 1 < argc) degradation.gain_jitter = std::atof(argv[++i]);
    else if (!std::strcmp(argv[i], "--offset") && i + 1 < argc) degradation.offset_jitter = std::atof(argv[++i]);
    else if (!std::strcmp(argv[i], "--merge") && i + 1 < argc) degradation.merge_shades = std::atof(argv[++i]);
    else if (!std::strcmp(argv[i], "--noise") && i + 1 < argc) degradation.noise_sigma = std::atof(argv[++i]);
    else {
      std::fprintf(stderr, "usage: bench_pixel_quality [--limit N] [--seed S] [--verbose] [--shift A] [--blur S] "
                   "[--gain G] [--offset O] [--noise S] [--merge D]\n");
      return 2;
    }
  }
  spdlog::set_level(spdlog::level::err);  // "no pixel grid found" is counted, not logged
  const auto start = std::chrono::steady_clock::now();
  auto sprites = testing::load_crawl_sprites(testing::crawl_tiles_dir());
  if (limit) sprites = testing::sample_sprites(sprites, limit, seed);
  std::printf("crawl-tiles quality set: %zu sprites 32x32, x%d nearest, shift +-%.2f px, blur %.2f, "
              "gain +-%.0f %%, offset +-%.0f, noise sigma %.1f\n",
              sprites.size(), degradation.factor, degradation.max_shift, degradation.blur_sigma,
              100 * degradation.gain_jitter, degradation.offset_jitter, degradation.noise_sigma);
  std::map<std::string, Tally> per_category;
  Tally all;
  std::mt19937_64 bound_rng(seed);
  for (size_t i = 0; i < sprites.size(); ++i) {
    const auto& sprite = sprites[i];
    const uint64_t case_seed = seed * 1000003u + uint64_t(sprite.sheet_x) * 7919u + uint64_t(sprite.sheet_y) * 104729u +
                               std::hash<std::string>{}(sprite.category) % 1000;
    const auto c = testing::make_case(sprite, degradation, case_seed);
    const auto given = pixel::pixelize_detailed(c.degraded, testing::case_options(c, degradation.factor), &c.palette);
    const auto s = testing::score(given.image, c.reference);
    const auto detected = pixel::pixelize_detailed(c.degraded, testing::case_options(c, 0), &c.palette);
    const auto d = testing::score(detected.image, c.reference);
    const long bound = noise_bound_exact(c, degradation, bound_rng);
    for (Tally* t : {&all, &per_category[sprite.category]}) {
      t->bound_exact += bound;
      ++t->sprites;
      t->exact += s.exact;
      t->total += s.total;
      t->opaque_exact += s.opaque_exact;
      t->opaque_total += s.opaque_total;
      t->sprites_97 += s.exact * 100 >= 97 * s.total;
      t->detected_ok += d.size_ok;
      t->detected_exact += d.exact;
      t->detected_total += d.total;
    }
    if (verbose && (s.exact * 100 < 97 * s.total || !d.size_ok))
      std::printf("  %s %d,%d: exact %.1f %% shift %.2f,%.2f detected period %.3f (%dx%d) conf %.3f\n",
                  sprite.category.c_str(), sprite.sheet_x, sprite.sheet_y, 100.0 * s.exact / s.total,
                  c.shift_x, c.shift_y, detected.grid.x.period, detected.image.width, detected.image.height,
                  detected.grid.confidence);
  }
  std::printf("\n%-8s %6s  %9s  %9s  %9s  %9s  %9s\n", "sheet", "count", "exact", "exact-op",
              "spr>=97%", "grid-ok", "exact-det");
  for (const auto& [name, t] : per_category) print_row(name, t);
  print_row("all", all);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("\nexact pixels, factor given:  %.3f %% (target >= 97 %%)\n", 100.0 * all.exact / std::max(1l, all.total));
  std::printf("grid size right, detected:    %.2f %% (target >= 95 %%)\n", 100.0 * all.detected_ok / std::max(1l, all.sprites));
  std::printf("noise alone allows at most:   %.3f %% exact (true grid, no blur/shift/cast, each cell's mean "
              "snapped to the nearest palette colour)\n", 100.0 * all.bound_exact / std::max(1l, all.total));
  std::printf("(%.1f s)\n", seconds);
  return 0;
}
