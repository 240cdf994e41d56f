#pragma once
// A palette learned from a game's own art: the k-means palette (kmeans_palette.h) of the
// opaque pixels of several images taken together, so that generated sprites can share the
// colours of the hand-drawn ones.
#include <filesystem>
#include <vector>

#include "compiler/pixel/palette.h"

namespace dgxpx::pixel {

/// Most opaque pixels learn_palette() reads over all its images (256 MiB of pixels).
inline constexpr size_t kMaxLearnedPixels = size_t(64) << 20;

struct LearnedPalette {
  Palette palette;      // at most the colours asked for, dark to light
  size_t pixels = 0;    // opaque pixels it was learned from
  size_t distinct = 0;  // distinct opaque colours among them
};

/// The `colors`-colour palette of the opaque pixels (alpha >= 128) of the PNG `files`, each
/// pixel weighing the same; deterministic for the same files in the same order. Throws
/// util::InputError naming the file for an unreadable PNG, when no file has an opaque pixel,
/// for more than kMaxLearnedPixels, or for `colors` outside 1..256.
LearnedPalette learn_palette(const std::vector<std::filesystem::path>& files, int colors);

}  // namespace dgxpx::pixel
