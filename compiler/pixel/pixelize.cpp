#include "compiler/pixel/pixelize.h"

#include <spdlog/spdlog.h>

#include <cmath>
#include <cstdio>
#include <limits>
#include <unordered_map>
#include <vector>

#include "compiler/pixel/kmeans_palette.h"
#include "compiler/pixel/quantize.h"
#include "compiler/pixel/transparency.h"
#include "compiler/util/error.h"

namespace dgxpx::pixel {
namespace {

using util::expected_got;
using util::InputError;

std::string number(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.17g", value);
  return buffer;
}

Grid resolve_grid(const Image& image, const GridOptions& options) {
  switch (options.mode) {
    case GridMode::factor:
      return grid_for_period(image, options.factor, options.fit_phase);
    case GridMode::size:
      return grid_for_size(image, options.width, options.height, options.fit_phase);
    case GridMode::detect: {
      GridDetectOptions detect;
      detect.fit_phase = options.fit_phase;
      Grid grid = detect_grid(image, detect);
      if (grid.x.period == 1.0)
        spdlog::warn("pixelize: no pixel grid found (confidence {:.3f}); keeping full size",
                     grid.confidence);
      return grid;
    }
  }
  return {};
}

}  // namespace

void validate(const PixelizeOptions& o) {
  if (o.grid.mode == GridMode::factor && !(o.grid.factor > 0 && o.grid.factor <= 1024))
    throw InputError(expected_got("a grid factor in (0, 1024]", number(o.grid.factor)));
  if (o.grid.mode == GridMode::size &&
      (o.grid.width < 1 || o.grid.height < 1 || o.grid.width > 16384 || o.grid.height > 16384))
    throw InputError(expected_got("a target size between 1x1 and 16384x16384",
                                  std::to_string(o.grid.width) + "x" + std::to_string(o.grid.height)));
  if (o.downscale.clusters < 1 || o.downscale.clusters > 4)
    throw InputError(expected_got("k-centroid clusters 1..4", std::to_string(o.downscale.clusters)));
  if (o.palette.source == PaletteSource::kmeans && (o.palette.colors < 1 || o.palette.colors > 256))
    throw InputError(expected_got("a colour count 1..256", std::to_string(o.palette.colors)));
  if (o.palette.source == PaletteSource::builtin && !builtin_palette(o.palette.name)) {
    std::string names;
    for (const auto& n : builtin_palette_names()) names += (names.empty() ? "" : ", ") + n;
    throw InputError(expected_got("a built-in palette (" + names + ")", "'" + o.palette.name + "'"));
  }
  if (o.palette.source == PaletteSource::file && o.palette.file.empty())
    throw InputError(expected_got("a palette file path", "an empty path"));
  if (!(o.palette.dither_strength >= 0 && o.palette.dither_strength <= 4))
    throw InputError(expected_got("a dither strength in [0, 4]", number(o.palette.dither_strength)));
  if (!(o.background.tolerance >= 0 && o.background.tolerance <= 442))
    throw InputError(expected_got("a background tolerance in [0, 442]", number(o.background.tolerance)));
  if (o.alpha_threshold > 255)
    throw InputError(expected_got("an alpha threshold <= 255", std::to_string(o.alpha_threshold)));
}

std::optional<Palette> resolve_fixed_palette(const PaletteOptions& options) {
  switch (options.source) {
    case PaletteSource::builtin: {
      auto palette = builtin_palette(options.name);
      if (!palette) throw InputError(expected_got("a built-in palette name", "'" + options.name + "'"));
      return palette;
    }
    case PaletteSource::file:
      return load_palette_file(options.file);
    case PaletteSource::none:
    case PaletteSource::kmeans:
      return std::nullopt;
  }
  return std::nullopt;
}

// The cell colour with the cast removed, in floating point (0..255 units).
static void uncast(const ColorCast& cast, const CellColor& c, float out[3]) {
  const float rgb[3] = {c.r, c.g, c.b};
  for (int ch = 0; ch < 3; ++ch) out[ch] = std::clamp(float(cast.gain[ch] * rgb[ch] + cast.offset[ch]), 0.0f, 255.0f);
}

// The likeliest palette entry for an unrounded colour with the cast removed: the entry whose
// clipped mean (clipped_means) lies nearest in RGB when one lies within PaletteMatcher::kNearRgb
// (noise is round in RGB; OKLrab would misplace the boundary between shades a few units apart),
// else the OKLrab-nearest entry, remembered per rounded colour (flat areas repeat them).
class MeasuredMatcher {
 public:
  MeasuredMatcher(const Palette& palette, const ColorCast& cast, double sigma)
      : matcher_(palette), means_(clipped_means(palette, cast, sigma)) {}
  int nearest(const float rgb[3]) {
    int best = 0;
    float best_d = std::numeric_limits<float>::max();
    for (size_t i = 0; i < means_.size(); ++i) {
      const float dr = rgb[0] - means_[i][0], dg = rgb[1] - means_[i][1], db = rgb[2] - means_[i][2];
      const float d = dr * dr + dg * dg + db * db;
      if (d < best_d) {
        best_d = d;
        best = int(i);
      }
    }
    if (best_d <= PaletteMatcher::kNearRgb * PaletteMatcher::kNearRgb) return best;
    const Rgba rounded = CellColor{rgb[0], rgb[1], rgb[2], 255.0f}.rounded();
    const uint32_t key = (uint32_t(rounded.r) << 16) | (uint32_t(rounded.g) << 8) | rounded.b;
    auto it = far_memo_.find(key);
    if (it == far_memo_.end()) it = far_memo_.emplace(key, matcher_.nearest(rounded)).first;
    return it->second;
  }
  Rgba color(int index) const { return matcher_.color(index); }

