#include "tests/support/pixel_quality_set.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <map>
#include <set>
#include <stdexcept>

#include "compiler/pixel/png_io.h"
#include "tests/support/jpeg_roundtrip.h"

namespace dgxpx::testing {
namespace {

struct Rng {  // splitmix64: identical draws everywhere
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  double uniform() { return double(next() >> 11) * (1.0 / 9007199254740992.0); }
  double symmetric(double amplitude) { return (2 * uniform() - 1) * amplitude; }
  double gaussian() {  // Box-Muller
    const double u1 = 1.0 - uniform(), u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
};

constexpr int kSprite = 32;
const char* const kSheets[] = {"floor", "wall", "feat", "main", "player"};

// Gaussian blur of a float plane, separable, edges clamped.
void blur(std::vector<float>& plane, int w, int h, double sigma) {
  if (sigma <= 0) return;
  const int reach = int(std::ceil(3 * sigma));
  std::vector<float> kernel(size_t(2 * reach + 1));
  double sum = 0;
  for (int k = -reach; k <= reach; ++k) sum += kernel[size_t(k + reach)] = float(std::exp(-0.5 * k * k / (sigma * sigma)));
  for (float& v : kernel) v = float(v / sum);
  std::vector<float> tmp(plane.size());
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      float s = 0;
      for (int k = -reach; k <= reach; ++k)
        s += kernel[size_t(k + reach)] * plane[size_t(y) * w + std::clamp(x + k, 0, w - 1)];
      tmp[size_t(y) * w + x] = s;
    }
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      float s = 0;
      for (int k = -reach; k <= reach; ++k)
        s += kernel[size_t(k + reach)] * tmp[size_t(std::clamp(y + k, 0, h - 1)) * w + x];
      plane[size_t(y) * w + x] = s;
    }
}

// Area weights of the source pixels under [lo, hi) (source units), edge-clamped.
void footprint(double lo, double hi, int* i0, int* i1, double* w0, double* w1) {
  const double split = std::floor(lo) + 1;
  *i0 = std::clamp(int(std::floor(lo)), 0, kSprite - 1);
  if (hi <= split) {
    *i1 = *i0;
    *w0 = 1;
    *w1 = 0;
    return;
  }
  *i1 = std::clamp(int(std::floor(lo)) + 1, 0, kSprite - 1);
  *w0 = (split - lo) / (hi - lo);
  *w1 = 1 - *w0;
}

pixel::Rgba backdrop_color(Backdrop backdrop) {
  switch (backdrop) {
    case Backdrop::white: return {255, 255, 255, 255};
    case Backdrop::black: return {0, 0, 0, 255};
    case Backdrop::green: return {0, 255, 0, 255};
    case Backdrop::magenta:
    case Backdrop::chroma: break;
  }
  return {255, 0, 255, 255};
}

double distance_to_palette(pixel::Rgba k, const pixel::Palette& palette) {
  double nearest = 1e9;
  for (const pixel::Rgba& p : palette.colors)
    nearest = std::min(nearest, std::sqrt(double((k.r - p.r) * (k.r - p.r) + (k.g - p.g) * (k.g - p.g) +
                                                 (k.b - p.b) * (k.b - p.b))));
  return nearest;
}

}  // namespace

const char* to_name(Backdrop backdrop) {
  switch (backdrop) {
    case Backdrop::chroma: return "chroma";
    case Backdrop::white: return "white";
    case Backdrop::black: return "black";
    case Backdrop::green: return "green";
    case Backdrop::magenta: return "magenta";
  }
  return "?";
}

Degradation realistic_degradation(uint64_t seed) {
  Rng rng{seed ^ 0x5eed1455e7ull};
  Degradation d;
  d.factor = 6 + int(rng.next() % 11);
  d.max_shift = 0.45;
  d.blur_sigma = (0.25 + 0.85 * rng.uniform()) * d.factor / 8.0;
  d.noise_sigma = 3 + 6 * rng.uniform();
  d.gain_jitter = 0.05;
  d.offset_jitter = 6;
  d.jpeg_quality = rng.uniform() < 0.5 ? 80 + int(rng.next() % 13) : 0;
  const Backdrop backdrops[] = {Backdrop::white, Backdrop::black, Backdrop::green, Backdrop::magenta};
  d.backdrop = backdrops[rng.next() % 4];
  return d;
}

std::filesystem::path crawl_tiles_dir() {
  const char* env = std::getenv("DGXPX_CRAWL_TILES");
  std::filesystem::path dir = env && *env ? env : "/usr/share/crawl/dat/tiles";
  if (!std::filesystem::exists(dir / "main.png"))
    throw std::runtime_error("crawl tiles not found at " + dir.string() +
                             " (apt-get install crawl-tiles-data, or set DGXPX_CRAWL_TILES)");
  return dir;
}

