#include "compiler/pixel/grid.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <stdexcept>
#include <vector>

namespace dgxpx::pixel {
namespace {

// Width (in source pixels) of the window that counts an edge as "on" a grid line. Upscaled art
// that went through a diffusion model has edges smeared over a pixel or two.
constexpr double kEdgeWindow = 1.0;
constexpr double kMinConfidence = 0.06;

// Edge energy per boundary: profile[i] is the change across the boundary at coordinate i (between
// pixels i-1 and i), summed over the other axis, after removing the typical (noise) change.
struct Profiles {
  std::vector<double> x, y;
  double total_x = 0, total_y = 0;
};


// Changes are measured between runs of kRun pixels along the edge (an art edge is straight for a
// whole art pixel, noise is not), which halves the noise against a single-pixel difference.
// Large images are sampled: runs start every `stride` rows (columns), enough for ~128 samples
// per boundary.
constexpr int kRun = 4;

Profiles edge_profiles(const Image& image) {
  const int w = image.width, h = image.height;
  const int run_y = std::min(kRun, h), run_x = std::min(kRun, w);
  const int stride_y = std::max(run_y / 2 + 1, h / 128), stride_x = std::max(run_x / 2 + 1, w / 128);
  // changes_x[g * w + x]: row group g, boundary x (x >= 1); changes_y[y * groups_x + g].
  const int groups_y = (h - run_y) / stride_y + 1, groups_x = (w - run_x) / stride_x + 1;
  std::vector<uint16_t> changes_x(size_t(groups_y) * w, 0), changes_y(size_t(h) * groups_x, 0);
  std::vector<std::array<int32_t, 4>> column(static_cast<size_t>(w));
  for (int g = 0; g < groups_y; ++g) {
    std::fill(column.begin(), column.end(), std::array<int32_t, 4>{});
    for (int y = g * stride_y; y < g * stride_y + run_y; ++y) {
      const Rgba* row = &image.pixels[size_t(y) * w];
      for (int x = 0; x < w; ++x) {
        column[size_t(x)][0] += row[x].r;
        column[size_t(x)][1] += row[x].g;
        column[size_t(x)][2] += row[x].b;
        column[size_t(x)][3] += row[x].a;
      }
    }
    for (int x = 1; x < w; ++x) {
      int sum = 0;
      for (int c = 0; c < 4; ++c) sum += std::abs(column[size_t(x)][size_t(c)] - column[size_t(x - 1)][size_t(c)]);
      changes_x[size_t(g) * w + x] = uint16_t((sum + run_y / 2) / run_y);
    }
  }
  std::vector<std::array<int32_t, 4>> previous(static_cast<size_t>(groups_x)),
      current(static_cast<size_t>(groups_x));
  for (int y = 0; y < h; ++y) {
    const Rgba* row = &image.pixels[size_t(y) * w];
    for (int g = 0; g < groups_x; ++g) {
      std::array<int32_t, 4> sum{};
      for (int x = g * stride_x; x < g * stride_x + run_x; ++x) {
        sum[0] += row[x].r;
        sum[1] += row[x].g;
        sum[2] += row[x].b;
        sum[3] += row[x].a;
      }
      current[size_t(g)] = sum;
      if (y > 0) {
        int change = 0;
        for (int c = 0; c < 4; ++c) change += std::abs(sum[size_t(c)] - previous[size_t(g)][size_t(c)]);
        changes_y[size_t(y) * groups_x + g] = uint16_t((change + run_x / 2) / run_x);
      }
    }
    std::swap(previous, current);
  }
  // The median change is what noise and shading produce inside an art pixel; only the part of a
  // change above it counts as an edge.
  std::array<uint64_t, 4 * 255 + 1> histogram{};
  for (int g = 0; g < groups_y; ++g)
    for (int x = 1; x < w; ++x) ++histogram[changes_x[size_t(g) * w + x]];
  for (int y = 1; y < h; ++y)
    for (int g = 0; g < groups_x; ++g) ++histogram[changes_y[size_t(y) * groups_x + g]];
  uint64_t count = 0;
  for (uint64_t c : histogram) count += c;
  int floor_level = 0;
  for (uint64_t seen = 0; floor_level < int(histogram.size()); ++floor_level) {
    seen += histogram[size_t(floor_level)];
    if (2 * seen >= count) break;
  }
  Profiles out;
  out.x.assign(size_t(w), 0.0);
  out.y.assign(size_t(h), 0.0);
  for (int g = 0; g < groups_y; ++g)
    for (int x = 1; x < w; ++x) out.x[size_t(x)] += std::max(0, int(changes_x[size_t(g) * w + x]) - floor_level);
  for (int y = 1; y < h; ++y)
    for (int g = 0; g < groups_x; ++g)
      out.y[size_t(y)] += std::max(0, int(changes_y[size_t(y) * groups_x + g]) - floor_level);
  for (double v : out.x) out.total_x += v;
  for (double v : out.y) out.total_y += v;
  return out;
}

// Folds a profile at `period` into phase bins, smooths them with the edge window, and reports the
// best phase and how much edge energy it captures above a randomly placed grid.
struct Fold {
  double excess = 0;  // captured energy minus the chance expectation
  double phase = 0;   // in [-period/2, period/2)
};

class Folder {
 public:
  Fold fold(const std::vector<double>& profile, double period) {
    const int bins = std::clamp(int(std::ceil(period * 3)), 8, 192);
    const double bin_width = period / bins;
    histogram_.assign(size_t(bins), 0.0);
    uniform_.assign(size_t(bins), 0.0);
    const double inv = 1.0 / period;
    for (size_t i = 1; i < profile.size(); ++i) {
      const double t = double(i) * inv;
      int b = int((t - std::floor(t)) * bins);
      if (b >= bins) b = bins - 1;
      histogram_[size_t(b)] += profile[i];
      uniform_[size_t(b)] += 1.0;
    }
    const int reach = std::min(bins / 2, int(std::ceil(3 * kEdgeWindow / bin_width)));
    kernel_.resize(size_t(2 * reach + 1));
    for (int k = -reach; k <= reach; ++k) {
      const double d = k * bin_width / kEdgeWindow;
      // With an even bin count and reach == bins/2 the two ends are the same bin: count it once.
      const bool duplicate = (k == reach && 2 * reach == bins);
      kernel_[size_t(k + reach)] = duplicate ? 0.0 : std::exp(-0.5 * d * d);
    }
    // Boundaries sit at integer positions, so at some periods they occupy only a few phases (at
    // period 3: three) and even a featureless profile folds into peaks. Compare each phase's share
    // of the edge energy with the share a uniform profile puts there; both average the same.
    double total = 0, positions = 0;
    for (double v : histogram_) total += v;
    for (double v : uniform_) positions += v;
    if (total <= 0 || positions <= 0) return Fold{};
    double best = -1e300;
    int best_bin = 0;
    smoothed_.assign(size_t(bins), 0.0);
    for (int b = 0; b < bins; ++b) {
      double s = 0, u = 0;
      for (int k = -reach; k <= reach; ++k) {
        int j = b + k;
        if (j < 0) j += bins;
        if (j >= bins) j -= bins;
        s += histogram_[size_t(j)] * kernel_[size_t(k + reach)];
        u += uniform_[size_t(j)] * kernel_[size_t(k + reach)];
      }
      const double d = s / total - u / positions;
      smoothed_[size_t(b)] = d;
      if (d > best) {
        best = d;
        best_bin = b;
      }
    }
    // Parabolic peak interpolation for a sub-bin phase.
    const double left = smoothed_[size_t((best_bin + bins - 1) % bins)];
    const double right = smoothed_[size_t((best_bin + 1) % bins)];
    const double curvature = left - 2 * best + right;
    double offset = curvature < 0 ? 0.5 * (left - right) / curvature : 0.0;
    offset = std::clamp(offset, -0.5, 0.5);
    // Bin b holds boundaries at fractional positions [b, b+1) / bins of a period.
    double phase = (best_bin + 0.5 + offset) * bin_width;
    phase -= period * std::floor(phase / period + 0.5);
    if (phase >= period / 2) phase -= period;
    Fold out;
    out.excess = best * total;  // energy captured above chance
    out.phase = phase;
    return out;
  }

