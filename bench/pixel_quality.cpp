// bench_pixel_quality: pixelize the crawl-tiles quality set back and print exact-pixel accuracy
// (factor given) and grid-detection hit rate: the classic set as one row, then the realistic
// range (issue 14) by factor, background (dark sprites apart), JPEG and sheet, with the error
// split by cause beside the per-cell bound.
// Usage: bench_pixel_quality [--limit N] [--seed S] [--verbose] [--oracle-cast] [--blend-alpha] [--set classic|realistic|both]
//        [--shift A] [--blur S] [--gain G] [--offset O] [--noise S] [--merge D]  (classic set)
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

// Wrong pixels by cause: a sprite pixel cleared as background, background kept as a colour, or
// a sprite pixel given another palette colour.
struct Causes {
  long lost = 0, kept = 0, colour = 0;
  Causes& operator+=(const Causes& o) {
    lost += o.lost;
    kept += o.kept;
    colour += o.colour;
    return *this;
  }
  void add(const pixel::Image& got, const pixel::Image& want) {
    for (size_t i = 0; i < want.pixels.size(); ++i) {
      const pixel::Rgba g = got.pixels[i], w = want.pixels[i];
      if (w.a && !g.a) ++lost;
      else if (!w.a && g.a) ++kept;
      else if (w.a && (g.r != w.r || g.g != w.g || g.b != w.b)) ++colour;
    }
  }
};

// The most any per-cell method could get back against the noise alone: the true grid, no blur,
// shift, cast or JPEG, and each cell's mean (all a cell's samples tell about Gaussian noise:
// sigma / factor per channel) given the nearest of the palette and the key (the key meaning
// background; it wins ties, as most pixels of a sprite's colour equal to the key are background).
// Shades closer than that noise, and sprite colours at the key, cannot be told apart by any
// per-cell method.
Causes noise_bound(const testing::QualityCase& c, std::mt19937_64& rng) {
  const testing::Degradation& d = c.degradation;
  std::normal_distribution<double> noise(0.0, d.noise_sigma / d.factor);
  pixel::Image got = c.reference;
  for (pixel::Rgba& p : got.pixels) {
    const pixel::Rgba truth = p.a ? p : c.key;
    const double r = truth.r + noise(rng), g = truth.g + noise(rng), b = truth.b + noise(rng);
    auto dist = [&](pixel::Rgba q) { return (r - q.r) * (r - q.r) + (g - q.g) * (g - q.g) + (b - q.b) * (b - q.b); };
    double best = dist(c.key);
    pixel::Rgba answer{0, 0, 0, 0};
    for (const pixel::Rgba& q : c.palette.colors)
      if (dist(q) < best) best = dist(q), answer = q;
    p = answer;
  }
  Causes causes;
  causes.add(got, c.reference);
  return causes;
}

struct Tally {
  long sprites = 0, exact = 0, total = 0, opaque_exact = 0, opaque_total = 0;
  long detected_ok = 0, detected_exact = 0, detected_total = 0;
  long sprites_97 = 0;
  Causes wrong, bound;
  double pct(long n) const { return 100.0 * double(n) / double(std::max(1l, total)); }
};

void print_header(const char* first) {
  std::printf("%-16s %6s  %8s  %8s  %8s  %8s  %9s  %8s\n", first, "count", "exact", "exact-op", "spr>=97%",
              "grid-ok", "exact-det", "bound");
}

void print_row(const std::string& name, const Tally& t) {
  const long bound_wrong = t.bound.lost + t.bound.kept + t.bound.colour;
  std::printf("%-16s %6ld  %7.2f%%  %7.2f%%  %7.2f%%  %7.2f%%  %8.2f%%  %7.2f%%\n", name.c_str(), t.sprites,
              t.pct(t.exact), 100.0 * t.opaque_exact / std::max(1l, t.opaque_total),
              100.0 * t.sprites_97 / std::max(1l, t.sprites), 100.0 * t.detected_ok / std::max(1l, t.sprites),
              100.0 * t.detected_exact / std::max(1l, t.detected_total), 100.0 - t.pct(bound_wrong));
}

void print_causes(const Tally& t) {
  std::printf("\nwrong pixels by cause (share of all pixels), method with the factor given / per-cell bound:\n");
  std::printf("  sprite pixel cleared as background   %6.2f %% / %6.2f %%\n", t.pct(t.wrong.lost), t.pct(t.bound.lost));
  std::printf("  background kept as a colour          %6.2f %% / %6.2f %%\n", t.pct(t.wrong.kept), t.pct(t.bound.kept));
  std::printf("  another palette colour               %6.2f %% / %6.2f %%\n", t.pct(t.wrong.colour), t.pct(t.bound.colour));
}

