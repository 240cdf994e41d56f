#include "compiler/pixel/color.h"

#include <array>
#include <cmath>

namespace dgxpx::pixel {
namespace {

std::array<float, 256> make_linear_table() {
  std::array<float, 256> table{};
  for (int i = 0; i < 256; ++i) {
    const double c = i / 255.0;
    table[i] = float(c <= 0.04045 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4));
  }
  return table;
}

const std::array<float, 256>& linear_table() {
  static const std::array<float, 256> table = make_linear_table();
  return table;
}

}  // namespace

float srgb_to_linear(uint8_t value) { return linear_table()[value]; }

uint8_t linear_to_srgb(float value) {
  const double c = value <= 0.0f ? 0.0 : value >= 1.0f ? 1.0 : double(value);
  const double s = c <= 0.0031308 ? c * 12.92 : 1.055 * std::pow(c, 1.0 / 2.4) - 0.055;
  const long rounded = std::lround(s * 255.0);
  return uint8_t(rounded < 0 ? 0 : rounded > 255 ? 255 : rounded);
}

Lab to_oklab(Rgba color) {
  const float r = srgb_to_linear(color.r), g = srgb_to_linear(color.g), b = srgb_to_linear(color.b);
  // linear sRGB -> LMS cone response, then cube root, then the Lab basis.
  const float l = std::cbrt(0.4122214708f * r + 0.5363325363f * g + 0.0514459929f * b);
  const float m = std::cbrt(0.2119034982f * r + 0.6806995451f * g + 0.1073969566f * b);
  const float s = std::cbrt(0.0883024619f * r + 0.2817188376f * g + 0.6299787005f * b);
  return Lab{0.2104542553f * l + 0.7936177850f * m - 0.0040720468f * s,
             1.9779984951f * l - 2.4285922050f * m + 0.4505937099f * s,
             0.0259040371f * l + 0.7827717662f * m - 0.8086757660f * s};
}

Rgba from_oklab(const Lab& lab) {
  const float l_ = lab.l + 0.3963377774f * lab.a + 0.2158037573f * lab.b;
  const float m_ = lab.l - 0.1055613458f * lab.a - 0.0638541728f * lab.b;
  const float s_ = lab.l - 0.0894841775f * lab.a - 1.2914855480f * lab.b;
  const float l = l_ * l_ * l_, m = m_ * m_ * m_, s = s_ * s_ * s_;
  return Rgba{linear_to_srgb(4.0767416621f * l - 3.3077115913f * m + 0.2309699292f * s),
              linear_to_srgb(-1.2684380046f * l + 2.6097574011f * m - 0.3413193965f * s),
              linear_to_srgb(-0.0041960863f * l - 0.7034186147f * m + 1.7076147010f * s), 255};
}

namespace {
constexpr float kToeK1 = 0.206f, kToeK2 = 0.03f, kToeK3 = (1.0f + kToeK1) / (1.0f + kToeK2);

float toe(float x) {
  const float t = kToeK3 * x - kToeK1;
  return 0.5f * (t + std::sqrt(t * t + 4.0f * kToeK2 * kToeK3 * x));
}

float toe_inverse(float x) { return (x * x + kToeK1 * x) / (kToeK3 * (x + kToeK2)); }
}  // namespace

Lab to_oklrab(Rgba color) {
  Lab lab = to_oklab(color);
  lab.l = toe(lab.l);
  return lab;
}

Rgba from_oklrab(const Lab& lab) { return from_oklab(Lab{toe_inverse(lab.l), lab.a, lab.b}); }

}  // namespace dgxpx::pixel
