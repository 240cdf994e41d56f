#include "compiler/pixel/transparency.h"

#include <algorithm>
#include <array>
#include <map>
#include <vector>

#include "compiler/pixel/color.h"

namespace dgxpx::pixel {
namespace {

constexpr Rgba kClear{0, 0, 0, 0};

bool within(Rgba p, Rgba reference, double tolerance) {
  return double(rgb_distance2(p, reference)) <= tolerance * tolerance;
}

}  // namespace

void binarize_alpha(Image& image, int threshold) {
  if (threshold <= 0) return;
  for (Rgba& p : image.pixels) {
    if (p.a < threshold)
      p = kClear;
    else
      p.a = 255;
  }
}

bool border_background(const Image& image, Rgba* background) {
  // Bucket -> (count, exact sums); std::map keeps tie-breaking independent of hashing.
  std::map<int, std::pair<long, std::array<long, 3>>> buckets;
  auto visit = [&](int x, int y) {
    const Rgba& p = image.at(x, y);
    if (p.a == 0) return;
    auto& [count, sum] = buckets[((p.r >> 3) << 10) | ((p.g >> 3) << 5) | (p.b >> 3)];
    ++count;
    sum[0] += p.r;
    sum[1] += p.g;
    sum[2] += p.b;
  };
  for (int x = 0; x < image.width; ++x) {
    visit(x, 0);
    if (image.height > 1) visit(x, image.height - 1);
  }
  for (int y = 1; y + 1 < image.height; ++y) {
    visit(0, y);
    if (image.width > 1) visit(image.width - 1, y);
  }
  if (buckets.empty()) return false;
  auto best = buckets.begin();
  for (auto it = buckets.begin(); it != buckets.end(); ++it)
    if (it->second.first > best->second.first) best = it;
  const long n = best->second.first;
  const auto& sum = best->second.second;
  *background = Rgba{uint8_t((sum[0] * 2 + n) / (2 * n)), uint8_t((sum[1] * 2 + n) / (2 * n)),
                     uint8_t((sum[2] * 2 + n) / (2 * n)), 255};
  return true;
}

int flood_background(Image& image, double tolerance) {
  Rgba background;
  if (!border_background(image, &background)) return 0;
  const int w = image.width, h = image.height;
  std::vector<char> seen(size_t(w) * h, 0);
  std::vector<int> stack;
  auto push = [&](int x, int y) {
    const size_t i = size_t(y) * w + x;
    if (seen[i]) return;
    seen[i] = 1;
    const Rgba& p = image.pixels[i];
    if (p.a != 0 && within(p, background, tolerance)) stack.push_back(int(i));
  };
  for (int x = 0; x < w; ++x) {
    push(x, 0);
    push(x, h - 1);
  }
  for (int y = 0; y < h; ++y) {
    push(0, y);
    push(w - 1, y);
  }
  int cleared = 0;
  while (!stack.empty()) {
    const int i = stack.back();
    stack.pop_back();
    image.pixels[size_t(i)] = kClear;
    ++cleared;
    const int x = i % w, y = i / w;
    if (x > 0) push(x - 1, y);
    if (x + 1 < w) push(x + 1, y);
    if (y > 0) push(x, y - 1);
    if (y + 1 < h) push(x, y + 1);
  }
  return cleared;
}

int key_background(Image& image, Rgba key, double tolerance) {
  int cleared = 0;
  for (Rgba& p : image.pixels)
    if (p.a != 0 && within(p, key, tolerance)) {
      p = kClear;
      ++cleared;
    }
  return cleared;
}

int add_outline(Image& image, Rgba color, bool diagonal) {
  color.a = 255;
  const int w = image.width, h = image.height;
  const Image before = image;  // decide from the sprite alone, not from outline just painted
  int painted = 0;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      if (before.at(x, y).a != 0) continue;
      bool touches = false;
      for (int dy = -1; dy <= 1 && !touches; ++dy)
        for (int dx = -1; dx <= 1 && !touches; ++dx) {
          if ((dx == 0 && dy == 0) || (!diagonal && dx != 0 && dy != 0)) continue;
          const int nx = x + dx, ny = y + dy;
          touches = nx >= 0 && ny >= 0 && nx < w && ny < h && before.at(nx, ny).a != 0;
        }
      if (touches) {
        image.at(x, y) = color;
        ++painted;
      }
    }
  return painted;
}

}  // namespace dgxpx::pixel
