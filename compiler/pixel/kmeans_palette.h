#pragma once
// A palette of N colours learned from an image: weighted k-means in OKLab (Lr toe, see color.h) with k-means++ seeding
// driven by a fixed-seed generator, so the same image always gives the same palette.
#include <cstdint>

#include "compiler/pixel/image.h"
#include "compiler/pixel/palette.h"

namespace dgxpx::pixel {

struct KMeansOptions {
  int colors = 16;                           ///< N, 1..256
  int max_iterations = 40;                   ///< Lloyd iterations (stops early on convergence)
  uint64_t seed = 0x9e3779b97f4a7c15ull;     ///< seeding is deterministic for a given seed
};

/// The N colours that best summarise the opaque pixels (alpha >= 128) of `image`, ordered dark to
/// light. Images with at most N distinct colours give exactly those colours. Throws
/// std::invalid_argument when colors is outside 1..256 or no pixel is opaque.
Palette kmeans_palette(const Image& image, const KMeansOptions& options);

}  // namespace dgxpx::pixel
