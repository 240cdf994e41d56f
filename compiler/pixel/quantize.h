#pragma once
// Palette mapping: each opaque pixel becomes its nearest palette colour in OKLab (with the Lr
// lightness toe, see color.h), optionally through an ordered (Bayer 8x8) dither; measured colours
// within a few RGB units of an entry take the RGB-nearest one (nearest_measured). Colour-cast
// estimation.
#include <array>
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
  /// For a colour measured with noise (0..255 units, fractions allowed): the entry nearest in RGB
  /// when it lies within kNearRgb units (noise is round in RGB, so that is the likeliest entry;
  /// OKLrab would misplace the boundary between shades a few units apart), else nearest(Rgba).
  int nearest_measured(float r, float g, float b) const;
  /// The entry nearest in RGB to (r, g, b) (ties: the lower index); its squared distance in *d2.
  int nearest_rgb(float r, float g, float b, float* d2) const;
  static constexpr float kNearRgb = 8.0f;
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

/// A colour (0..255 units, fractions allowed) with a weight, e.g. a cell colour before rounding.
struct WeightedColor {
  float r = 0, g = 0, b = 0;
  double weight = 1;
};

/// Estimates the colour cast (a diffusion model's tint, brightness or contrast drift) that maps
/// `colors` onto `palette`. Two starts, each followed by hard refits of gain and offset per channel
/// on the colours that land near an entry (nearest in RGB): the identity, and a global offset
/// search (every colour votes for the offsets that put it on a nearby entry; the strongest peaks
/// are scored), which finds the cast even where shades sit closer together than the cast moves
/// them. The lower truncated error wins. Bounded to gain 1 +- 0.15 and offset +- 24; returns the
/// identity unless at least half the weight is inliers and the fit lowers the truncated RGB
/// matching error. At most 4096 colours are used (larger inputs are sampled evenly).
/// Throws std::invalid_argument for an empty palette. Deterministic.
ColorCast estimate_color_cast(const std::vector<WeightedColor>& colors, const Palette& palette);

/// estimate_color_cast over the opaque pixels of `image`, each of weight 1.
ColorCast estimate_color_cast(const Image& image, const Palette& palette);

/// Where cells of each palette colour land on average, after `cast` is removed, when the image
/// holds the colour under the inverse of `cast` plus Gaussian noise of `sigma` per channel,
/// clipped to 0..255: clipping lifts the mean of a colour near 0 (a black outline under noise
/// of 7 averages about 3) and lowers one near 255. Entries away from the ends do not move; with
/// sigma 0 none do. One RGB triple (0..255 units) per entry.
std::vector<std::array<float, 3>> clipped_means(const Palette& palette, const ColorCast& cast, double sigma);

/// gain * colour + offset per channel, rounded and clamped to a byte; alpha 255.
Rgba cast_color(const ColorCast& cast, float r, float g, float b);

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