std::vector<Sprite> load_crawl_sprites(const std::filesystem::path& dir) {
  std::vector<Sprite> out;
  for (const char* sheet_name : kSheets) {
    const pixel::Image sheet = pixel::read_png(dir / (std::string(sheet_name) + ".png"));
    for (int sy = 0; sy + kSprite <= sheet.height; sy += kSprite)
      for (int sx = 0; sx + kSprite <= sheet.width; sx += kSprite) {
        Sprite s{sheet_name, sx, sy, pixel::Image(kSprite, kSprite), pixel::Image(kSprite, kSprite)};
        int opaque = 0;
        std::set<uint32_t> colors;
        for (int y = 0; y < kSprite; ++y)
          for (int x = 0; x < kSprite; ++x) {
            pixel::Rgba p = sheet.at(sx + x, sy + y);
            s.raw.at(x, y) = p;
            if (p.a < 128) {
              p = {0, 0, 0, 0};
            } else {
              p.a = 255;
              ++opaque;
              colors.insert((uint32_t(p.r) << 16) | (uint32_t(p.g) << 8) | p.b);
            }
            s.image.at(x, y) = p;
          }
        if (opaque * 4 >= kSprite * kSprite && colors.size() >= 2) out.push_back(std::move(s));
      }
  }
  return out;
}

std::vector<Sprite> sample_sprites(const std::vector<Sprite>& all, size_t count, uint64_t seed) {
  std::vector<size_t> order(all.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  Rng rng{seed};
  for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[size_t(rng.next() % i)]);
  order.resize(std::min(count, order.size()));
  std::sort(order.begin(), order.end());
  std::vector<Sprite> out;
  for (size_t i : order) out.push_back(all[i]);
  return out;
}

// Greedy shade merge: colours by descending frequency; each joins the first kept colour within
// `threshold`, else is kept.
static pixel::Image merge_shades(const pixel::Image& image, double threshold) {
  if (threshold <= 0) return image;
  std::map<uint32_t, long> counts;
  for (const pixel::Rgba& p : image.pixels)
    if (p.a) ++counts[(uint32_t(p.r) << 16) | (uint32_t(p.g) << 8) | p.b];
  std::vector<std::pair<long, uint32_t>> order;
  for (const auto& [key, n] : counts) order.push_back({-n, key});
  std::sort(order.begin(), order.end());
  std::vector<uint32_t> kept;
  std::map<uint32_t, uint32_t> target;
  auto rgb = [](uint32_t k) { return std::array<int, 3>{int(k >> 16), int((k >> 8) & 255), int(k & 255)}; };
  for (const auto& [neg, key] : order) {
    uint32_t to = key;
    for (uint32_t k : kept) {
      const auto a = rgb(k), b = rgb(key);
      const int d2 = (a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) + (a[2] - b[2]) * (a[2] - b[2]);
      if (d2 < threshold * threshold) {
        to = k;
        break;
      }
    }
    if (to == key) kept.push_back(key);
    target[key] = to;
  }
  pixel::Image out = image;
  for (pixel::Rgba& p : out.pixels)
    if (p.a) {
      const uint32_t t = target[(uint32_t(p.r) << 16) | (uint32_t(p.g) << 8) | p.b];
      p = pixel::Rgba{uint8_t(t >> 16), uint8_t(t >> 8), uint8_t(t), 255};
    }
  return out;
}

