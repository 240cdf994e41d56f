#include "compiler/pixel/kmeans_palette.h"

#include <algorithm>
#include <limits>
#include <stdexcept>

#include "compiler/pixel/color.h"

namespace dgxpx::pixel {
namespace {

// splitmix64: a tiny generator whose output is fixed by its definition (std::*_distribution is
// not, across standard libraries).
struct SplitMix64 {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  double uniform() { return double(next() >> 11) * (1.0 / 9007199254740992.0); }  // [0, 1)
};

struct WeightedColor {
  uint32_t key;  // 0xRRGGBB
  double weight;
  Lab lab;
};

Rgba from_key(uint32_t key) { return Rgba{uint8_t(key >> 16), uint8_t(key >> 8), uint8_t(key), 255}; }

bool darker_first(const Rgba& x, const Rgba& y) {
  const Lab lx = to_oklrab(x), ly = to_oklrab(y);
  if (lx.l != ly.l) return lx.l < ly.l;
  const uint32_t kx = (uint32_t(x.r) << 16) | (uint32_t(x.g) << 8) | x.b;
  const uint32_t ky = (uint32_t(y.r) << 16) | (uint32_t(y.g) << 8) | y.b;
  return kx < ky;
}

}  // namespace

Palette kmeans_palette(const Image& image, const KMeansOptions& options) {
  if (options.colors < 1 || options.colors > 256)
    throw std::invalid_argument("kmeans_palette: colors must be 1..256");
  // Histogram of distinct opaque colours, in key order (deterministic).
  std::vector<uint32_t> keys;
  keys.reserve(image.pixels.size());
  for (const Rgba& p : image.pixels)
    if (p.a >= 128) keys.push_back((uint32_t(p.r) << 16) | (uint32_t(p.g) << 8) | p.b);
  if (keys.empty()) throw std::invalid_argument("kmeans_palette: no opaque pixels");
  std::sort(keys.begin(), keys.end());
  std::vector<WeightedColor> points;
  for (size_t i = 0; i < keys.size();) {
    size_t j = i;
    while (j < keys.size() && keys[j] == keys[i]) ++j;
    points.push_back({keys[i], double(j - i), to_oklrab(from_key(keys[i]))});
    i = j;
  }

  Palette palette;
  palette.name = "kmeans" + std::to_string(options.colors);
  const size_t k = size_t(options.colors);
  if (points.size() <= k) {
    for (const auto& p : points) palette.colors.push_back(from_key(p.key));
    std::sort(palette.colors.begin(), palette.colors.end(), darker_first);
    return palette;
  }

  // k-means++ seeding: the heaviest colour first, then D^2-weighted draws.
  SplitMix64 rng{options.seed};
  std::vector<Lab> centers;
  centers.reserve(k);
  size_t heaviest = 0;
  for (size_t i = 1; i < points.size(); ++i)
    if (points[i].weight > points[heaviest].weight) heaviest = i;
  centers.push_back(points[heaviest].lab);
  std::vector<double> nearest_d2(points.size());
  for (size_t i = 0; i < points.size(); ++i) nearest_d2[i] = distance2(points[i].lab, centers[0]);
  while (centers.size() < k) {
    double total = 0;
    for (size_t i = 0; i < points.size(); ++i) total += points[i].weight * nearest_d2[i];
    size_t pick = 0;
    if (total <= 0) break;  // fewer distinct colours than k in effect
    double target = rng.uniform() * total;
    for (pick = 0; pick + 1 < points.size(); ++pick) {
      target -= points[pick].weight * nearest_d2[pick];
      if (target < 0) break;
    }
    centers.push_back(points[pick].lab);
    for (size_t i = 0; i < points.size(); ++i)
      nearest_d2[i] = std::min(nearest_d2[i], double(distance2(points[i].lab, centers.back())));
  }

  // Lloyd iterations with weighted means; an empty cluster takes the worst-served colour.
  std::vector<int> assignment(points.size(), -1);
  for (int iteration = 0; iteration < options.max_iterations; ++iteration) {
    bool changed = false;
    std::vector<double> error(points.size());
    for (size_t i = 0; i < points.size(); ++i) {
      int best = 0;
      float best_d = std::numeric_limits<float>::max();
      for (size_t c = 0; c < centers.size(); ++c) {
        const float d = distance2(points[i].lab, centers[c]);
        if (d < best_d) {
          best_d = d;
          best = int(c);
        }
      }
      error[i] = points[i].weight * best_d;
      if (assignment[i] != best) {
        assignment[i] = best;
        changed = true;
      }
    }
    if (!changed) break;
    std::vector<double> sum_l(centers.size()), sum_a(centers.size()), sum_b(centers.size()),
        sum_w(centers.size());
    for (size_t i = 0; i < points.size(); ++i) {
      const size_t c = size_t(assignment[i]);
      const double w = points[i].weight;
      sum_l[c] += w * points[i].lab.l;
      sum_a[c] += w * points[i].lab.a;
      sum_b[c] += w * points[i].lab.b;
      sum_w[c] += w;
    }
    for (size_t c = 0; c < centers.size(); ++c) {
      if (sum_w[c] > 0) {
        centers[c] = Lab{float(sum_l[c] / sum_w[c]), float(sum_a[c] / sum_w[c]),
                         float(sum_b[c] / sum_w[c])};
        continue;
      }
      const size_t worst = size_t(std::max_element(error.begin(), error.end()) - error.begin());
      centers[c] = points[worst].lab;
      error[worst] = 0;
    }
  }

  for (const Lab& c : centers) {
    const Rgba color = from_oklrab(c);
    if (std::find(palette.colors.begin(), palette.colors.end(), color) == palette.colors.end())
      palette.colors.push_back(color);
  }
  std::sort(palette.colors.begin(), palette.colors.end(), darker_first);
  return palette;
}

}  // namespace dgxpx::pixel
