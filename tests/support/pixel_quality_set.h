#pragma once
// The pixel-art quality set: real CC0 32x32 sprites from Debian's crawl-tiles-data, upscaled with
// nearest-neighbour and degraded the way diffusion output is (sub-pixel shift, blur, colour cast,
// noise, JPEG), on a background colour. Pixelizing a case back and comparing with its original
// measures exact-pixel accuracy and grid detection. Two sets: the classic one (x8, mild, a chroma
// key far from the sprite) and the realistic range (realistic_degradation). Shared by the unit
// test (a fixed sample) and bench_pixel_quality (the full set).
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "compiler/pixel/image.h"
#include "compiler/pixel/palette.h"
#include "compiler/pixel/pixelize.h"

namespace dgxpx::testing {

/// $DGXPX_CRAWL_TILES, else /usr/share/crawl/dat/tiles. Throws std::runtime_error (failing the
/// caller, never skipping) when the sheets are missing: `apt-get install crawl-tiles-data`.
std::filesystem::path crawl_tiles_dir();

/// A 32x32 crop of a crawl sheet with alpha binarised at 128.
struct Sprite {
  std::string category;  ///< the sheet: floor, wall, feat, main (items), player (monsters, doll)
  int sheet_x = 0, sheet_y = 0;
  pixel::Image image;
  pixel::Image raw;  ///< the crop as the sheet holds it, partly transparent shadows included
};

/// Every 32x32 cell of the sheets that is at least a quarter opaque and has two or more colours,
/// in sheet order.
std::vector<Sprite> load_crawl_sprites(const std::filesystem::path& dir);

/// `count` sprites picked with a fixed seed (all of them when count >= size), in a stable order.
std::vector<Sprite> sample_sprites(const std::vector<Sprite>& all, size_t count, uint64_t seed);

/// The background the sprite is drawn on: the chroma colour farthest from the sprite's colours
/// (the classic set), or a fixed colour whatever the sprite holds.
enum class Backdrop { chroma, white, black, green, magenta };

/// "chroma", "white", "black", "green", "magenta".
const char* to_name(Backdrop backdrop);

struct Degradation {
  /// Shades of a sprite closer than this (Euclidean RGB) are merged into the more frequent one
  /// before anything else: crawl sprites hold colours 1/255 apart, at or below what an eye tells
  /// apart, and under the noise below no method can (bench_pixel_quality prints the bound: at 0,
  /// noise alone caps any per-cell method at about 95 % exact pixels). 0 keeps every colour.
  double merge_shades = 3.0;
  int factor = 8;               ///< nearest-neighbour upscale
  double max_shift = 0.45;      ///< sub-pixel shift, uniform in +-max_shift art pixels per axis
  double blur_sigma = 0.8;      ///< Gaussian blur, in upscaled pixels
  double gain_jitter = 0.03;    ///< per-channel gain, uniform in 1 +- gain_jitter
  double offset_jitter = 4.0;   ///< per-channel offset, uniform in +- offset_jitter (0..255 units)
  double noise_sigma = 5.0;     ///< per-pixel, per-channel Gaussian noise (0..255 units)
  int jpeg_quality = 0;         ///< JPEG round trip at this quality last; 0 = none
  Backdrop backdrop = Backdrop::chroma;
  /// Partly transparent pixels (crawl's shadows) blended over the backdrop by their alpha, as a
  /// generation shows a shadow, instead of drawn opaque (alpha >= 128) or not at all. The
  /// reference keeps alpha binarised at 128.
  bool blend_partial_alpha = false;
};

/// The realistic range of issue 14, one draw per seed: factor 6..16, shift +-0.45 art pixel,
/// blur sigma uniform in [0.25, 1.1] * factor / 8, noise sigma uniform in [3, 9], gain +-5 %,
/// offset +-6, JPEG at quality 80..92 with probability 1/2, and one of the white, black, green
/// and magenta backdrops.
Degradation realistic_degradation(uint64_t seed);

struct QualityCase {
  Sprite sprite;
  pixel::Image reference;  ///< the sprite after merge_shades: what pixelize should give back
  pixel::Palette palette;  ///< the reference's colours (what a game's palette file would hold)
  Degradation degradation; ///< what made `degraded`
  pixel::Rgba key;         ///< the background colour, given to pixelize as its key
  double key_distance = 0; ///< RGB distance from the key to the nearest palette colour
  double shift_x = 0, shift_y = 0;  ///< applied shift, art pixels
  double gain[3] = {1, 1, 1}, offset[3] = {0, 0, 0};  ///< applied colour cast
  pixel::Image degraded;   ///< opaque, (32 * factor)^2
};

/// Builds the degraded case for `sprite`; `seed` fixes every random draw.
QualityCase make_case(const Sprite& sprite, const Degradation& degradation, uint64_t seed);

enum class GridChoice { given, detected };

/// Options that pixelize a case back: k-centroid, the sprite palette, the key colour, and the
/// case's factor (given) or a detected grid.
pixel::PixelizeOptions case_options(const QualityCase& c, GridChoice grid);

/// Mean Rec. 601 luma of the reference's opaque pixels is below 64: the sprites that a black
/// background and a radius key hurt most.
bool is_dark(const QualityCase& c);

struct Score {
  long exact = 0, total = 0;                ///< all pixels (both transparent counts as exact)
  long opaque_exact = 0, opaque_total = 0;  ///< pixels opaque in the original
  bool size_ok = false;                     ///< output has the original's size
};

/// Compares a pixelized result with the original (sizes must match for pixel counts).
Score score(const pixel::Image& got, const pixel::Image& want);

}  // namespace dgxpx::testing
