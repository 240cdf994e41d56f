// The whole pixel stage: options, determinism, errors.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "compiler/pixel/pixelize.h"
#include "compiler/pixel/png_io.h"
#include "compiler/util/error.h"

using namespace dgxpx;
using namespace dgxpx::pixel;

namespace {

// 12x10 sprite in 4 pico-8 colours on transparency, upscaled x6 onto a magenta key with a
// 2-pixel shift and light noise.
Image sprite() {
  const Palette pico = *builtin_palette("pico-8");
  Image art(12, 10, {0, 0, 0, 0});
  for (int y = 2; y < 9; ++y)
    for (int x = 3; x < 10; ++x) art.at(x, y) = pico.colors[size_t((x + 2 * y) % 4 + 8)];
  return art;
}

Image degraded(const Image& art, int factor, int shift, uint64_t seed) {
  Image big(art.width * factor, art.height * factor);
  uint64_t s = seed;
  for (int y = 0; y < big.height; ++y)
    for (int x = 0; x < big.width; ++x) {
      const int ax = std::clamp((x - shift) / factor, 0, art.width - 1);
      const int ay = std::clamp((y - shift) / factor, 0, art.height - 1);
      Rgba p = art.at(ax, ay);
      if (p.a == 0) p = {255, 0, 255, 255};
      s = s * 6364136223846793005ull + 1442695040888963407ull;
      const int n = int((s >> 40) % 9) - 4;
      big.at(x, y) = Rgba{uint8_t(std::clamp(p.r + n, 0, 255)), uint8_t(std::clamp(p.g - n, 0, 255)),
                          uint8_t(std::clamp(p.b + n, 0, 255)), 255};
    }
  return big;
}

PixelizeOptions sprite_options() {
  PixelizeOptions o;
  o.grid.mode = GridMode::factor;
  o.grid.factor = 6;
  o.palette.source = PaletteSource::builtin;
  o.palette.name = "pico-8";
  o.background.mode = BackgroundMode::key;
  o.background.key = {255, 0, 255, 255};
  return o;
}

}  // namespace

TEST_CASE("pixelize recovers a shifted, noisy upscale exactly", "[pixel][pixelize]") {
  const Image art = sprite();
  const Image input = degraded(art, 6, 2, 1);
  REQUIRE(pixelize(input, sprite_options()).pixels == art.pixels);
  PixelizeOptions detect = sprite_options();
  detect.grid.mode = GridMode::detect;
  const PixelizeResult result = pixelize_detailed(input, detect);
  REQUIRE(result.grid.x.period == Approx(6).margin(0.05));
  REQUIRE(result.image.pixels == art.pixels);
  REQUIRE(result.background_cleared == 120 - 49);
  PixelizeOptions size = sprite_options();
  size.grid.mode = GridMode::size;
  size.grid.width = 12;
  size.grid.height = 10;
  REQUIRE(pixelize(input, size).pixels == art.pixels);
  PixelizeOptions flood = sprite_options();
  flood.background.mode = BackgroundMode::flood;
  REQUIRE(pixelize(input, flood).pixels == art.pixels);
}

TEST_CASE("pixelize output is byte-identical across runs", "[pixel][pixelize]") {
  const Image input = degraded(sprite(), 6, 1, 2);
  PixelizeOptions o = sprite_options();
  o.palette.source = PaletteSource::kmeans;
  o.palette.colors = 5;
  o.palette.dither = true;
  o.outline = Rgba{0, 0, 0, 255};
  const std::string first = encode_png(pixelize(input, o));
  const std::string second = encode_png(pixelize(input, o));
  REQUIRE(first == second);
}

TEST_CASE("outline colour snaps to the palette", "[pixel][pixelize]") {
  PixelizeOptions o = sprite_options();
  o.outline = Rgba{10, 10, 10, 255};  // nearest pico-8 entry: black
  const Image out = pixelize(degraded(sprite(), 6, 0, 3), o);
  REQUIRE(out.at(2, 2) == Rgba{0, 0, 0, 255});
  REQUIRE(out.at(3, 1) == Rgba{0, 0, 0, 255});
  REQUIRE(out.at(0, 0).a == 0);
}

TEST_CASE("canonical options name every field", "[pixel][pixelize]") {
  const PixelizeOptions base = sprite_options();
  const std::string text = canonical_options(base);
  REQUIRE_THAT(text, Catch::StartsWith(std::string(dgxpx::pixel::kPixelizeMethod) + ";grid=factor:6;"));
  auto differs = [&](auto change) {
    PixelizeOptions o = base;
    change(o);
    return canonical_options(o) != text;
  };
  REQUIRE(differs([](PixelizeOptions& o) { o.grid.factor = 7; }));
  REQUIRE(differs([](PixelizeOptions& o) { o.grid.fit_phase = false; }));
  REQUIRE(differs([](PixelizeOptions& o) { o.downscale.mode = DownscaleMode::mode; }));
  REQUIRE(differs([](PixelizeOptions& o) { o.downscale.clusters = 3; }));
  REQUIRE(differs([](PixelizeOptions& o) { o.palette.name = "db32"; }));
  REQUIRE(differs([](PixelizeOptions& o) { o.palette.correct_cast = false; }));
  REQUIRE(differs([](PixelizeOptions& o) { o.palette.dither = true; }));
  REQUIRE(differs([](PixelizeOptions& o) { o.background.tolerance = 10; }));
  REQUIRE(differs([](PixelizeOptions& o) { o.background.key = {0, 255, 0, 255}; }));
  REQUIRE(differs([](PixelizeOptions& o) { o.alpha_threshold = 1; }));
  REQUIRE(differs([](PixelizeOptions& o) { o.outline = Rgba{1, 2, 3, 255}; }));
}