 private:
  PaletteMatcher matcher_;
  std::vector<std::array<float, 3>> means_;
  std::unordered_map<uint32_t, int> far_memo_;
};

// The palette with the background key as entry 0: the key is a colour the image is known to
// hold, so it pins the cast as well as the palette does, and a cell is background when the key
// is its likeliest entry (ties go to the key: a sprite colour equal to it cannot be told apart).
static Palette with_key(const Palette& palette, Rgba key) {
  Palette out = palette;
  key.a = 255;
  out.colors.insert(out.colors.begin(), key);
  return out;
}

// Key mode with a fixed palette: each opaque cell of `art` whose likeliest entry of
// with_key(palette) is the key, with the cast removed and within `tolerance` (RGB) of the key,
// is cleared. Deciding after the cast, between the key and the nearest palette colour, keeps
// dark sprite colours that lie within any fixed radius of a black key. Returns the count cleared.
static int key_cells(const CellImage& cells, const Palette& keyed, const ColorCast& cast, double tolerance, Image& art) {
  MeasuredMatcher matcher(keyed, cast, cells.noise_sigma);
  const Rgba key = keyed.colors.front();
  int cleared = 0;
  for (size_t i = 0; i < art.pixels.size(); ++i) {
    Rgba& p = art.pixels[i];
    if (p.a == 0) continue;
    float moved[3];
    uncast(cast, cells.cells[i], moved);
    if (matcher.nearest(moved) != 0) continue;
    // Measured against the key as the user gave it: clipping moves it by at most a noise sigma.
    const float dr = moved[0] - key.r, dg = moved[1] - key.g, db = moved[2] - key.b;
    if (double(dr * dr + dg * dg + db * db) > tolerance * tolerance) continue;
    p = Rgba{0, 0, 0, 0};
    ++cleared;
  }
  return cleared;
}

// The colours the cast is fitted to: every opaque cell, but with a key decided after the cast
// those within the key's radius in the input are left out (unless nearly all are): a large
// background then cannot pull the cast onto a sprite colour near the key (a white backdrop
// read as the sprite's light grey), while dark cells on a black key are still decided per cell.
static std::vector<WeightedColor> fit_colors(const CellImage& cells, const Image& art, const BackgroundOptions& background,
                                             bool key_after_cast) {
  std::vector<WeightedColor> all, outside;
  const Rgba key = background.key;
  for (size_t i = 0; i < art.pixels.size(); ++i) {
    if (art.pixels[i].a == 0) continue;
    const CellColor& c = cells.cells[i];
    const WeightedColor color{c.r, c.g, c.b, 1.0};
    all.push_back(color);
    const float dr = c.r - key.r, dg = c.g - key.g, db = c.b - key.b;
    if (key_after_cast && double(dr * dr + dg * dg + db * db) > background.tolerance * background.tolerance)
      outside.push_back(color);
  }
  // A sprite mostly within the radius (a dark floor tile on black) is fitted whole.
  return key_after_cast && outside.size() * 8 >= all.size() ? outside : all;
}

// A cell no palette colour explains (none within kBlendFar RGB units, the cast removed) but a
// blend of one colour with the key does (within kBlendNear, and at most kBlendShare of the
// direct distance) is a partly transparent pixel shown over the background, as a generation
// shows a shadow: it becomes that colour when it is at least half opaque, else background.
// Only far from the palette: a dark shade of any colour also lies between it and a black key.
constexpr double kBlendFar = 14.0, kBlendNear = 22.0, kBlendShare = 0.6;

static int unblend_key(const CellImage& cells, const Palette& palette, Rgba key, const ColorCast& cast, Image& art) {
  int cleared = 0;
  for (size_t i = 0; i < art.pixels.size(); ++i) {
    if (cells.cells[i].a < 128) continue;  // transparent in the input: nothing to decide
    float c[3];
    uncast(cast, cells.cells[i], c);
    double direct = 1e300, blend = 1e300, alpha = 0;
    int best = -1;
    for (size_t j = 0; j < palette.colors.size(); ++j) {
      const Rgba& q = palette.colors[j];
      const double p[3] = {double(q.r), double(q.g), double(q.b)}, k[3] = {double(key.r), double(key.g), double(key.b)};
      double d2 = 0, dot = 0, len2 = 0;
      for (int ch = 0; ch < 3; ++ch) {
        d2 += (c[ch] - p[ch]) * (c[ch] - p[ch]);
        dot += (c[ch] - k[ch]) * (p[ch] - k[ch]);
        len2 += (p[ch] - k[ch]) * (p[ch] - k[ch]);
      }
      direct = std::min(direct, d2);
      if (len2 <= 0) continue;
      const double a = std::clamp(dot / len2, 0.0, 1.0);
      double m2 = 0;
      for (int ch = 0; ch < 3; ++ch) {
        const double v = k[ch] + a * (p[ch] - k[ch]) - c[ch];
        m2 += v * v;
      }
      if (m2 < blend) {
        blend = m2;
        alpha = a;
        best = int(j);
      }
    }
    direct = std::sqrt(direct);
    blend = std::sqrt(blend);
    if (best < 0 || direct <= kBlendFar || blend > kBlendNear || blend > kBlendShare * direct) continue;
    Rgba& out = art.pixels[i];
    if (alpha < 0.5) {
      cleared += out.a != 0;
      out = Rgba{0, 0, 0, 0};
    } else {
      out = palette.colors[size_t(best)];
      out.a = 255;
    }
  }
  return cleared;
}

// Each opaque pixel of `art` becomes the likeliest palette entry for its unrounded cell colour,
// the cast removed in floating point first.
static void map_cells_to_palette(const CellImage& cells, const Palette& palette, const ColorCast& cast, Image& art) {
  MeasuredMatcher matcher(palette, cast, cells.noise_sigma);
  for (size_t i = 0; i < art.pixels.size(); ++i) {
    Rgba& p = art.pixels[i];
    if (p.a == 0) continue;
    float moved[3];
    uncast(cast, cells.cells[i], moved);
    const uint8_t alpha = p.a;
    p = matcher.color(matcher.nearest(moved));
    p.a = alpha;
  }
}

PixelizeResult pixelize_detailed(const Image& image, const PixelizeOptions& options,
                                 const Palette* fixed_palette) {
  validate(options);
  if (image.empty() || image.pixels.size() != size_t(image.width) * image.height)
    throw InputError(expected_got("a non-empty image", std::to_string(image.width) + "x" +
                                                           std::to_string(image.height)));
  PixelizeResult result;
  // Load the palette first: a bad palette file fails before any work.
  if (fixed_palette)
    result.palette = *fixed_palette;
  else
    result.palette = resolve_fixed_palette(options.palette);

  result.grid = resolve_grid(image, options.grid);
  // Cell colours stay unrounded until the palette is applied: shades 1-3 units apart do not
  // survive a rounding, a cast and a second rounding.
  const CellImage cells = downscale_cells(image, result.grid, options.downscale);
  Image art = cells.rounded();
  binarize_alpha(art, options.alpha_threshold);
  const bool fixed = result.palette.has_value();
  // With a fixed palette the key is decided per cell after the cast is removed (key_cells);
  // otherwise by its radius in the input, before k-means sees the colours.
  const bool key_after_cast = fixed && options.background.mode == BackgroundMode::key;
  switch (options.background.mode) {
    case BackgroundMode::keep:
      break;
    case BackgroundMode::flood:
      result.background_cleared = flood_background(art, options.background.tolerance);
      break;
    case BackgroundMode::key:
      if (!key_after_cast)
        result.background_cleared = key_background(art, options.background.key, options.background.tolerance);
      break;
  }

  std::vector<WeightedColor> opaque = fit_colors(cells, art, options.background, key_after_cast);
  std::optional<Palette> keyed;
  if (key_after_cast) keyed = with_key(*result.palette, options.background.key);
  if (fixed && options.palette.correct_cast && !opaque.empty()) {
    // Fitted against where the colours land under clipped noise (clipped_means with no cast: the
    // cast is small beside the noise near 0 and 255), so black outlines do not pull the fit.
    Palette landed = keyed ? *keyed : *result.palette;
    const auto means = clipped_means(landed, ColorCast{}, cells.noise_sigma);
    for (size_t i = 0; i < means.size(); ++i)
      landed.colors[i] = CellColor{means[i][0], means[i][1], means[i][2], 255.0f}.rounded();
    result.cast = estimate_color_cast(opaque, landed);
  }
  if (keyed) result.background_cleared = key_cells(cells, *keyed, result.cast, options.background.tolerance, art);
  if (fixed && !options.palette.dither) {
    map_cells_to_palette(cells, *result.palette, result.cast, art);
    if (keyed) result.background_cleared += unblend_key(cells, *result.palette, options.background.key, result.cast, art);
  } else {
    if (fixed) {  // dithering works on bytes: the cast is applied to the cells, rounded once
      for (size_t i = 0; i < art.pixels.size(); ++i) {
        Rgba& p = art.pixels[i];
        if (p.a == 0) continue;
        const uint8_t alpha = p.a;
        p = cast_color(result.cast, cells.cells[i].r, cells.cells[i].g, cells.cells[i].b);
        p.a = alpha;
      }
    }
    if (options.palette.source == PaletteSource::kmeans && !opaque.empty()) {
      KMeansOptions kmeans;
      kmeans.colors = options.palette.colors;
      result.palette = kmeans_palette(art, kmeans);
    }
    if (result.palette) {
      DitherOptions dither;
      dither.enabled = options.palette.dither;
      dither.strength = options.palette.dither_strength;
      apply_palette(art, *result.palette, dither);
    }
  }
  if (options.outline) {
    Rgba color = *options.outline;
    if (result.palette) {
      const PaletteMatcher matcher(*result.palette);
      color = matcher.color(matcher.nearest(color));
    }
    add_outline(art, color, options.outline_diagonal);
  }
  result.image = std::move(art);
  return result;
}

Image pixelize(const Image& image, const PixelizeOptions& options) {
  return pixelize_detailed(image, options).image;
}

std::string canonical_options(const PixelizeOptions& o) {
  std::string out = std::string(kPixelizeMethod) + ";";
  switch (o.grid.mode) {
    case GridMode::factor: out += "grid=factor:" + number(o.grid.factor); break;
    case GridMode::size:
      out += "grid=size:" + std::to_string(o.grid.width) + "x" + std::to_string(o.grid.height);
      break;
    case GridMode::detect: out += "grid=detect"; break;
  }
  out += ";phase=" + std::string(o.grid.fit_phase ? "fit" : "zero");
  out += ";downscale=" + std::string(to_name(o.downscale.mode)) + ":" +
         std::to_string(o.downscale.clusters) + ":" + number(o.downscale.min_separation) + ":" +
         number(o.downscale.noise_merge);
  switch (o.palette.source) {
    case PaletteSource::none: out += ";palette=none"; break;
    case PaletteSource::builtin: out += ";palette=builtin:" + o.palette.name; break;
    case PaletteSource::file:
      out += ";palette=file:" + std::to_string(o.palette.file.size()) + ":" + o.palette.file;
      break;
    case PaletteSource::kmeans: out += ";palette=kmeans:" + std::to_string(o.palette.colors); break;
  }
  out += ";cast=" + std::string(o.palette.correct_cast ? "fit" : "off");
  out += ";dither=" + std::string(o.palette.dither ? "bayer8:" + number(o.palette.dither_strength) : "off");
  switch (o.background.mode) {
    case BackgroundMode::keep: out += ";background=keep"; break;
    case BackgroundMode::flood: out += ";background=flood:" + number(o.background.tolerance); break;
    case BackgroundMode::key:
      out += ";background=key:" + to_hex(o.background.key) + ":" + number(o.background.tolerance);
      break;
  }
  out += ";alpha=" + std::to_string(o.alpha_threshold);
  out += ";outline=" + (o.outline ? to_hex(*o.outline) + (o.outline_diagonal ? ":8" : ":4") : std::string("none"));
  out += ";";
  return out;
}

}  // namespace dgxpx::pixel
