// bench_pixelize_speed: time pixelize() on a 1024x1024 image down to 128x128 with k-centroid and a
// 32-colour palette, on one thread. Prints milliseconds per image (median of the runs).
// Usage: bench_pixelize_speed [--runs N]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <functional>
#include <vector>

#include "compiler/pixel/grid.h"
#include "compiler/pixel/pixelize.h"
#include "compiler/pixel/png_io.h"
#include "tests/support/pixel_quality_set.h"

using namespace dgxpx;

namespace {

struct Rng {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
};

// 128x128 art: a block of crawl sprites (16 of them) on a magenta key, or random blocks when the
// sheets are missing; upscaled x8 with per-pixel noise so no two source pixels repeat exactly.
pixel::Image make_input(const char** source) {
  pixel::Image art(128, 128, {255, 0, 255, 255});
  try {
    const auto sprites = testing::load_crawl_sprites(testing::crawl_tiles_dir());
    const auto sample = testing::sample_sprites(sprites, 16, 11);
    for (size_t i = 0; i < sample.size(); ++i)
      for (int y = 0; y < 32; ++y)
        for (int x = 0; x < 32; ++x) {
          const pixel::Rgba p = sample[i].image.at(x, y);
          if (p.a) art.at(int(i % 4) * 32 + x, int(i / 4) * 32 + y) = p;
        }
    *source = "crawl-tiles sprites";
  } catch (const std::exception&) {
    Rng rng{7};
    for (int y = 0; y < 128; y += 2)
      for (int x = 0; x < 128; x += 2) {
        const uint64_t v = rng.next();
        const pixel::Rgba p{uint8_t(v), uint8_t(v >> 8), uint8_t(v >> 16), 255};
        art.at(x, y) = art.at(x + 1, y) = art.at(x, y + 1) = art.at(x + 1, y + 1) = p;
      }
    *source = "procedural blocks (crawl-tiles-data missing)";
  }
  pixel::Image big(1024, 1024);
  Rng rng{42};
  for (int y = 0; y < 1024; ++y)
    for (int x = 0; x < 1024; ++x) {
      const pixel::Rgba p = art.at(x / 8, y / 8);
      const uint64_t r = rng.next();
      auto jitter = [&](uint8_t v, int shift) {
        return uint8_t(std::clamp(int(v) + int((r >> shift) % 11) - 5, 0, 255));
      };
      big.at(x, y) = pixel::Rgba{jitter(p.r, 0), jitter(p.g, 8), jitter(p.b, 16), 255};
    }
  return big;
}

double cpu_ms() {
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

// Median over runs of the thread's CPU time (what one core spends; immune to other processes
// queueing on a shared machine), and of wall time for comparison.
struct Timing {
  double cpu_ms, wall_ms;
};

Timing median_ms(int runs, const std::function<void()>& body) {
  body();  // warm-up
  std::vector<double> cpu, wall;
  for (int i = 0; i < runs; ++i) {
    const auto start = std::chrono::steady_clock::now();
    const double cpu_start = cpu_ms();
    body();
    cpu.push_back(cpu_ms() - cpu_start);
    wall.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(cpu.begin(), cpu.end());
  std::sort(wall.begin(), wall.end());
  return {cpu[cpu.size() / 2], wall[wall.size() / 2]};
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 21;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--runs") && i + 1 < argc) {
      runs = std::max(1, std::atoi(argv[++i]));
    } else {
      std::fprintf(stderr, "usage: bench_pixelize_speed [--runs N]\n");
      return 2;
    }
  }
  const char* source = "";
  const pixel::Image input = make_input(&source);
  std::printf("input: 1024x1024 from %s, x8 with noise; single thread; median of %d runs\n", source, runs);

  pixel::PixelizeOptions base;
  base.grid.mode = pixel::GridMode::factor;
  base.grid.factor = 8;
  base.downscale.mode = pixel::DownscaleMode::k_centroid;

  auto run = [&](const char* label, const pixel::PixelizeOptions& options) {
    pixel::Image out;
    const Timing t = median_ms(runs, [&] { out = pixel::pixelize(input, options); });
    std::printf("%-44s %8.2f ms/image cpu  %8.2f ms wall  (-> %dx%d)\n", label, t.cpu_ms, t.wall_ms,
                out.width, out.height);
    return t;
  };
  pixel::PixelizeOptions db32 = base;
  db32.palette.source = pixel::PaletteSource::builtin;
  db32.palette.name = "db32";
  const Timing headline = run("k-centroid, db32 palette (32 colours)", db32);
  pixel::PixelizeOptions kmeans = base;
  kmeans.palette.source = pixel::PaletteSource::kmeans;
  kmeans.palette.colors = 32;
  run("k-centroid, k-means palette (32 colours)", kmeans);
  pixel::PixelizeOptions size = db32;
  size.grid.mode = pixel::GridMode::size;
  size.grid.width = size.grid.height = 128;
  run("k-centroid, db32, --size 128x128", size);
  pixel::PixelizeOptions nearest = db32;
  nearest.downscale.mode = pixel::DownscaleMode::nearest;
  run("nearest, db32", nearest);
  pixel::PixelizeOptions mode = db32;
  mode.downscale.mode = pixel::DownscaleMode::mode;
  run("mode, db32", mode);
  pixel::PixelizeOptions detect = db32;
  detect.grid.mode = pixel::GridMode::detect;
  run("k-centroid, db32, grid detected", detect);
  const std::string png = pixel::encode_png(input);
  const Timing decode = median_ms(std::max(3, runs / 4), [&] { pixel::decode_png(png, "input"); });
  std::printf("%-44s %8.2f ms/image cpu  %8.2f ms wall\n", "(decode_png of the 1024x1024 input)",
              decode.cpu_ms, decode.wall_ms);
  std::printf("\npixelize 1024x1024 -> 128x128, k-centroid, 32-colour palette: %.2f ms/image "
              "(one core's CPU time; %.2f ms wall) (target <= 15 ms)\n",
              headline.cpu_ms, headline.wall_ms);
  return 0;
}
