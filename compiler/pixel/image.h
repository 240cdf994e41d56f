#pragma once
// An 8-bit RGBA image: plain data. Algorithms live in their own files and take it.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace dgxpx::pixel {

struct Rgba {
  uint8_t r = 0, g = 0, b = 0, a = 255;
  bool operator==(const Rgba& o) const { return r == o.r && g == o.g && b == o.b && a == o.a; }
  bool operator!=(const Rgba& o) const { return !(*this == o); }
};

struct Image {
  int width = 0;
  int height = 0;
  std::vector<Rgba> pixels;  // row-major, width * height

  Image() = default;
  Image(int w, int h, Rgba fill = {0, 0, 0, 0}) : width(w), height(h), pixels(size_t(w) * h, fill) {}

  Rgba& at(int x, int y) { return pixels[size_t(y) * width + x]; }
  const Rgba& at(int x, int y) const { return pixels[size_t(y) * width + x]; }
  bool empty() const { return width <= 0 || height <= 0; }
};

}  // namespace dgxpx::pixel