QualityCase make_case(const Sprite& sprite, const Degradation& d, uint64_t seed) {
  QualityCase c;
  c.sprite = sprite;
  c.degradation = d;
  c.reference = merge_shades(sprite.image, d.merge_shades);
  c.palette = pixel::palette_from_image(c.reference, sprite.category);
  if (d.backdrop == Backdrop::chroma) {
    // The key a user would pick: the classic chroma colour farthest from every sprite colour.
    const pixel::Rgba candidates[] = {{255, 0, 255, 255}, {0, 255, 0, 255}, {0, 255, 255, 255},
                                      {0, 0, 255, 255},   {255, 255, 0, 255}, {255, 0, 0, 255}};
    c.key_distance = -1;
    for (const pixel::Rgba& k : candidates) {
      const double nearest = distance_to_palette(k, c.palette);
      if (nearest > c.key_distance) {
        c.key_distance = nearest;
        c.key = k;
      }
    }
  } else {
    c.key = backdrop_color(d.backdrop);
    c.key_distance = distance_to_palette(c.key, c.palette);
  }

  Rng rng{seed};
  c.shift_x = rng.symmetric(d.max_shift);
  c.shift_y = rng.symmetric(d.max_shift);
  for (int ch = 0; ch < 3; ++ch) {
    c.gain[ch] = 1 + rng.symmetric(d.gain_jitter);
    c.offset[ch] = rng.symmetric(d.offset_jitter);
  }

  // Nearest-neighbour upscale of the sprite on its key, sampled with a sub-pixel shift (area
  // weights, so a pixel straddling an art-pixel edge mixes the two).
  const int size = kSprite * d.factor;
  std::vector<float> planes[3];
  for (auto& p : planes) p.assign(size_t(size) * size, 0.0f);
  auto composite = [&](int x, int y) {
    const pixel::Rgba p = c.reference.at(x, y);
    const pixel::Rgba raw = sprite.raw.empty() ? p : sprite.raw.at(x, y);
    if (!d.blend_partial_alpha || raw.a == 0 || raw.a == 255) return p.a == 0 ? c.key : p;
    const pixel::Rgba color = p.a ? p : raw;  // the merged shade where the reference has one
    const double a = raw.a / 255.0;
    const auto mix = [&](uint8_t v, uint8_t k) { return uint8_t(std::lround(a * v + (1 - a) * k)); };
    return pixel::Rgba{mix(color.r, c.key.r), mix(color.g, c.key.g), mix(color.b, c.key.b), 255};
  };
  for (int y = 0; y < size; ++y) {
    int y0, y1;
    double wy0, wy1;
    footprint(y / double(d.factor) - c.shift_y, (y + 1) / double(d.factor) - c.shift_y, &y0, &y1, &wy0, &wy1);
    for (int x = 0; x < size; ++x) {
      int x0, x1;
      double wx0, wx1;
      footprint(x / double(d.factor) - c.shift_x, (x + 1) / double(d.factor) - c.shift_x, &x0, &x1, &wx0, &wx1);
      const pixel::Rgba p00 = composite(x0, y0), p10 = composite(x1, y0), p01 = composite(x0, y1),
                        p11 = composite(x1, y1);
      const size_t i = size_t(y) * size + x;
      planes[0][i] = float(wy0 * (wx0 * p00.r + wx1 * p10.r) + wy1 * (wx0 * p01.r + wx1 * p11.r));
      planes[1][i] = float(wy0 * (wx0 * p00.g + wx1 * p10.g) + wy1 * (wx0 * p01.g + wx1 * p11.g));
      planes[2][i] = float(wy0 * (wx0 * p00.b + wx1 * p10.b) + wy1 * (wx0 * p01.b + wx1 * p11.b));
    }
  }
  for (auto& p : planes) blur(p, size, size, d.blur_sigma);
  c.degraded = pixel::Image(size, size);
  for (size_t i = 0; i < c.degraded.pixels.size(); ++i) {
    uint8_t v[3];
    for (int ch = 0; ch < 3; ++ch) {
      const double value = planes[ch][i] * c.gain[ch] + c.offset[ch] + d.noise_sigma * rng.gaussian();
      v[ch] = uint8_t(std::clamp(std::lround(value), 0l, 255l));
    }
    c.degraded.pixels[i] = pixel::Rgba{v[0], v[1], v[2], 255};
  }
  if (d.jpeg_quality > 0) c.degraded = jpeg_roundtrip(c.degraded, d.jpeg_quality);
  return c;
}

bool is_dark(const QualityCase& c) {
  double luma = 0;
  long n = 0;
  for (const pixel::Rgba& p : c.reference.pixels)
    if (p.a) {
      luma += 0.299 * p.r + 0.587 * p.g + 0.114 * p.b;
      ++n;
    }
  return n > 0 && luma < 64.0 * double(n);
}

pixel::PixelizeOptions case_options(const QualityCase& c, GridChoice grid) {
  pixel::PixelizeOptions o;
  if (grid == GridChoice::given) {
    o.grid.mode = pixel::GridMode::factor;
    o.grid.factor = c.degradation.factor;
  } else {
    o.grid.mode = pixel::GridMode::detect;
  }
  o.downscale.mode = pixel::DownscaleMode::k_centroid;
  o.background.mode = pixel::BackgroundMode::key;
  o.background.key = c.key;
  // Tolerance as a user would set it: generous, but short of the nearest sprite colour.
  o.background.tolerance = std::clamp(c.key_distance / 2, 16.0, 64.0);
  return o;
}

Score score(const pixel::Image& got, const pixel::Image& want) {
  Score s;
  s.size_ok = got.width == want.width && got.height == want.height;
  s.total = long(want.pixels.size());
  for (const pixel::Rgba& p : want.pixels) s.opaque_total += p.a != 0;
  if (!s.size_ok) return s;
  for (size_t i = 0; i < want.pixels.size(); ++i) {
    const pixel::Rgba g = got.pixels[i], w = want.pixels[i];
    const bool same = (g.a == 0 && w.a == 0) || (g.a != 0 && w.a != 0 && g.r == w.r && g.g == w.g && g.b == w.b);
    s.exact += same;
    if (w.a != 0) s.opaque_exact += same;
  }
  return s;
}

}  // namespace dgxpx::testing