 private:
  std::vector<double> histogram_, uniform_, kernel_, smoothed_;
};

GridAxis make_axis(int length, double period, double phase) {
  GridAxis axis;
  axis.period = period;
  axis.phase = phase;
  axis.cells = cells_along(length, period, phase);
  return axis;
}

void check_image(const Image& image) {
  if (image.empty() || image.pixels.size() != size_t(image.width) * image.height)
    throw std::invalid_argument("grid: empty or inconsistent image");
}

}  // namespace

int cells_along(int length, double period, double phase) {
  const double c = (length - phase) / period - 0.5;
  return std::max(1, int(std::ceil(c - 1e-9)));
}

Grid grid_for_period(const Image& image, double period, bool fit_phase) {
  check_image(image);
  if (!(period > 0)) throw std::invalid_argument("grid: period must be > 0");
  Grid grid;
  grid.x = make_axis(image.width, period, 0.0);
  grid.y = make_axis(image.height, period, 0.0);
  if (!fit_phase || period < 2) return grid;
  const Profiles profiles = edge_profiles(image);
  const double total = profiles.total_x + profiles.total_y;
  if (total <= 0) return grid;
  Folder folder;
  const Fold fx = folder.fold(profiles.x, period);
  const Fold fy = folder.fold(profiles.y, period);
  grid.x = make_axis(image.width, period, fx.phase);
  grid.y = make_axis(image.height, period, fy.phase);
  grid.confidence = (fx.excess + fy.excess) / total;
  return grid;
}

Grid grid_for_size(const Image& image, int width, int height, bool fit_phase) {
  check_image(image);
  if (width < 1 || height < 1) throw std::invalid_argument("grid: target size must be >= 1");
  Grid grid;
  grid.x.period = double(image.width) / width;
  grid.y.period = double(image.height) / height;
  grid.x.cells = width;
  grid.y.cells = height;
  if (!fit_phase) return grid;
  const Profiles profiles = edge_profiles(image);
  const double total = profiles.total_x + profiles.total_y;
  if (total <= 0) return grid;
  Folder folder;
  double excess = 0;
  if (grid.x.period >= 2) {
    const Fold fx = folder.fold(profiles.x, grid.x.period);
    grid.x.phase = fx.phase;
    excess += fx.excess;
  }
  if (grid.y.period >= 2) {
    const Fold fy = folder.fold(profiles.y, grid.y.period);
    grid.y.phase = fy.phase;
    excess += fy.excess;
  }
  grid.confidence = excess / total;
  return grid;
}

namespace {

// A grid scores well above the typical period of the same image: on the low-contrast tiles of the
// realistic quality set the true period scores 0.03-0.05, 4-6 times the median over all periods,
// while noise peaks at about twice its median. Either test admits a grid.
constexpr double kPeakOverMedian = 3.5;
constexpr double kMinPeak = 0.02;
// JPEG codes 8x8 blocks (16x16 for subsampled chroma) from the image's origin; their seams are
// edges at multiples of 8 that fold like an art grid of period 8 or 16 at phase 0.
constexpr int kJpegBlock = 8;
constexpr double kSeamAlternative = 0.5;

struct Candidate {
  double period = 0, score = -1, median = 0;
};

bool confident(const Candidate& c) {
  return c.score >= kMinConfidence || (c.score >= kMinPeak && c.score >= kPeakOverMedian * c.median);
}

// The share of the edge energy a grid of `period` captures above chance (best phases).
double grid_score(const Profiles& profiles, double period, Folder& folder) {
  return (folder.fold(profiles.x, period).excess + folder.fold(profiles.y, period).excess) /
         (profiles.total_x + profiles.total_y);
}

// The best period of `profiles` between min and max (see detect_grid), with the median score.
Candidate search_period(const Profiles& profiles, double min_period, double max_period, int longer, Folder& folder) {
  auto score = [&](double period) { return grid_score(profiles, period, folder); };
  // A wrong period drifts off the grid by (cells * error); steps keep that drift under a third
  // of a pixel across the longer side, so the true period is never stepped over.
  const double ratio = 1.0 + 0.3 / longer;
  Candidate best{min_period, -1, 0};
  std::vector<double> scores;
  for (double period = min_period; period <= max_period; period *= ratio) {
    const double s = score(period);
    scores.push_back(s);
    if (s > best.score) best = {period, s, 0};
  }
  const size_t middle = scores.size() / 2;
  std::nth_element(scores.begin(), scores.begin() + long(middle), scores.end());
  const double median = scores.empty() ? 0.0 : scores[middle];
  // Refine between the neighbouring coarse steps.
  const double lo = best.period / ratio, hi = best.period * ratio;
  for (int i = 0; i <= 16; ++i) {
    const double period = lo + (hi - lo) * i / 16.0;
    if (period < min_period || period > max_period) continue;
    const double s = score(period);
    if (s > best.score) best = {period, s, 0};
  }
  // Integer upscales are the common case: prefer the integer when it scores as well.
  const double rounded = std::round(best.period);
  if (std::abs(rounded - best.period) < 0.05 && rounded >= min_period) {
    const double s = score(rounded);
    if (s >= best.score * 0.995) best = {rounded, std::max(s, best.score), 0};
  }
  best.median = median;
  return best;
}

// True when `c` could be JPEG's block seams: period 8 or 16 with grid lines at the origin.
bool jpeg_block_like(const Candidate& c, const Profiles& profiles, Folder& folder) {
  const bool block_period = std::abs(c.period - kJpegBlock) < 0.1 || std::abs(c.period - 2 * kJpegBlock) < 0.1;
  if (!block_period) return false;
  return std::abs(folder.fold(profiles.x, c.period).phase) < 0.75 &&
         std::abs(folder.fold(profiles.y, c.period).phase) < 0.75;
}

// The profiles without their part that repeats every block: each boundary loses the excess of
// its residue class (mod 8) over the mean. Seams blur over neighbouring boundaries, so all of the
// class goes, not just the seam itself; an art grid of another period spreads over every class
// and keeps most of its energy.
Profiles without_block_seams(const Profiles& profiles) {
  Profiles out = profiles;
  for (std::vector<double>* axis : {&out.x, &out.y}) {
    double sum[kJpegBlock] = {}, count[kJpegBlock] = {};
    double all = 0;
    for (size_t i = 1; i < axis->size(); ++i) {
      sum[i % kJpegBlock] += (*axis)[i];
      count[i % kJpegBlock] += 1;
      all += (*axis)[i];
    }
    const double mean = all / double(std::max<size_t>(1, axis->size() - 1));
    for (size_t i = 1; i < axis->size(); ++i) {
      const size_t r = i % kJpegBlock;
      const double excess = count[r] > 0 ? sum[r] / count[r] - mean : 0.0;
      (*axis)[i] = std::max(0.0, (*axis)[i] - excess);
    }
  }
  out.total_x = out.total_y = 0;
  for (double v : out.x) out.total_x += v;
  for (double v : out.y) out.total_y += v;
  return out;
}

}  // namespace

Grid detect_grid(const Image& image, const GridDetectOptions& options) {
  check_image(image);
  Grid identity;
  identity.x = make_axis(image.width, 1.0, 0.0);
  identity.y = make_axis(image.height, 1.0, 0.0);
  const int shorter = std::min(image.width, image.height);
  const int longer = std::max(image.width, image.height);
  const double min_period = std::max(2.0, options.min_period);
  const double max_period = options.max_period > 0 ? options.max_period : shorter / 4.0;
  if (max_period < min_period) return identity;
  Profiles profiles = edge_profiles(image);
  if (profiles.total_x + profiles.total_y <= 0) return identity;

  Folder folder;
  Candidate best = search_period(profiles, min_period, max_period, longer, folder);
  // JPEG's block seams outscore a faint art grid (flat tiles at large factors): when the winner
  // looks like them, ask again without the seams, and take a confident answer that is not them
  // and that the image itself supports (half the winner's score: on a real grid of 8 at the
  // origin, removing it leaves texture periods that score far below it).
  if (jpeg_block_like(best, profiles, folder)) {
    Profiles deblocked = without_block_seams(profiles);
    if (deblocked.total_x + deblocked.total_y > 0) {
      const Candidate other = search_period(deblocked, min_period, max_period, longer, folder);
      if (confident(other) && !jpeg_block_like(other, deblocked, folder) &&
          grid_score(profiles, other.period, folder) >= kSeamAlternative * best.score) {
        best = other;
        profiles = std::move(deblocked);
      }
    }
  }
  if (!confident(best)) {
    identity.confidence = std::max(0.0, best.score);
    return identity;
  }
  Grid grid;
  if (options.fit_phase) {
    const Fold fx = folder.fold(profiles.x, best.period);
    const Fold fy = folder.fold(profiles.y, best.period);
    grid.x = make_axis(image.width, best.period, fx.phase);
    grid.y = make_axis(image.height, best.period, fy.phase);
  } else {
    grid.x = make_axis(image.width, best.period, 0.0);
    grid.y = make_axis(image.height, best.period, 0.0);
  }
  grid.confidence = best.score;
  return grid;
}

}  // namespace dgxpx::pixel
