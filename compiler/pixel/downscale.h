#pragma once
// Downscaling onto a pixel grid: one output pixel per grid cell.
#include <optional>
#include <string_view>

#include "compiler/pixel/grid.h"
#include "compiler/pixel/image.h"

namespace dgxpx::pixel {

enum class DownscaleMode {
  nearest,     ///< the source pixel at the cell centre
  mode,        ///< the most frequent colour (5 bits a channel) in the cell, averaged exactly
  k_centroid,  ///< per-cell k-means; the mean of the largest cluster
};

struct DownscaleOptions {
  DownscaleMode mode = DownscaleMode::k_centroid;
  int clusters = 2;  ///< k for k_centroid, 1..4
  /// k_centroid: two clusters whose centres are closer than this many times the spread of their
  /// pixels along the line between the centres are one colour plus noise (Gaussian noise split in
  /// two gives about 2.7), not two colours; the cell then takes the mean of both. On a 300-sprite
  /// sample of the crawl quality set 3 gave 99.1 % exact pixels, 4 gave 97.7 % (it merges real
  /// edges).
  double min_separation = 3.0;
  /// k_centroid: two clusters whose centres are closer than this many times image_noise() are
  /// one colour as well (whatever the noise's shape); 0 turns the test off. Gaussian noise split
  /// in two sits about 0.7 image_noise apart.
  double noise_merge = 1.5;
};

/// The image's noise level: the median RGBA distance between horizontally neighbouring pixels
/// (about 2.2 sigma for Gaussian noise of sigma per channel; 0 for clean upscaled art).
double image_noise(const Image& image);

/// "nearest", "mode", "k-centroid" (also "kcentroid", "k_centroid").
std::optional<DownscaleMode> downscale_mode_from_name(std::string_view name);
std::string_view to_name(DownscaleMode mode);

/// One pixel per cell of `grid`. Throws std::invalid_argument for an empty image, a grid with no
/// cells or clusters outside 1..4.
Image downscale(const Image& image, const Grid& grid, const DownscaleOptions& options = {});

}  // namespace dgxpx::pixel
