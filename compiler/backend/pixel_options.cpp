#include "compiler/backend/pixel_options.h"

#include <cstdlib>

#include "compiler/util/error.h"

namespace dgxpx::backend {

static pixel::Rgba parse_colour(const std::string& hex, const std::string& what) {
  if (hex.size() != 7 || hex[0] != '#') throw util::InputError(util::expected_got(what + " like #rrggbb", "'" + hex + "'"));
  unsigned long v = std::strtoul(hex.c_str() + 1, nullptr, 16);
  return {uint8_t(v >> 16), uint8_t(v >> 8), uint8_t(v), 255};
}

pixel::PixelizeOptions pixelize_options_from(const PixelSpec& s) {
  pixel::PixelizeOptions o;
  if (s.grid == "size") {
    o.grid.mode = pixel::GridMode::size;
    o.grid.width = s.width;
    o.grid.height = s.height;
  } else if (s.grid == "factor") {
    o.grid.mode = pixel::GridMode::factor;
    o.grid.factor = s.factor;
  } else {
    o.grid.mode = pixel::GridMode::detect;
  }
  auto mode = pixel::downscale_mode_from_name(s.downscale);
  if (!mode) throw util::InputError(util::expected_got("downscale nearest, mode or k-centroid", "'" + s.downscale + "'"));
  o.downscale.mode = *mode;
  if (s.palette_is_file) {
    o.palette.source = pixel::PaletteSource::file;
    o.palette.file = s.palette;
  } else if (!s.palette.empty()) {
    o.palette.source = pixel::PaletteSource::builtin;
    o.palette.name = s.palette;
  } else if (s.colors > 0) {
    o.palette.source = pixel::PaletteSource::kmeans;
    o.palette.colors = s.colors;
  }
  o.palette.dither = s.dither;
  // The manifest's tolerance is a fraction of the largest RGB distance (sqrt(3)·255).
  constexpr double kMaxRgbDistance = 441.67295593;
  if (s.background == "keep") {
    o.background.mode = pixel::BackgroundMode::keep;
  } else if (s.background == "flood") {
    o.background.mode = pixel::BackgroundMode::flood;
    o.background.tolerance = s.tolerance * kMaxRgbDistance;
  } else {
    o.background.mode = pixel::BackgroundMode::key;
    o.background.key = parse_colour(s.background, "a background key colour");
    o.background.tolerance = s.tolerance * kMaxRgbDistance;
  }
  if (s.outline) o.outline = parse_colour(*s.outline, "an outline colour");
  return o;
}

}  // namespace dgxpx::backend
