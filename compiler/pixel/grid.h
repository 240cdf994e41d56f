#pragma once
// The pixel grid of upscaled pixel art: how many source pixels make one art pixel (the period,
// possibly fractional) and where the grid lines fall (the phase). Detection folds the image's
// edge energy at candidate periods; an art grid piles its edges onto a few phases.
#include "compiler/pixel/image.h"

namespace dgxpx::pixel {

/// One axis of a grid. Cell k covers source coordinates [phase + k*period, phase + (k+1)*period);
/// a source pixel belongs to the cell that holds its centre.
struct GridAxis {
  double period = 1.0;  ///< source pixels per art pixel, > 0
  double phase = 0.0;   ///< a grid line's position, in [-period/2, period/2)
  int cells = 0;        ///< art pixels along this axis
};

struct Grid {
  GridAxis x, y;
  /// How strongly the image's edges sit on this grid: 0 = no better than chance, 1 = every
  /// edge on a grid line. Only detection and phase fitting fill it in.
  double confidence = 0.0;
};

struct GridDetectOptions {
  double min_period = 2.0;  ///< smallest art pixel considered
  double max_period = 0.0;  ///< largest; 0 = a quarter of the shorter side (at least 4 cells)
  bool fit_phase = true;    ///< false: grid lines at 0, as for exact integer upscales
};

/// The grid for a fixed period (a factor such as 8 or 8.25); the phase is fitted to the image's
/// edges when fit_phase. Throws std::invalid_argument for period <= 0 or an empty image.
Grid grid_for_period(const Image& image, double period, bool fit_phase = true);

/// The grid that yields exactly width x height cells (period = image size / cells per axis);
/// the phase is fitted when fit_phase. Throws std::invalid_argument for sizes < 1.
Grid grid_for_size(const Image& image, int width, int height, bool fit_phase = true);

/// Detects square art pixels: the period (shared by both axes, fractional allowed) and each
/// axis's phase. An image without a grid returns period 1 (identity) with low confidence.
Grid detect_grid(const Image& image, const GridDetectOptions& options = {});

/// Number of cells whose centre lies inside [0, length) for the given period and phase.
int cells_along(int length, double period, double phase);

}  // namespace dgxpx::pixel
