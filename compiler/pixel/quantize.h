#pragma once
// Palette mapping: each opaque pixel becomes its nearest palette colour in OKLab (with the Lr
// lightness toe, see color.h), optionally
// through an ordered (Bayer 8x8) dither.
#include <vector>

#include "compiler/pixel/color.h"
#include "compiler/pixel/image.h"
#include "compiler/pixel/palette.h"

namespace dgxpx::pixel {

/// Nearest-colour lookup over a fixed palette, in OKLrab. Ties go to the lower index.
class PaletteMatcher {
 public:
  /// Throws std::invalid_argument for an empty palette.
  explicit PaletteMatcher(const Palette& palette);

  int nearest(const Lab& lab) const;
  int nearest(Rgba color) const { return nearest(to_oklrab(color)); }
  Rgba color(int index) const { return colors_[size_t(index)]; }
  const Lab& lab(int index) const { return labs_[size_t(index)]; }
  size_t size() const { return colors_.size(); }

  /// Mean distance in OKLrab from each colour to its nearest other colour (0 for one colour):
  /// the step an ordered dither has to bridge.
  float mean_spacing() const;

 private:
  std::vector<Rgba> colors_;
  std::vector<Lab> labs_;
};

/// A global per-channel colour correction: out = gain * in + offset (0..255 units).
struct ColorCast {
  double gain[3] = {1, 1, 1};
  double offset[3] = {0, 0, 0};
  bool identity() const;
};

/// Estimates the colour cast (a diffusion model's tint, brightness or contrast drift) that maps
/// the opaque pixels onto `palette`: alternately assigns each colour to its nearest palette entry
/// and refits gain/offset on the colours that land close (inliers). Bounded to gain 1 +- 0.15 and
/// offset +- 24; returns the identity unless at least half the pixels are inliers and the fit
/// lowers the (truncated) matching error.
ColorCast estimate_color_cast(const Image& image, const Palette& palette);

/// Applies a cast to every opaque pixel (rounded, clamped).
void apply_color_cast(Image& image, const ColorCast& cast);

struct DitherOptions {
  bool enabled = false;  ///< ordered Bayer dithering; off by default
  double strength = 1.0; ///< scales the threshold spread (1 = the palette's mean spacing)
};

/// The 8x8 Bayer threshold at (x, y), in (-0.5, 0.5).
double bayer_threshold(int x, int y);

/// Replaces every pixel with alpha > 0 by its nearest palette colour (alpha kept); transparent
/// pixels are left alone. Deterministic.
void apply_palette(Image& image, const Palette& palette, const DitherOptions& dither = {});

}  // namespace dgxpx::pixel
