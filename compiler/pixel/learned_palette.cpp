#include "compiler/pixel/learned_palette.h"

#include <string>

#include "compiler/pixel/kmeans_palette.h"
#include "compiler/pixel/png_io.h"
#include "compiler/util/error.h"

namespace dgxpx::pixel {

LearnedPalette learn_palette(const std::vector<std::filesystem::path>& files, int colors) {
  if (colors < 1 || colors > 256)
    throw util::InputError(util::expected_got("a palette of 1 to 256 colours", std::to_string(colors)));
  // kmeans_palette reads only the pixels, so all images' opaque pixels make one row.
  Image art;
  art.height = 1;
  for (const auto& file : files) {
    const Image image = read_png(file);
    for (const Rgba& p : image.pixels) {
      if (p.a < 128) continue;
      if (art.pixels.size() == kMaxLearnedPixels)
        throw util::InputError(util::SourceLocation{file.string()},
                               "too much art to learn a palette from: expected at most " +
                                   std::to_string(kMaxLearnedPixels) + " opaque pixels in all");
      art.pixels.push_back(p);
    }
  }
  if (art.pixels.empty())
    throw util::InputError(util::expected_got("art with opaque pixels to learn a palette from",
                                              files.empty() ? "no image" : "only transparent pixels"));
  art.width = static_cast<int>(art.pixels.size());

  LearnedPalette learned;
  learned.pixels = art.pixels.size();
  std::vector<bool> seen(size_t(1) << 24);  // one bit per RGB colour: no second sort of the pixels
  for (const Rgba& p : art.pixels) {
    const uint32_t rgb = (uint32_t(p.r) << 16) | (uint32_t(p.g) << 8) | p.b;
    learned.distinct += !seen[rgb];
    seen[rgb] = true;
  }
  KMeansOptions options;
  options.colors = colors;
  learned.palette = kmeans_palette(art, options);
  return learned;
}

}  // namespace dgxpx::pixel