TEST_CASE("pixelize rejects bad options, empty images and bad palette files", "[pixel][pixelize]") {
  const Image input = degraded(sprite(), 6, 0, 4);
  auto bad = [&](auto change) {
    PixelizeOptions o = sprite_options();
    change(o);
    REQUIRE_THROWS_AS(pixelize(input, o), util::InputError);
  };
  bad([](PixelizeOptions& o) { o.grid.factor = 0; });
  bad([](PixelizeOptions& o) { o.grid.mode = GridMode::size; });
  bad([](PixelizeOptions& o) { o.palette.name = "no-such-palette"; });
  bad([](PixelizeOptions& o) { o.palette.source = PaletteSource::kmeans; });
  bad([](PixelizeOptions& o) { o.downscale.clusters = 0; });
  bad([](PixelizeOptions& o) { o.background.tolerance = -1; });
  REQUIRE_THROWS_WITH(pixelize(Image(), sprite_options()), Catch::Contains("non-empty image"));
  const auto dir = std::filesystem::temp_directory_path() / ("dgxpx_pixelize_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "bad.gpl") << "GIMP Palette\n1 2 3\nnot a colour\n";
  PixelizeOptions o = sprite_options();
  o.palette.source = PaletteSource::file;
  o.palette.file = (dir / "bad.gpl").string();
  REQUIRE_THROWS_WITH(pixelize(input, o), Catch::Contains("bad.gpl:3: error:"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("a black key takes the background but keeps a dark sprite's dark shades", "[pixel][pixelize]") {
  // Shades 10-28 units from black: a radius key of 48 in the input cleared them all. Decided per
  // cell against the palette, after the cast, only the backdrop goes.
  const Palette dark{"dark", {{10, 10, 14, 255}, {20, 18, 26, 255}, {28, 30, 22, 255}, {200, 40, 40, 255}}};
  Image art(10, 8, {0, 0, 0, 0});
  for (int y = 1; y < 7; ++y)
    for (int x = 2; x < 9; ++x) art.at(x, y) = dark.colors[size_t((x + y) % 4)];
  Image input(art.width * 8, art.height * 8);
  for (int y = 0; y < input.height; ++y)
    for (int x = 0; x < input.width; ++x) {
      const Rgba p = art.at(x / 8, y / 8);
      // A small cast (offset +3 on every channel) over the backdrop and the sprite alike.
      input.at(x, y) = p.a ? Rgba{uint8_t(p.r + 3), uint8_t(p.g + 3), uint8_t(p.b + 3), 255} : Rgba{3, 3, 3, 255};
    }
  PixelizeOptions o;
  o.grid.mode = GridMode::factor;
  o.grid.factor = 8;
  o.background.mode = BackgroundMode::key;
  o.background.key = {0, 0, 0, 255};
  const PixelizeResult result = pixelize_detailed(input, o, &dark);
  REQUIRE(result.image.pixels == art.pixels);
  REQUIRE(result.background_cleared == 80 - 42);
}

TEST_CASE("a shadow blended over the key becomes its colour when mostly opaque, else background", "[pixel][pixelize]") {
  // A red body, a black shadow drawn at several opacities over a green key, and a dark green the
  // palette holds (half way between black and the key, but a colour of its own).
  const Rgba key{0, 255, 0, 255}, black{0, 0, 0, 255}, red{200, 40, 40, 255}, dark_green{0, 128, 0, 255};
  const Palette palette{"shadows", {red, black, dark_green, {240, 240, 240, 255}}};
  const std::vector<double> opacities = {0.9, 0.7, 0.4, 0.2};
  Image input((int(opacities.size()) + 3) * 8, 8);
  Image want(int(opacities.size()) + 3, 1, {0, 0, 0, 0});
  const auto fill = [&](int cell, Rgba color) {
    for (int y = 0; y < 8; ++y)
      for (int x = 0; x < 8; ++x) input.at(cell * 8 + x, y) = color;
  };
  fill(0, red);
  want.at(0, 0) = red;
  for (size_t i = 0; i < opacities.size(); ++i) {
    const double a = opacities[i];
    const auto mix = [&](uint8_t s, uint8_t k) { return uint8_t(std::lround(a * s + (1 - a) * k)); };
    fill(int(i) + 1, Rgba{mix(black.r, key.r), mix(black.g, key.g), mix(black.b, key.b), 255});
    if (a >= 0.5) want.at(int(i) + 1, 0) = black;
  }
  fill(int(opacities.size()) + 1, dark_green);
  want.at(int(opacities.size()) + 1, 0) = dark_green;
  fill(int(opacities.size()) + 2, key);
  PixelizeOptions o;
  o.grid.mode = GridMode::factor;
  o.grid.factor = 8;
  o.grid.fit_phase = false;
  o.background.mode = BackgroundMode::key;
  o.background.key = key;
  o.palette.correct_cast = false;
  const PixelizeResult result = pixelize_detailed(input, o, &palette);
  REQUIRE((result.image.width == want.width && result.image.height == want.height));
  for (int x = 0; x < want.width; ++x) {
    INFO("cell " << x);
    CHECK(result.image.at(x, 0) == want.at(x, 0));
  }
}
