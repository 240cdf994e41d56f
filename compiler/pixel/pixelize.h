#pragma once
// The pixel step: raw generated image -> pixel-grid sprite. Grid (factor, target size or
// detected) -> downscale -> alpha / background -> palette (fixed or k-means, optional dither)
// -> outline. Options are plain data; the same image and options give the same pixels.
#include <optional>
#include <string>

#include "compiler/pixel/downscale.h"
#include "compiler/pixel/grid.h"
#include "compiler/pixel/image.h"
#include "compiler/pixel/palette.h"
#include "compiler/pixel/quantize.h"

namespace dgxpx::pixel {

enum class GridMode { factor, size, detect };

struct GridOptions {
  GridMode mode = GridMode::detect;
  double factor = 1.0;        ///< mode factor: source pixels per art pixel (fractional allowed)
  int width = 0, height = 0;  ///< mode size: the output size in art pixels
  bool fit_phase = true;      ///< align cells to the image's edges (sub-pixel shifts)
};

enum class PaletteSource { none, builtin, file, kmeans };

struct PaletteOptions {
  PaletteSource source = PaletteSource::none;
  std::string name;  ///< builtin: a builtin_palette_names() entry
  std::string file;  ///< file: .hex / .gpl / .pal / .png path
  int colors = 0;    ///< kmeans: N colours, 1..256
  /// Fixed palettes (builtin, file): first remove a global colour cast (per-channel gain and
  /// offset, bounded) that maps the image onto the palette; see estimate_color_cast.
  bool correct_cast = true;
  bool dither = false;          ///< ordered Bayer dither when mapping; off by default
  double dither_strength = 1.0;
};

enum class BackgroundMode { keep, flood, key };

struct BackgroundOptions {
  BackgroundMode mode = BackgroundMode::keep;  ///< keep: alpha as it comes
  /// Euclidean RGB distance (0..442) that still counts as background. In key mode with a fixed
  /// palette a cell is background when, with the cast removed, the key is likelier than every
  /// palette colour and within this distance; otherwise every colour this near is background.
  double tolerance = 48.0;
  Rgba key{255, 0, 255, 255};  ///< mode key: the key colour
};

struct PixelizeOptions {
  GridOptions grid;
  DownscaleOptions downscale;
  PaletteOptions palette;
  BackgroundOptions background;
  int alpha_threshold = 128;  ///< alpha below becomes transparent, above opaque; <= 0 keeps alpha
  std::optional<Rgba> outline;  ///< 1-pixel outline colour (snapped to the palette when one is used)
  bool outline_diagonal = false;
};

/// What pixelize decided, for reports and `explain`.
struct PixelizeResult {
  Image image;
  Grid grid;
  std::optional<Palette> palette;  ///< the palette applied, if any
  ColorCast cast;                  ///< the colour cast removed before mapping (identity if none)
  int background_cleared = 0;      ///< art pixels keyed away as background
};

/// Throws util::InputError ("expected X, got Y") when options are out of range.
void validate(const PixelizeOptions& options);

/// The fixed palette the options name (builtin or file), or nullopt for none / kmeans.
/// Throws util::InputError for an unknown builtin name or a bad palette file.
std::optional<Palette> resolve_fixed_palette(const PaletteOptions& options);

/// Runs the whole stage. `fixed_palette`, when given, is used instead of loading the builtin or
/// file the options name (callers that already loaded and hashed it). Throws util::InputError for
/// an empty image or invalid options.
PixelizeResult pixelize_detailed(const Image& image, const PixelizeOptions& options,
                                 const Palette* fixed_palette = nullptr);

/// pixelize_detailed(...).image.
Image pixelize(const Image& image, const PixelizeOptions& options);

/// The pixelize method's version: bumped when the same options give other pixels, so that keys
/// holding it (canonical_options, the planner's pixel keys) stop matching old results.
inline constexpr const char* kPixelizeMethod = "pixelize.v4";

/// Every option as canonical "name=value;" text, for step keys. A palette file appears by path
/// only: keys must add the file's content digest themselves.
std::string canonical_options(const PixelizeOptions& options);

}  // namespace dgxpx::pixel
