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

// A game's hand-drawn art: grass and wood, three shades each. Returns the two colour lists.
std::pair<std::vector<px::Rgba>, std::vector<px::Rgba>> write_game_art(const TempProject& p) {
  const std::vector<px::Rgba> greens = {{20, 60, 30, 255}, {40, 110, 50, 255}, {90, 170, 80, 255}};
  const std::vector<px::Rgba> browns = {{60, 40, 20, 255}, {120, 80, 40, 255}, {200, 160, 100, 255}};
  write_art(p, "art/grass.png", greens);
  write_art(p, "art/wood.png", browns);
  return {greens, browns};
}

}  // namespace

TEST_CASE("palette extract learns a game's colours, and a preset using the file builds sprites of only those", "[integration][palette]") {
  TempProject p;
  write_example_project(p);
  const auto& [greens, browns] = write_game_art(p);
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

TEST_CASE("a preset palette learned from the game's art builds sprites of its colours and follows the art", "[integration][palette]") {
  TempProject p;
  write_example_project(p);
  const auto& [greens, browns] = write_game_art(p);
  const std::string colors = std::to_string(greens.size() + browns.size() - 2);
  p.write("presets/plain.yaml", "size: [256, 256]\npixel: {size: [32, 32], palette: {from: [art/*.png], colors: " + colors + "}}\n");
  // The assets on that preset, from the manifests.
  std::set<std::string> learners;
  for (const auto& e : fs::directory_iterator(p.root() / "sprites")) {
    const std::string text = p.read("sprites/" + e.path().filename().string()) + "\n---";
    for (size_t begin = 0, end; (end = text.find("\n---", begin)) != std::string::npos; begin = end + 4) {
      const std::string doc = text.substr(begin, end - begin);
      if (doc.find("preset: plain") == std::string::npos) continue;
      const size_t at = doc.find("name: ") + 6;
      learners.insert(doc.substr(at, doc.find('\n', at) - at));
    }
  }
  REQUIRE_FALSE(learners.empty());

  // Planning reads the art's digests only: status learns and writes nothing.
  const RunResult status = p.dgxpx("status --json");
  INFO("status: " << status.out << status.err);
  REQUIRE(status.exit_code == 0);
  CHECK_FALSE(p.exists(".dgxpx"));

  const RunResult built = p.dgxpx("build --json");
  INFO("build: " << built.out << built.err);
  REQUIRE(built.exit_code == 0);
  // The palette the build learned is the one `palette extract` prints for the same files.
  const RunResult extracted = p.dgxpx("palette extract art/grass.png art/wood.png -n " + colors);
  REQUIRE(extracted.exit_code == 0);
  std::vector<fs::path> kept;
  for (const auto& e : fs::directory_iterator(p.root() / ".dgxpx/palettes"))
    if (e.path().extension() == ".hex") kept.push_back(e.path());
  REQUIRE(kept.size() == 1);
  CHECK(p.read(fs::relative(kept[0], p.root()).string()) == extracted.out);
  std::set<uint32_t> allowed;
  for (const px::Rgba& c : px::load_palette_file(kept[0]).colors) allowed.insert(key_of(c));
  for (const std::string& asset : learners) {
    INFO(asset);
    const px::Image sheet = px::read_png(p.root() / ("assets/" + asset + ".png"));
    int opaque = 0, outside = 0;
    for (const px::Rgba& c : sheet.pixels)
      if (c.a != 0) ++opaque, outside += allowed.count(key_of(c)) == 0;
    CHECK(opaque > 0);
    CHECK(outside == 0);
  }

  // Edited art, then a new piece of art: each re-learns, re-runs pixel steps only, of exactly
  // the assets on that preset.
  for (const auto& change : std::vector<std::pair<std::string, std::vector<px::Rgba>>>{
           {"art/wood.png", {{90, 50, 30, 255}, {150, 100, 60, 255}}}, {"art/stone.png", {{128, 128, 140, 255}}}}) {
    INFO("changed " << change.first);
    write_art(p, change.first, change.second);
    const RunResult pending = p.dgxpx("status --json");
    INFO(pending.out << pending.err);
    std::set<std::string> rebuilding;
    for (const auto& a : pending.summary["assets"]) {
      rebuilding.insert(a["asset"].get<std::string>());
      CHECK(a["reason"] == "learned palette changed (all frames)");
    }
    CHECK(rebuilding == learners);
    const RunResult again = p.dgxpx("build --json");
    INFO(again.err);
    REQUIRE(again.exit_code == 0);
    CHECK(again.summary["ran"]["gen"] == 0);
    CHECK(again.summary["ran"]["pixel"].get<int>() > 0);
  }

  // Art that is no PNG fails the build, naming the file.
  p.write("art/broken.png", "not a png");
  const RunResult broken = p.dgxpx("build");
  CHECK(broken.exit_code != 0);
  CHECK(broken.err.find("art/broken.png") != std::string::npos);
}

TEST_CASE("a bad learned palette in a preset is an input error at its place", "[integration][palette]") {
  TempProject p;
  write_example_project(p);
  write_art(p, "art/grass.png", {{20, 60, 30, 255}, {40, 110, 50, 255}});
  for (const auto& [palette, expected] : std::vector<std::pair<std::string, std::string>>{
           {"{from: [art/*.jpg], colors: 4}", "matches no .png file"},
           {"{from: [\"*/grass.png\"], colors: 4}", "wildcards only in the file name"},
           {"{from: [], colors: 4}", "an empty list"},
           {"{from: [art/*.png], colors: 0}", "colour count"},
           {"{colors: 4}", "'from'"},
           {"{from: [art/*.png], shades: 4}", "unknown key 'shades'"}}) {
    const std::string line = "pixel: {size: [32, 32], palette: " + palette + "}";
    p.write("presets/plain.yaml", "size: [256, 256]\n" + line + "\n");
    const RunResult r = p.dgxpx("build");
    INFO(palette << "\nstderr: " << r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("presets/plain.yaml:2:") != std::string::npos);
    CHECK(r.err.find(expected) != std::string::npos);
    CHECK_FALSE(p.exists("assets"));
  }
  p.write("presets/plain.yaml", "size: [256, 256]\npixel: {size: [32, 32], palette: {from: art/grass.png}, colors: 4}\n");
  const RunResult both = p.dgxpx("build");
  CHECK(both.exit_code == 2);
  CHECK(both.err.find("not both") != std::string::npos);
}

TEST_CASE("shade in a preset re-runs only the pixel stage and keeps every sprite in its palette", "[integration][palette][shade]") {
  TempProject p;
  write_example_project(p);
  REQUIRE(p.dgxpx("build").exit_code == 0);
  const std::string flat = p.read("assets/loot.png");
  p.write("presets/plain.yaml", "size: [256, 256]\npixel: {size: [32, 32], palette: palettes/warm.hex, shade: top-left}\n");
  const RunResult shaded = p.dgxpx("build --json");
  INFO(shaded.out << shaded.err);
  REQUIRE(shaded.exit_code == 0);
  CHECK(shaded.summary["ran"]["gen"] == 0);
  CHECK(shaded.summary["ran"]["pixel"].get<int>() > 0);
  CHECK(p.read("assets/loot.png") != flat);
  std::set<uint32_t> allowed;
  for (const px::Rgba& c : px::load_palette_file(p.root() / "palettes/warm.hex").colors) allowed.insert(key_of(c));
  for (const px::Rgba& c : px::read_png(p.root() / "assets/loot.png").pixels)
    if (c.a != 0) CHECK(allowed.count(key_of(c)) == 1);

  // Without a palette there is no ramp to move along: an error at the key.
  p.write("presets/plain.yaml", "size: [256, 256]\npixel: {size: [32, 32], shade: true}\n");
  const RunResult refused = p.dgxpx("build");
  CHECK(refused.exit_code == 2);
  CHECK(refused.err.find("presets/plain.yaml:2:") != std::string::npos);
  CHECK(refused.err.find("'palette' or 'colors'") != std::string::npos);
  p.write("presets/plain.yaml", "size: [256, 256]\npixel: {size: [32, 32], palette: db32, shade: sideways}\n");
  const RunResult bad = p.dgxpx("build");
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("top-left") != std::string::npos);
}
