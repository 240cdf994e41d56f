#include "compiler/pixel/shading.h"

#include <cmath>
#include <map>

#include "compiler/pixel/color.h"
#include "compiler/util/error.h"

namespace dgxpx::pixel {

namespace {

// How far apart in OKLab hue/chroma (a, b) two colours may be and still be one ramp.
constexpr float kRampChroma = 0.08f;
// Lightness steps smaller than this are no step at all (near-duplicate palette entries).
constexpr float kMinLightStep = 0.02f;

struct Direction {
  const char* name;
  int dx, dy;  // towards the light
};
constexpr Direction kDirections[] = {{"top-left", -1, -1}, {"top", 0, -1},       {"top-right", 1, -1},
                                     {"left", -1, 0},      {"right", 1, 0},      {"bottom-left", -1, 1},
                                     {"bottom", 0, 1},     {"bottom-right", 1, 1}};

bool opaque(const Image& image, int x, int y) {
  return x >= 0 && y >= 0 && x < image.width && y < image.height && image.at(x, y).a >= 128;
}

// The nearest colour along the ramp in one direction: lighter (sign +1) or darker (-1), closest
// in hue and chroma first, then in lightness.
int ramp_neighbour(const std::vector<Lab>& labs, size_t from, int sign) {
  int best = -1;
  float best_score = 0;
  for (size_t i = 0; i < labs.size(); ++i) {
    const float step = (labs[i].l - labs[from].l) * static_cast<float>(sign);
    const float chroma = std::hypot(labs[i].a - labs[from].a, labs[i].b - labs[from].b);
    if (i == from || step < kMinLightStep || chroma > kRampChroma) continue;
    const float score = chroma * 4 + step;
    if (best < 0 || score < best_score) best = static_cast<int>(i), best_score = score;
  }
  return best;
}

}  // namespace

const std::vector<std::string>& light_direction_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const Direction& d : kDirections) out.push_back(d.name);
    return out;
  }();
  return names;
}

PaletteRamps palette_ramps(const Palette& palette) {
  std::vector<Lab> labs;
  for (const Rgba& c : palette.colors) labs.push_back(to_oklab(c));
  PaletteRamps ramps;
  for (size_t i = 0; i < labs.size(); ++i) {
    ramps.lighter.push_back(ramp_neighbour(labs, i, +1));
    ramps.darker.push_back(ramp_neighbour(labs, i, -1));
  }
  return ramps;
}

Image shade_in_palette(const Image& sprite, const Palette& palette, const ShadeOptions& options) {
  const Direction* light = nullptr;
  for (const Direction& d : kDirections)
    if (options.light == d.name) light = &d;
  if (!light) throw util::InputError(util::expected_got("a light direction (top-left, top, ...)", "'" + options.light + "'"));
  const PaletteRamps ramps = palette_ramps(palette);
  std::map<uint32_t, int> index;  // rgb → palette index
  for (size_t i = 0; i < palette.colors.size(); ++i) {
    const Rgba& c = palette.colors[i];
    index.emplace((uint32_t(c.r) << 16) | (uint32_t(c.g) << 8) | c.b, static_cast<int>(i));
  }
  const float lx = static_cast<float>(light->dx), ly = static_cast<float>(light->dy);
  const float light_length = std::hypot(lx, ly);

  Image shaded = sprite;
  for (int y = 0; y < sprite.height; ++y)
    for (int x = 0; x < sprite.width; ++x) {
      const Rgba c = sprite.at(x, y);
      if (c.a < 128 || (options.keep && c.r == options.keep->r && c.g == options.keep->g && c.b == options.keep->b)) continue;
      auto found = index.find((uint32_t(c.r) << 16) | (uint32_t(c.g) << 8) | c.b);
      if (found == index.end()) continue;
      // The outward normal: towards the empty pixels around it (within two pixels).
      float nx = 0, ny = 0;
      for (int dy = -2; dy <= 2; ++dy)
        for (int dx = -2; dx <= 2; ++dx)
          if ((dx || dy) && !opaque(sprite, x + dx, y + dy)) {
            const float weight = 1.0f / static_cast<float>(dx * dx + dy * dy);
            nx += static_cast<float>(dx) * weight;
            ny += static_cast<float>(dy) * weight;
          }
      // An inner corner: its four sides are shape, a diagonal is not.
      const bool sides = opaque(sprite, x - 1, y) && opaque(sprite, x + 1, y) && opaque(sprite, x, y - 1) && opaque(sprite, x, y + 1);
      const bool diagonal_gap = !opaque(sprite, x - 1, y - 1) || !opaque(sprite, x + 1, y - 1) ||
                                !opaque(sprite, x - 1, y + 1) || !opaque(sprite, x + 1, y + 1);
      int step = 0;
      const float normal_length = std::hypot(nx, ny);
      if (sides && diagonal_gap) {
        step = -1;
      } else if (normal_length > 0) {
        const float facing = (nx * lx + ny * ly) / (normal_length * light_length);
        step = facing > 0.5f ? 1 : facing < -0.5f ? -1 : 0;
      }
      const int to = step > 0 ? ramps.lighter[found->second] : step < 0 ? ramps.darker[found->second] : -1;
      if (to < 0) continue;
      const Rgba& target = palette.colors[static_cast<size_t>(to)];
      shaded.at(x, y) = {target.r, target.g, target.b, c.a};
    }
  return shaded;
}

}  // namespace dgxpx::pixel