struct Options {
  size_t limit = 0;
  uint64_t seed = 1;
  bool verbose = false;
  bool oracle_cast = false;
  bool blend_alpha = false;  // --blend-alpha: the realistic set with shadows blended (Degradation)
  bool classic = true, realistic = true;
  testing::Degradation classic_degradation;
};

// --oracle-cast: the case's own cast undone on the degraded image (rounded; clipped values stay
// clipped) and the stage's cast fit turned off, to see what the fit costs.
testing::QualityCase undo_cast(testing::QualityCase c) {
  for (pixel::Rgba& p : c.degraded.pixels) {
    uint8_t* v[3] = {&p.r, &p.g, &p.b};
    for (int ch = 0; ch < 3; ++ch)
      *v[ch] = uint8_t(std::clamp(std::lround((*v[ch] - c.offset[ch]) / c.gain[ch]), 0l, 255l));
  }
  return c;
}

pixel::PixelizeOptions options_for(const testing::QualityCase& c, testing::GridChoice grid, bool oracle_cast) {
  pixel::PixelizeOptions o = testing::case_options(c, grid);
  if (oracle_cast) o.palette.correct_cast = false;
  return o;
}

// One case pixelized back with the factor given and with a detected grid, added to `tallies`.
void run_case(const testing::QualityCase& original, std::mt19937_64& bound_rng, bool verbose, bool oracle_cast,
              std::initializer_list<Tally*> tallies) {
  const testing::QualityCase& c = oracle_cast ? undo_cast(original) : original;
  const auto given = pixel::pixelize_detailed(c.degraded, options_for(c, testing::GridChoice::given, oracle_cast), &c.palette);
  const auto s = testing::score(given.image, c.reference);
  const auto detected =
      pixel::pixelize_detailed(c.degraded, options_for(c, testing::GridChoice::detected, oracle_cast), &c.palette);
  const auto d = testing::score(detected.image, c.reference);
  const Causes bound = noise_bound(c, bound_rng);
  Causes wrong;
  wrong.add(given.image, c.reference);
  for (Tally* t : tallies) {
    ++t->sprites;
    t->exact += s.exact;
    t->total += s.total;
    t->opaque_exact += s.opaque_exact;
    t->opaque_total += s.opaque_total;
    t->sprites_97 += s.exact * 100 >= 97 * s.total;
    t->detected_ok += d.size_ok;
    t->detected_exact += d.exact;
    t->detected_total += d.total;
    t->wrong += wrong;
    t->bound += bound;
  }
  if (verbose && (s.exact * 100 < 92 * s.total || !d.size_ok))
    std::printf("  %s %d,%d: x%d %s jpeg %d noise %.1f blur %.2f: exact %.1f %% (lost %ld kept %ld colour %ld) "
                "detected period %.3f (%dx%d) conf %.3f\n"
                "      cast applied gain %.3f %.3f %.3f offset %.1f %.1f %.1f, removed gain %.3f %.3f %.3f offset %.1f %.1f %.1f\n",
                c.sprite.category.c_str(), c.sprite.sheet_x, c.sprite.sheet_y, c.degradation.factor,
                testing::to_name(c.degradation.backdrop), c.degradation.jpeg_quality, c.degradation.noise_sigma,
                c.degradation.blur_sigma, 100.0 * s.exact / s.total, wrong.lost, wrong.kept, wrong.colour,
                detected.grid.x.period, detected.image.width, detected.image.height, detected.grid.confidence,
                c.gain[0], c.gain[1], c.gain[2], c.offset[0], c.offset[1], c.offset[2], given.cast.gain[0],
                given.cast.gain[1], given.cast.gain[2], given.cast.offset[0], given.cast.offset[1], given.cast.offset[2]);
}

