#pragma once
// Edge unmixing, the last pass of k-centroid. A blur or a sub-pixel shift mixes each cell's
// border pixels with its neighbours: a pixel at depth d from a side holds a fraction w[side][d]
// of that neighbour's colour. The fractions are the same all over the image (one blur, one
// grid), so they are measured once from cells whose neighbour is clearly different, and each
// cell's colour is then solved from all its pixels: pixel = a * own + sum_s w_s * neighbour_s
// with a = 1 - sum_s w_s, least squares over the cell. That uses every pixel (the noise of a
// full-cell mean) without the edge bias a plain mean has.
#include <vector>

#include "compiler/pixel/downscale.h"
#include "compiler/pixel/image.h"

namespace dgxpx::pixel {

/// The source pixels [begin, end) of one grid cell along an axis.
struct CellSpan {
  int begin = 0, end = 0;
};

/// Re-solves every cell of `cells` (k-centroid's colours for `image` on the grid whose cells
/// span `xs` × `ys`) under the image's measured edge mixing, keeping a cell's colour where the
/// solution lies far from it (detail inside the cell, a wrong grid). Does nothing on grids
/// whose cells are too narrow to measure.
void unmix_edges(const Image& image, const std::vector<CellSpan>& xs, const std::vector<CellSpan>& ys,
                 CellImage& cells);

}  // namespace dgxpx::pixel
