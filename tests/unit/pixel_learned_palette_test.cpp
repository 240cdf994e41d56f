// Palettes learned from a game's art: every image's opaque pixels count, transparent ones do
// not, the same files give the same palette, and bad input names its file.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>

#include "compiler/pixel/learned_palette.h"
#include "compiler/pixel/png_io.h"
#include "compiler/util/error.h"

using namespace dgxpx::pixel;
namespace fs = std::filesystem;

namespace {

struct ArtFolder {
  fs::path dir = fs::temp_directory_path() / ("dgxpx-learned-" + std::to_string(std::random_device{}()));
  ArtFolder() { fs::create_directories(dir); }
  ~ArtFolder() { fs::remove_all(dir); }
  fs::path png(const std::string& name, const std::vector<Rgba>& pixels) const {
    Image image(static_cast<int>(pixels.size()), 1);
    image.pixels = pixels;
    write_png(dir / name, image);
    return dir / name;
  }
};

std::set<uint32_t> keys_of(const Palette& palette) {
  std::set<uint32_t> keys;
  for (const Rgba& c : palette.colors) keys.insert((uint32_t(c.r) << 16) | (uint32_t(c.g) << 8) | c.b);
  return keys;
}

}  // namespace

TEST_CASE("a palette learned from several images holds the opaque colours of each", "[pixel][palette]") {
  ArtFolder art;
  const Rgba dark{10, 12, 40, 255}, red{200, 30, 30, 255}, pale{240, 230, 200, 255}, hidden{0, 255, 0, 100};
  const fs::path a = art.png("a.png", {dark, dark, red, hidden});
  const fs::path b = art.png("b.png", {pale, hidden, pale});
  const LearnedPalette learned = learn_palette({a, b}, 8);
  CHECK(keys_of(learned.palette) == std::set<uint32_t>{0x0a0c28, 0xc81e1e, 0xf0e6c8});  // none of the hidden green
  CHECK(learned.pixels == 5);
  CHECK(learned.distinct == 3);
  CHECK(learn_palette({b, a}, 8).palette.colors == learned.palette.colors);  // dark to light either way
}

TEST_CASE("a learned palette has at most the colours asked for, is deterministic, and stays near the art", "[pixel][palette]") {
  ArtFolder art;
  std::vector<fs::path> files;
  std::mt19937 random(7);
  for (int f = 0; f < 3; ++f) {
    std::vector<Rgba> pixels;
    for (int i = 0; i < 500; ++i) {
      const int shade = static_cast<int>(random() % 200) + 20;
      pixels.push_back({uint8_t(shade), uint8_t(shade / (f + 1)), uint8_t(255 - shade), 255});
    }
    files.push_back(art.png("art" + std::to_string(f) + ".png", pixels));
  }
  for (int colors : {1, 4, 16}) {
    const LearnedPalette learned = learn_palette(files, colors);
    INFO(colors << " colours");
    CHECK(static_cast<int>(learned.palette.colors.size()) == colors);
    CHECK(learn_palette(files, colors).palette.colors == learned.palette.colors);
  }
}

TEST_CASE("learning a palette refuses what is not art", "[pixel][palette]") {
  ArtFolder art;
  const fs::path clear = art.png("clear.png", {{1, 2, 3, 0}, {4, 5, 6, 10}});
  CHECK_THROWS_AS(learn_palette({clear}, 4), dgxpx::util::InputError);
  CHECK_THROWS_AS(learn_palette({}, 4), dgxpx::util::InputError);
  CHECK_THROWS_AS(learn_palette({art.png("ok.png", {{9, 9, 9, 255}})}, 0), dgxpx::util::InputError);
  CHECK_THROWS_AS(learn_palette({art.png("ok2.png", {{9, 9, 9, 255}})}, 257), dgxpx::util::InputError);
  const fs::path not_png = art.dir / "notes.png";
  { std::ofstream(not_png) << "not a png"; }
  try {
    learn_palette({not_png}, 4);
    FAIL("expected an InputError");
  } catch (const dgxpx::util::InputError& e) {
    CHECK(std::string(e.what()).find("notes.png") != std::string::npos);
  }
}