bool parse(int argc, char** argv, Options& o) {
  testing::Degradation& d = o.classic_degradation;
  for (int i = 1; i < argc; ++i) {
    const bool more = i + 1 < argc;
    if (!std::strcmp(argv[i], "--limit") && more) o.limit = std::strtoul(argv[++i], nullptr, 10);
    else if (!std::strcmp(argv[i], "--seed") && more) o.seed = std::strtoull(argv[++i], nullptr, 10);
    else if (!std::strcmp(argv[i], "--verbose")) o.verbose = true;
    else if (!std::strcmp(argv[i], "--oracle-cast")) o.oracle_cast = true;
    else if (!std::strcmp(argv[i], "--blend-alpha")) o.blend_alpha = true;
    else if (!std::strcmp(argv[i], "--set") && more) {
      const std::string set = argv[++i];
      if (set != "classic" && set != "realistic" && set != "both") return false;
      o.classic = set != "realistic";
      o.realistic = set != "classic";
    } else if (!std::strcmp(argv[i], "--shift") && more) d.max_shift = std::atof(argv[++i]);
    else if (!std::strcmp(argv[i], "--blur") && more) d.blur_sigma = std::atof(argv[++i]);
    else if (!std::strcmp(argv[i], "--gain") && more) d.gain_jitter = std::atof(argv[++i]);
    else if (!std::strcmp(argv[i], "--offset") && more) d.offset_jitter = std::atof(argv[++i]);
    else if (!std::strcmp(argv[i], "--merge") && more) d.merge_shades = std::atof(argv[++i]);
    else if (!std::strcmp(argv[i], "--noise") && more) d.noise_sigma = std::atof(argv[++i]);
    else return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parse(argc, argv, o)) {
    std::fprintf(stderr, "usage: bench_pixel_quality [--limit N] [--seed S] [--verbose] [--oracle-cast] [--blend-alpha] [--set classic|realistic|both] "
                 "[--shift A] [--blur S] [--gain G] [--offset O] [--noise S] [--merge D]\n");
    return 2;
  }
  spdlog::set_level(spdlog::level::err);  // "no pixel grid found" is counted, not logged
  const auto start = std::chrono::steady_clock::now();
  auto sprites = testing::load_crawl_sprites(testing::crawl_tiles_dir());
  if (o.limit) sprites = testing::sample_sprites(sprites, o.limit, o.seed);
  const testing::Degradation& cd = o.classic_degradation;
  std::printf("crawl-tiles quality set: %zu sprites 32x32, shades closer than %.0f merged\n", sprites.size(),
              cd.merge_shades);
  std::printf("classic: x%d nearest, shift +-%.2f px, blur %.2f, gain +-%.0f %%, offset +-%.0f, noise sigma %.1f, "
              "chroma key\n", cd.factor, cd.max_shift, cd.blur_sigma, 100 * cd.gain_jitter, cd.offset_jitter,
              cd.noise_sigma);
  std::printf("realistic: x6..16, shift +-0.45 px, blur (0.25..1.1) x factor/8, gain +-5 %%, offset +-6, noise sigma "
              "3..9, JPEG q80..92 on half, white/black/green/magenta backgrounds\n");
  Tally classic, all;
  std::map<int, Tally> by_factor;
  std::map<std::string, Tally> by_background, by_jpeg, by_sheet;
  std::mt19937_64 bound_rng(o.seed);
  for (const auto& sprite : sprites) {
    const uint64_t case_seed = o.seed * 1000003u + uint64_t(sprite.sheet_x) * 7919u +
                               uint64_t(sprite.sheet_y) * 104729u + std::hash<std::string>{}(sprite.category) % 1000;
    if (o.classic) run_case(testing::make_case(sprite, cd, case_seed), bound_rng, o.verbose, o.oracle_cast, {&classic});
    if (!o.realistic) continue;
    testing::Degradation realistic = testing::realistic_degradation(case_seed);
    realistic.blend_partial_alpha = o.blend_alpha;
    const testing::QualityCase c = testing::make_case(sprite, realistic, case_seed);
    const std::string background = std::string(testing::to_name(c.degradation.backdrop)) +
                                   (testing::is_dark(c) ? " dark" : " other");
    run_case(c, bound_rng, o.verbose, o.oracle_cast,
             {&all, &by_factor[c.degradation.factor], &by_background[background],
              &by_jpeg[c.degradation.jpeg_quality ? "jpeg q80-92" : "no jpeg"], &by_sheet[sprite.category]});
  }
  std::printf("\n");
  print_header("set");
  if (o.classic) print_row("classic x8", classic);
  if (o.realistic) {
    print_row("realistic", all);
    std::printf("\n");
    print_header("factor");
    for (const auto& [factor, t] : by_factor) print_row("x" + std::to_string(factor), t);
    std::printf("\n");
    print_header("background");
    for (const auto& [name, t] : by_background) print_row(name, t);
    std::printf("\n");
    print_header("jpeg");
    for (const auto& [name, t] : by_jpeg) print_row(name, t);
    std::printf("\n");
    print_header("sheet");
    for (const auto& [name, t] : by_sheet) print_row(name, t);
    print_causes(all);
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (o.classic)
    std::printf("\nclassic:   exact %.3f %% (target >= 97 %%), grid %.2f %% (target >= 95 %%)\n", classic.pct(classic.exact),
                100.0 * classic.detected_ok / std::max(1l, classic.sprites));
  if (o.realistic)
    std::printf("realistic: exact %.3f %% (target >= 92 %%), grid %.2f %% (target >= 98 %%)\n", all.pct(all.exact),
                100.0 * all.detected_ok / std::max(1l, all.sprites));
  std::printf("bound: the per-cell noise bound (true grid, no blur/shift/cast/JPEG, each cell's mean snapped to the "
              "nearest of the palette and the key)\n(%.1f s)\n", seconds);
  return 0;
}
