#include "compiler/pixel/quantize.h"

#include <algorithm>
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

constexpr double kCastInlier = 24.0;  // RGB distance within which a colour "is" a palette entry
constexpr double kMaxGain = 0.15, kMaxOffset = 24.0;

struct Weighted {
  double rgb[3];
  double weight;
};

Rgba cast_color(const double rgb[3], const ColorCast& cast) {
  uint8_t v[3];
  for (int c = 0; c < 3; ++c)
    v[c] = uint8_t(std::lround(std::clamp(cast.gain[c] * rgb[c] + cast.offset[c], 0.0, 255.0)));
  return Rgba{v[0], v[1], v[2], 255};
}

struct Fit {
  double cost = 0, inlier_weight = 0;
};

// Truncated squared error of matching every colour under `cast`; fills `targets` with the
// matched palette colour of inliers (nullptr entries for outliers).
Fit evaluate(const std::vector<Weighted>& colors, const PaletteMatcher& matcher, const ColorCast& cast,
             std::vector<const Rgba*>* targets, const std::vector<Rgba>& palette) {
  Fit fit;
  targets->assign(colors.size(), nullptr);
  for (size_t i = 0; i < colors.size(); ++i) {
    const Rgba moved = cast_color(colors[i].rgb, cast);
    const int index = matcher.nearest(moved);
    const double d2 = rgb_distance2(moved, palette[size_t(index)]);
    fit.cost += colors[i].weight * std::min(d2, kCastInlier * kCastInlier);
    if (d2 < kCastInlier * kCastInlier) {
      fit.inlier_weight += colors[i].weight;
      (*targets)[i] = &palette[size_t(index)];
    }
  }
  return fit;
}

}  // namespace

ColorCast estimate_color_cast(const Image& image, const Palette& palette) {
  const PaletteMatcher matcher(palette);
  std::unordered_map<uint32_t, double> counts;
  for (const Rgba& p : image.pixels)
    if (p.a != 0) counts[(uint32_t(p.r) << 16) | (uint32_t(p.g) << 8) | p.b] += 1;
  std::vector<uint32_t> keys;
  for (const auto& entry : counts) keys.push_back(entry.first);
  std::sort(keys.begin(), keys.end());  // fixed order: sums do not depend on hashing
  std::vector<Weighted> colors;
  double total = 0;
  for (uint32_t k : keys) {
    colors.push_back({{double(k >> 16), double((k >> 8) & 255), double(k & 255)}, counts[k]});
    total += counts[k];
  }
  ColorCast best;
  if (colors.empty()) return best;
  std::vector<const Rgba*> targets;
  Fit best_fit = evaluate(colors, matcher, best, &targets, palette.colors);
  for (int iteration = 0; iteration < 8; ++iteration) {
    if (best_fit.inlier_weight * 2 < total) break;
    ColorCast next;
    for (int c = 0; c < 3; ++c) {
      double w = 0, mx = 0, my = 0;
      for (size_t i = 0; i < colors.size(); ++i)
        if (targets[i]) {
          const double y = c == 0 ? targets[i]->r : c == 1 ? targets[i]->g : targets[i]->b;
          w += colors[i].weight;
          mx += colors[i].weight * colors[i].rgb[c];
          my += colors[i].weight * y;
        }
      mx /= w;
      my /= w;
      double sxx = 0, sxy = 0;
      for (size_t i = 0; i < colors.size(); ++i)
        if (targets[i]) {
          const double y = c == 0 ? targets[i]->r : c == 1 ? targets[i]->g : targets[i]->b;
          sxx += colors[i].weight * (colors[i].rgb[c] - mx) * (colors[i].rgb[c] - mx);
          sxy += colors[i].weight * (colors[i].rgb[c] - mx) * (y - my);
        }
      // A channel with hardly any spread only says something about the offset.
      const double gain = sxx > 25.0 * w ? sxy / sxx : 1.0;
      next.gain[c] = std::clamp(gain, 1 - kMaxGain, 1 + kMaxGain);
      next.offset[c] = std::clamp(my - next.gain[c] * mx, -kMaxOffset, kMaxOffset);
    }
    std::vector<const Rgba*> next_targets;
    const Fit fit = evaluate(colors, matcher, next, &next_targets, palette.colors);
    if (!(fit.cost < best_fit.cost)) break;
    best = next;
    best_fit = fit;
    targets = std::move(next_targets);
  }
  return best;
}

void apply_color_cast(Image& image, const ColorCast& cast) {
  if (cast.identity()) return;
  for (Rgba& p : image.pixels) {
    if (p.a == 0) continue;
    const double rgb[3] = {double(p.r), double(p.g), double(p.b)};
    const uint8_t alpha = p.a;
    p = cast_color(rgb, cast);
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
