#pragma once
// Downscaling onto a pixel grid: one output pixel per grid cell.
#include <optional>
#include <string_view>
#include <vector>

#include "compiler/pixel/grid.h"
#include "compiler/pixel/image.h"

namespace dgxpx::pixel {

enum class DownscaleMode {
  nearest,     ///< the source pixel at the cell centre
  mode,        ///< the most frequent colour (5 bits a channel) in the cell, averaged exactly
  /// per-cell k-means; the mean of the largest cluster. Then, when the image's cells are 3+ pixels
  /// wide, the blur or sub-pixel shift that mixes each cell's border with its neighbours is
  /// measured once for the whole image and undone: a cell's colour is solved from all its pixels
  /// (kept when within 12 units of the cluster mean, so cells with detail keep that).
  k_centroid,
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

/// A cell's colour before rounding (0..255 units per channel): the mean of the pixels chosen,
/// kept exact so the later colour-cast and palette steps round once.
struct CellColor {
  float r = 0, g = 0, b = 0, a = 0;
  /// Rounded to the nearest byte per channel (halves up), clamped to 0..255.
  Rgba rounded() const;
};

/// One CellColor per grid cell, row-major.
struct CellImage {
  int width = 0, height = 0;
  std::vector<CellColor> cells;
  /// k_centroid: the source's noise sigma per channel (image_noise / 2.2), which clipping at 0
  /// and 255 turns into a bias of the cell means; 0 for the other modes.
  double noise_sigma = 0;
  /// Every cell rounded (CellColor::rounded).
  Image rounded() const;
};

/// The image's noise level: the median RGBA distance between horizontally neighbouring pixels
/// (about 2.2 sigma for Gaussian noise of sigma per channel; 0 for clean upscaled art).
double image_noise(const Image& image);

/// "nearest", "mode", "k-centroid" (also "kcentroid", "k_centroid").
std::optional<DownscaleMode> downscale_mode_from_name(std::string_view name);
std::string_view to_name(DownscaleMode mode);

/// One colour per cell of `grid`, unrounded. Throws std::invalid_argument for an empty image, a
/// grid with no cells or clusters outside 1..4.
CellImage downscale_cells(const Image& image, const Grid& grid, const DownscaleOptions& options = {});

/// downscale_cells(...).rounded(): one pixel per cell. Throws as downscale_cells.
Image downscale(const Image& image, const Grid& grid, const DownscaleOptions& options = {});

}  // namespace dgxpx::pixel
