// `dgxpx palette extract`: a palette learned from a game's art, written as a palette file that
// a preset then uses, so the built sprites hold only the art's colours.
#include <catch2/catch.hpp>

#include <set>

#include "compiler/pixel/palette.h"
#include "compiler/pixel/png_io.h"
#include "tests/integration/example_project.h"

using namespace dgxpx::testing;
namespace fs = std::filesystem;
namespace px = dgxpx::pixel;

namespace {

uint32_t key_of(const px::Rgba& c) { return (uint32_t(c.r) << 16) | (uint32_t(c.g) << 8) | c.b; }

/// A hand-drawn-looking tile: bands of `shades`, with a transparent corner.
void write_art(const TempProject& p, const std::string& file, const std::vector<px::Rgba>& shades) {
  px::Image image(16, 16);
  for (int y = 0; y < 16; ++y)
    for (int x = 0; x < 16; ++x) image.at(x, y) = x + y < 4 ? px::Rgba{0, 0, 0, 0} : shades[(x / 4) % shades.size()];
  fs::create_directories((p.root() / file).parent_path());
  px::write_png(p.root() / file, image);
}

}  // namespace

TEST_CASE("palette extract learns a game's colours, and a preset using the file builds sprites of only those", "[integration][palette]") {
  TempProject p;
  write_example_project(p);
  const std::vector<px::Rgba> greens = {{20, 60, 30, 255}, {40, 110, 50, 255}, {90, 170, 80, 255}};
  const std::vector<px::Rgba> browns = {{60, 40, 20, 255}, {120, 80, 40, 255}, {200, 160, 100, 255}};
  write_art(p, "art/grass.png", greens);
  write_art(p, "art/wood.png", browns);
  const int colors = static_cast<int>(greens.size() + browns.size()) - 2;

  const RunResult extracted =
      p.dgxpx("palette extract art/grass.png art/wood.png -n " + std::to_string(colors) + " -o palettes/game.hex");
  INFO("stdout: " << extracted.out << "\nstderr: " << extracted.err);
  REQUIRE(extracted.exit_code == 0);
  CHECK(extracted.out.find("palettes/game.hex: " + std::to_string(colors) + " colours") != std::string::npos);
  const px::Palette learned = px::load_palette_file(p.root() / "palettes/game.hex");
  REQUIRE(static_cast<int>(learned.colors.size()) == colors);
  std::set<uint32_t> allowed;
  for (const px::Rgba& c : learned.colors) allowed.insert(key_of(c));

  // The same palette printed, and as a GIMP palette that loads back the same.
  const RunResult printed = p.dgxpx("palette extract art/grass.png art/wood.png -n " + std::to_string(colors));
  REQUIRE(printed.exit_code == 0);
  CHECK(printed.out == p.read("palettes/game.hex"));
  REQUIRE(p.dgxpx("palette extract art/grass.png art/wood.png -n " + std::to_string(colors) + " -o palettes/game.gpl")
              .exit_code == 0);
  CHECK(px::load_palette_file(p.root() / "palettes/game.gpl").colors == learned.colors);

  p.write("presets/plain.yaml", "size: [256, 256]\npixel: {size: [32, 32], palette: palettes/game.hex}\n");
  const RunResult built = p.dgxpx("build --json");
  INFO("build stderr: " << built.err);
  REQUIRE(built.exit_code == 0);
  const px::Image sheet = px::read_png(p.root() / "assets/loot.png");
  int opaque = 0;
  for (const px::Rgba& c : sheet.pixels) {
    if (c.a == 0) continue;
    ++opaque;
    CHECK(allowed.count(key_of(c)) == 1);
  }
  CHECK(opaque > 0);
}

TEST_CASE("palette extract refuses bad input with exit 2 and writes nothing", "[integration][palette]") {
  TempProject p;
  write_example_project(p);
  write_art(p, "art/grass.png", {{20, 60, 30, 255}});
  p.write("art/notes.png", "not a png");
  for (const auto& [args, expected] : std::vector<std::pair<std::string, std::string>>{
           {"palette extract art/grass.png -o palettes/out.txt", "ending in .hex or .gpl"},
           {"palette extract art/missing.png -o palettes/out.hex", "art/missing.png"},
           {"palette extract art/notes.png -o palettes/out.hex", "art/notes.png"},
           {"palette extract art/grass.png -n 0 -o palettes/out.hex", "--colors"},
           {"palette extract -o palettes/out.hex", "IMAGES"},
           {"palette", "subcommand"}}) {
    const RunResult r = p.dgxpx(args);
    INFO(args << "\nstderr: " << r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(expected) != std::string::npos);
    CHECK_FALSE(p.exists("palettes/out.hex"));
    CHECK_FALSE(p.exists("palettes/out.txt"));
  }
}
