#include "compiler/pixel/quantize.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <unordered_map>

namespace dgxpx::pixel {

PaletteMatcher::PaletteMatcher(const Palette& palette) : colors_(palette.colors) {
  if (colors_.empty()) throw std::invalid_argument("PaletteMatcher: empty palette");
  labs_.reserve(colors_.size());
  for (const Rgba& c : colors_) labs_.push_back(to_oklrab(c));
}

int PaletteMatcher::nearest(const Lab& lab) const {
  int best = 0;
  float best_d = std::numeric_limits<float>::max();
  for (size_t i = 0; i < labs_.size(); ++i) {
    const float d = distance2(lab, labs_[i]);
    if (d < best_d) {
      best_d = d;
      best = int(i);
    }
  }
  return best;
}

int PaletteMatcher::nearest_rgb(float r, float g, float b, float* d2) const {
  int best = 0;
  float best_d = std::numeric_limits<float>::max();
  for (size_t i = 0; i < colors_.size(); ++i) {
    const float dr = r - colors_[i].r, dg = g - colors_[i].g, db = b - colors_[i].b;
    const float d = dr * dr + dg * dg + db * db;
    if (d < best_d) {
      best_d = d;
      best = int(i);
    }
  }
  *d2 = best_d;
  return best;
}

int PaletteMatcher::nearest_measured(float r, float g, float b) const {
  float d2 = 0;
  const int best = nearest_rgb(r, g, b, &d2);
  if (d2 <= kNearRgb * kNearRgb) return best;
  auto byte = [](float v) { return uint8_t(std::clamp(std::floor(v + 0.5f), 0.0f, 255.0f)); };
  return nearest(Rgba{byte(r), byte(g), byte(b), 255});
}

float PaletteMatcher::mean_spacing() const {
  if (labs_.size() < 2) return 0.0f;
  double sum = 0;
  for (size_t i = 0; i < labs_.size(); ++i) {
    float best = std::numeric_limits<float>::max();
    for (size_t j = 0; j < labs_.size(); ++j)
      if (j != i) best = std::min(best, distance2(labs_[i], labs_[j]));
    sum += std::sqrt(double(best));
  }
  return float(sum / double(labs_.size()));
}

bool ColorCast::identity() const {
  for (int c = 0; c < 3; ++c)
    if (gain[c] != 1 || offset[c] != 0) return false;
  return true;
}

namespace {

constexpr double kCastInlier = 12.0;  // RGB distance within which a colour "is" a palette entry
constexpr double kMaxGain = 0.15, kMaxOffset = 24.0;
// Colours closer than this (RGB units) are one bin: the cast is fitted to the bins' weighted means.
constexpr float kBinSize = 1.0f;

struct Bin {
  double rgb[3];
  double weight;
};

double cast_channel(const ColorCast& cast, int c, double v) { return cast.gain[c] * v + cast.offset[c]; }

int nearest_rgb(const std::vector<Rgba>& palette, const double rgb[3], double* distance2) {
  int best = 0;
  double best_d = std::numeric_limits<double>::max();
  for (size_t i = 0; i < palette.size(); ++i) {
    const double dr = rgb[0] - palette[i].r, dg = rgb[1] - palette[i].g, db = rgb[2] - palette[i].b;
    const double d = dr * dr + dg * dg + db * db;
    if (d < best_d) {
      best_d = d;
      best = int(i);
    }
  }
  *distance2 = best_d;
  return best;
}

// Per-channel weighted least squares of y on x, from the sums over (weighted) pairs.
struct ChannelSums {
  double w = 0, x = 0, y = 0, xx = 0, xy = 0;
};

ColorCast solve(const ChannelSums sums[3]) {
  ColorCast cast;
  for (int c = 0; c < 3; ++c) {
    const ChannelSums& s = sums[c];
    if (!(s.w > 0)) return ColorCast{};
    const double mx = s.x / s.w, my = s.y / s.w;
    const double sxx = s.xx - s.w * mx * mx, sxy = s.xy - s.w * mx * my;
    // A channel with hardly any spread only says something about the offset.
    const double gain = sxx > 25.0 * s.w ? sxy / sxx : 1.0;
    cast.gain[c] = std::clamp(gain, 1 - kMaxGain, 1 + kMaxGain);
    cast.offset[c] = std::clamp(my - cast.gain[c] * mx, -kMaxOffset, kMaxOffset);
  }
  return cast;
}

struct Fit {
  double cost = 0, inlier_weight = 0;
};

// Truncated squared RGB error of matching every colour to its nearest entry under `cast`; with
// `sums`, also accumulates the hard inlier pairs for a refit.
Fit evaluate(const std::vector<Bin>& bins, const std::vector<Rgba>& palette, const ColorCast& cast,
             ChannelSums* sums = nullptr) {
  Fit fit;
  for (const Bin& bin : bins) {
    double moved[3];
    for (int c = 0; c < 3; ++c) moved[c] = std::clamp(cast_channel(cast, c, bin.rgb[c]), 0.0, 255.0);
    double d2 = 0;
    const Rgba target = palette[size_t(nearest_rgb(palette, moved, &d2))];
    fit.cost += bin.weight * std::min(d2, kCastInlier * kCastInlier);
    if (d2 >= kCastInlier * kCastInlier) continue;
    fit.inlier_weight += bin.weight;
    if (!sums) continue;
    const double y[3] = {double(target.r), double(target.g), double(target.b)};
    for (int c = 0; c < 3; ++c) {
      ChannelSums& s = sums[c];
      s.w += bin.weight;
      s.x += bin.weight * bin.rgb[c];
      s.y += bin.weight * y[c];
      s.xx += bin.weight * bin.rgb[c] * bin.rgb[c];
      s.xy += bin.weight * bin.rgb[c] * y[c];
    }
  }
  return fit;
}

// A cast is global: this many colours pin it down; larger images are sampled (every k-th).
constexpr size_t kCastSamples = 4096;

// Colours into kBinSize bins (weighted means kept exact), in a fixed order.
std::vector<Bin> bin_colors(const std::vector<WeightedColor>& colors) {
  std::vector<std::pair<uint32_t, size_t>> keyed;
  const size_t stride = std::max<size_t>(1, (colors.size() + kCastSamples - 1) / kCastSamples);
  keyed.reserve(colors.size() / stride + 1);
  for (size_t i = 0; i < colors.size(); i += stride) {
    const WeightedColor& c = colors[i];
    if (!(c.weight > 0)) continue;
    auto q = [](float v) { return uint32_t(std::clamp(std::lround(v * (1.0f / kBinSize)), 0l, 255l)); };
    keyed.push_back({(q(c.r) << 16) | (q(c.g) << 8) | q(c.b), i});
  }
  std::sort(keyed.begin(), keyed.end());
  std::vector<Bin> bins;
  for (size_t i = 0; i < keyed.size();) {
    Bin bin{{0, 0, 0}, 0};
    size_t j = i;
    for (; j < keyed.size() && keyed[j].first == keyed[i].first; ++j) {
      const WeightedColor& c = colors[keyed[j].second];
      bin.rgb[0] += c.weight * c.r;
      bin.rgb[1] += c.weight * c.g;
      bin.rgb[2] += c.weight * c.b;
      bin.weight += c.weight;
    }
    for (double& v : bin.rgb) v /= bin.weight;
    bins.push_back(bin);
    i = j;
  }
  return bins;
}

// A global search for the offset (gain 1): with shades a few units apart (a ramp) the local fits
// lock onto the wrong step, while the whole set of colours fits only one offset well (a shifted
// ramp leaves its ends unmatched). Every colour votes for the offsets that would put it on a
// nearby palette entry (a 3-D histogram); the strongest peaks are then scored exactly.
constexpr int kSearchReach = 12;         // offsets searched per channel, RGB units
constexpr double kSearchTruncate = 4.0;  // per-colour error cap when scoring a peak
constexpr int kSearchPeaks = 16;         // histogram peaks scored exactly
// A small pull toward no cast, so equally good offsets resolve to the smallest one.
constexpr double kSearchPrior = 0.01;

ColorCast search_offset(const std::vector<Bin>& bins, const std::vector<Rgba>& palette) {
  constexpr int side = 2 * kSearchReach + 1;
  // Per colour, the offsets to palette entries within reach (a cube of kSearchReach + the cap).
  const double reach = kSearchReach + kSearchTruncate;
  std::vector<std::vector<std::array<float, 3>>> near(bins.size());
  std::vector<float> votes(size_t(side) * side * side, 0.0f);
  double total = 0;
  for (size_t k = 0; k < bins.size(); ++k) {
    const Bin& bin = bins[k];
    total += bin.weight;
    for (const Rgba& p : palette) {
      const double d[3] = {p.r - bin.rgb[0], p.g - bin.rgb[1], p.b - bin.rgb[2]};
      if (std::abs(d[0]) > reach || std::abs(d[1]) > reach || std::abs(d[2]) > reach) continue;
      near[k].push_back({float(d[0]), float(d[1]), float(d[2])});
      // The vote goes to the nearest histogram cell.
      int at[3];
      bool inside = true;
      for (int c = 0; c < 3; ++c) {
        at[c] = int(std::lround(d[c])) + kSearchReach;
        inside = inside && at[c] >= 0 && at[c] < side;
      }
      if (inside) votes[(size_t(at[0]) * side + size_t(at[1])) * side + size_t(at[2])] += float(bin.weight);
    }
  }
  // Box-smoothed (3x3x3) vote totals; the peaks are the largest, in a fixed order.
  std::vector<std::pair<float, int>> peaks;
  for (int i = 0; i < side; ++i)
    for (int j = 0; j < side; ++j)
      for (int k = 0; k < side; ++k) {
        float sum = 0;
        for (int a = std::max(0, i - 1); a <= std::min(side - 1, i + 1); ++a)
          for (int b = std::max(0, j - 1); b <= std::min(side - 1, j + 1); ++b)
            for (int c = std::max(0, k - 1); c <= std::min(side - 1, k + 1); ++c)
              sum += votes[(size_t(a) * side + size_t(b)) * side + size_t(c)];
        if (sum > 0) peaks.push_back({-sum, (i * side + j) * side + k});
      }
  const size_t keep = std::min(peaks.size(), size_t(kSearchPeaks));
  std::partial_sort(peaks.begin(), peaks.begin() + long(keep), peaks.end());
  peaks.resize(keep);

  const float cap = float(kSearchTruncate * kSearchTruncate);
  auto cost = [&](const double o[3]) {
    double sum = 0;
    for (size_t k = 0; k < bins.size(); ++k) {
      float best = cap;
      for (const auto& d : near[k]) {
        const float e0 = d[0] - float(o[0]), e1 = d[1] - float(o[1]), e2 = d[2] - float(o[2]);
        best = std::min(best, e0 * e0 + e1 * e1 + e2 * e2);
      }
      sum += bins[k].weight * best;
    }
    return sum / total + kSearchPrior * (o[0] * o[0] + o[1] * o[1] + o[2] * o[2]);
  };
  double best[3] = {0, 0, 0};
  double best_cost = cost(best);
  for (const auto& peak : peaks) {
    const double o[3] = {double(peak.second / (side * side) - kSearchReach),
                         double(peak.second / side % side - kSearchReach), double(peak.second % side - kSearchReach)};
    const double c = cost(o);
    if (c < best_cost) {
      best_cost = c;
      std::copy(o, o + 3, best);
    }
  }
  // Polish around the best peak in half units.
  const double centre[3] = {best[0], best[1], best[2]};
  for (int i = -1; i <= 1; ++i)
    for (int j = -1; j <= 1; ++j)
      for (int k = -1; k <= 1; ++k) {
        const double o[3] = {centre[0] + 0.5 * i, centre[1] + 0.5 * j, centre[2] + 0.5 * k};
        const double c = cost(o);
        if (c < best_cost) {
          best_cost = c;
          std::copy(o, o + 3, best);
        }
      }
  ColorCast cast;
  for (int c = 0; c < 3; ++c) cast.offset[c] = best[c];
  return cast;
}

// Hard refits on the inliers from `start` while they lower the truncated error.
ColorCast refine(const std::vector<Bin>& bins, const std::vector<Rgba>& palette, ColorCast cast, Fit* out) {
  ChannelSums sums[3];
  Fit fit = evaluate(bins, palette, cast, sums);
  for (int iteration = 0; iteration < 4; ++iteration) {
    const ColorCast next = solve(sums);
    ChannelSums next_sums[3];
    const Fit next_fit = evaluate(bins, palette, next, next_sums);
    if (!(next_fit.cost < fit.cost)) break;
    cast = next;
    fit = next_fit;
    std::copy(next_sums, next_sums + 3, sums);
  }
  *out = fit;
  return cast;
}

}  // namespace

ColorCast estimate_color_cast(const std::vector<WeightedColor>& colors, const Palette& palette) {
  if (palette.colors.empty()) throw std::invalid_argument("estimate_color_cast: empty palette");
  const std::vector<Bin> bins = bin_colors(colors);
  ColorCast identity;
  if (bins.empty()) return identity;
  double total = 0;
  for (const Bin& bin : bins) total += bin.weight;
  const std::vector<Rgba>& entries = palette.colors;
  const Fit identity_fit = evaluate(bins, entries, identity);

  // Hard refits (gain and offset per channel) on the inliers from two starts, the identity and a
  // global offset search; the lower truncated error wins (ties: the identity's).
  Fit fit, searched_fit;
  ColorCast cast = refine(bins, entries, identity, &fit);
  const ColorCast searched = refine(bins, entries, search_offset(bins, entries), &searched_fit);
  if (searched_fit.cost < fit.cost) {
    cast = searched;
    fit = searched_fit;
  }
  if (fit.inlier_weight * 2 < total || !(fit.cost < identity_fit.cost)) return identity;
  return cast;
}

ColorCast estimate_color_cast(const Image& image, const Palette& palette) {
  std::vector<WeightedColor> colors;
  colors.reserve(image.pixels.size());
  for (const Rgba& p : image.pixels)
    if (p.a != 0) colors.push_back({float(p.r), float(p.g), float(p.b), 1.0});
  return estimate_color_cast(colors, palette);
}

namespace {

// E[max(0, Y)] for Y ~ N(mu, sigma^2), sigma > 0.
double positive_part_mean(double mu, double sigma) {
  const double z = mu / sigma;
  const double pdf = 0.3989422804014327 * std::exp(-0.5 * z * z);
  const double cdf = 0.5 * std::erfc(-z * 0.7071067811865476);
  return mu * cdf + sigma * pdf;
}

}  // namespace

std::vector<std::array<float, 3>> clipped_means(const Palette& palette, const ColorCast& cast, double sigma) {
  std::vector<std::array<float, 3>> out;
  out.reserve(palette.colors.size());
  for (const Rgba& p : palette.colors) {
    const double rgb[3] = {double(p.r), double(p.g), double(p.b)};
    std::array<float, 3> mean{};
    for (int c = 0; c < 3; ++c) {
      double value = rgb[c];
      if (sigma > 0 && cast.gain[c] > 0) {
        // The colour as the image holds it, its clipped mean there, and back through the cast.
        const double held = (rgb[c] - cast.offset[c]) / cast.gain[c];
        const double clipped = positive_part_mean(held, sigma) - positive_part_mean(held - 255.0, sigma);
        value = cast.gain[c] * clipped + cast.offset[c];
      }
      mean[size_t(c)] = float(value);
    }
    out.push_back(mean);
  }
  return out;
}

Rgba cast_color(const ColorCast& cast, float r, float g, float b) {
  const double rgb[3] = {r, g, b};
  uint8_t v[3];
  for (int c = 0; c < 3; ++c)
    v[c] = uint8_t(std::lround(std::clamp(cast.gain[c] * rgb[c] + cast.offset[c], 0.0, 255.0)));
  return Rgba{v[0], v[1], v[2], 255};
}

void apply_color_cast(Image& image, const ColorCast& cast) {
  if (cast.identity()) return;
  for (Rgba& p : image.pixels) {
    if (p.a == 0) continue;
    const uint8_t alpha = p.a;
    p = cast_color(cast, p.r, p.g, p.b);
    p.a = alpha;
  }
}

double bayer_threshold(int x, int y) {
  // Recursive Bayer construction: interleave the bits of (x ^ y) and y, most significant last.
  const int xx = x & 7, yy = y & 7;
  int value = 0;
  for (int bit = 0; bit < 3; ++bit) {
    const int xb = (xx >> bit) & 1, yb = (yy >> bit) & 1;
    value |= ((xb ^ yb) << (2 * (2 - bit) + 1)) | (yb << (2 * (2 - bit)));
  }
  return (value + 0.5) / 64.0 - 0.5;
}

void apply_palette(Image& image, const Palette& palette, const DitherOptions& dither) {
  const PaletteMatcher matcher(palette);
  if (!dither.enabled) {
    // Sprites repeat colours a lot: remember each distinct colour's match.
    std::unordered_map<uint32_t, int> memo;
    for (Rgba& p : image.pixels) {
      if (p.a == 0) continue;
      const uint32_t key = (uint32_t(p.r) << 16) | (uint32_t(p.g) << 8) | p.b;
      auto it = memo.find(key);
      if (it == memo.end()) it = memo.emplace(key, matcher.nearest(p)).first;
      const uint8_t alpha = p.a;
      p = matcher.color(it->second);
      p.a = alpha;
    }
    return;
  }
  // Ordered dither moves lightness by up to half the palette's typical step either way, so
  // in-between tones become a fixed pattern of their two neighbours.
  const float spread = float(dither.strength) * matcher.mean_spacing();
  for (int y = 0; y < image.height; ++y)
    for (int x = 0; x < image.width; ++x) {
      Rgba& p = image.at(x, y);
      if (p.a == 0) continue;
      Lab lab = to_oklrab(p);
      lab.l += float(bayer_threshold(x, y)) * spread;
      const uint8_t alpha = p.a;
      p = matcher.color(matcher.nearest(lab));
      p.a = alpha;
    }
}

}  // namespace dgxpx::pixel
