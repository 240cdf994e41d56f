#pragma once
// Colour spaces: sRGB bytes <-> OKLab (Björn Ottosson, https://bottosson.github.io/posts/oklab/).
// OKLab is where palette matching and k-means happen: Euclidean distance there tracks perceived
// difference far better than in sRGB.
#include <cstdint>

#include "compiler/pixel/image.h"

namespace dgxpx::pixel {

/// A colour in OKLab: L in [0, 1], a and b roughly in [-0.4, 0.4].
struct Lab {
  float l = 0, a = 0, b = 0;
};

/// sRGB byte (gamma-encoded) -> linear light in [0, 1]; exact table lookup.
float srgb_to_linear(uint8_t value);

/// Linear light -> sRGB byte, rounded to nearest and clamped.
uint8_t linear_to_srgb(float value);

/// sRGB (alpha ignored) -> OKLab.
Lab to_oklab(Rgba color);

/// OKLab -> sRGB, clamped into the gamut; alpha is set to 255.
Rgba from_oklab(const Lab& lab);

/// OKLab with the lightness "toe" from Ottosson's Okhsv/Okhsl post (L -> Lr): plain OKLab's cube
/// root spreads near-black shades far apart ((2,2,2) is nearer (2,10,10) than (0,0,0) in it);
/// Lr restores CIELAB-like spacing there. This is the space palettes are matched and learned in.
Lab to_oklrab(Rgba color);

/// Inverse of to_oklrab, clamped into the gamut; alpha is set to 255.
Rgba from_oklrab(const Lab& lab);

/// Squared Euclidean distance in OKLab (or OKLrab).
inline float distance2(const Lab& x, const Lab& y) {
  const float dl = x.l - y.l, da = x.a - y.a, db = x.b - y.b;
  return dl * dl + da * da + db * db;
}

/// Squared Euclidean distance of the RGB channels in byte units (alpha ignored).
inline int rgb_distance2(Rgba x, Rgba y) {
  const int dr = int(x.r) - y.r, dg = int(x.g) - y.g, db = int(x.b) - y.b;
  return dr * dr + dg * dg + db * db;
}

}  // namespace dgxpx::pixel
