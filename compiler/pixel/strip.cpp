#include "compiler/pixel/strip.h"

#include <algorithm>

#include "compiler/util/error.h"

namespace dgxpx::pixel {

Image strip_slice(const Image& strip, int index, int count, const std::string& what) {
  if (count < 1 || index < 0 || index >= count)
    throw util::RuntimeFailure(what + ": " + util::expected_got("a slice between 0 and " + std::to_string(count - 1),
                                                                std::to_string(index)));
  if (strip.width % count != 0)
    throw util::RuntimeFailure(what + ": " + util::expected_got("a strip whose width splits into " + std::to_string(count) +
                                                                    " equal frames (set the pixel grid by size or a factor that divides the frame width)",
                                                                std::to_string(strip.width) + " px"));
  const int width = strip.width / count;
  Image slice(width, strip.height);
  for (int y = 0; y < strip.height; ++y) {
    const auto row = strip.pixels.begin() + static_cast<ptrdiff_t>(y) * strip.width + static_cast<ptrdiff_t>(index) * width;
    std::copy(row, row + width, slice.pixels.begin() + static_cast<ptrdiff_t>(y) * width);
  }
  return slice;
}

}  // namespace dgxpx::pixel
