// Opens every built tileset's .tsx in the real Tiled (Debian `tiled`, 1.8): `tiled
// --export-tileset` reads it as a map editor would and writes Tiled's own JSON, and what Tiled
// understood is checked against the pack step's inputs: the tile size, the grid, and for each
// tile id, its name and variation properties and the pixels Tiled's grid slices from the sheet.
// The Godot TileSet .tres next to it must name the same tiles at the same cells.
// A missing Tiled fails the test with a message; it never skips.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "compiler/pixel/png_io.h"
#include "tests/integration/example_project.h"

using namespace dgxpx;
using namespace dgxpx::testing;
using pixel::Image;
namespace fs = std::filesystem;
using Json = nlohmann::json;

namespace {

fs::path tiled_path() {
  const char* env = std::getenv("DGXPX_TILED");
  return env && *env ? fs::path(env) : fs::path("/usr/bin/tiled");
}

std::string property(const Json& tile, const std::string& name) {
  for (const Json& p : tile.value("properties", Json::array()))
    if (p["name"] == name) return p["value"].is_string() ? p["value"].get<std::string>() : p["value"].dump();
  return "(none)";
}

// (tile id, name, variation) of every tile a Godot TileSet .tres defines, ids computed from its
// atlas coordinates as Tiled numbers cells.
std::set<std::tuple<int, std::string, std::string>> godot_tiles(const std::string& tres, int columns) {
  std::map<std::pair<int, int>, std::pair<std::string, std::string>> tiles;
  const std::regex data(R"(^(\d+):(\d+)/0/custom_data_([01]) = (.*)$)");
  std::istringstream lines(tres);
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    if (!std::regex_match(line, m, data)) continue;
    auto& tile = tiles[{std::stoi(m[1]), std::stoi(m[2])}];
    std::string value = m[4];
    if (value.size() >= 2 && value.front() == '"') value = value.substr(1, value.size() - 2);
    (m[3] == "0" ? tile.first : tile.second) = value;
  }
  std::set<std::tuple<int, std::string, std::string>> out;
  for (const auto& [coords, tile] : tiles) out.insert({coords.second * columns + coords.first, tile.first, tile.second});
  return out;
}

}  // namespace

TEST_CASE("Tiled reads every .tsx: tile size, grid, names and pixels per tile id", "[integration][tiled]") {
  if (!fs::exists(tiled_path()))
    FAIL("Tiled not found at " << tiled_path() << ": install Debian's `tiled` package or set DGXPX_TILED");
  TempProject p;
  write_example_project(p);
  p.write("dgxpx.yaml", "manifests: sprites\noutput: assets\noutputs: [tiled, godot]\n");
  // A second tileset whose tiles have uneven variation counts: rows with empty cells.
  p.write("sprites/cave.yaml",
          "kind: tileset\nname: cave\npreset: tiles\nprompt: cave\n"
          "tiles:\n  rock: {prompt: grey rock, variations: 3}\n  moss: {prompt: green moss}\n"
          "  lava: {prompt: red lava, variations: 2}\n");
  const RunResult build = p.dgxpx("build --json");
  INFO(build.out << build.err);
  REQUIRE(build.exit_code == 0);

  int tilesets = 0;
  for (const auto& entry : fs::directory_iterator(p.root() / ".dgxpx/steps/pack")) {
    const Json spec = Json::parse(p.read(fs::relative(entry.path(), p.root()).string()));
    if (spec["format"] != "tileset") continue;
    ++tilesets;
    const std::string name = spec["name"];
    INFO("tileset " << name);
    const fs::path exported = p.root() / (name + ".tsj");  // Tiled's JSON tileset
    const std::string command = "cd " + p.root().string() + " && QT_QPA_PLATFORM=offscreen timeout 60 " +
                                tiled_path().string() + " --export-tileset assets/" + name + ".tsx " +
                                exported.string() + " > tiled.log 2>&1";
    const int status = std::system(command.c_str());
    INFO("tiled said: " << p.read("tiled.log"));
    REQUIRE(status == 0);
    const Json tileset = Json::parse(p.read(exported.filename().string()));

    // The truth: the pack step's sprites, grouped by tile in order.
    std::vector<std::pair<std::string, std::vector<Image>>> tiles;
    for (const Json& f : spec["frames"]) {
      if (tiles.empty() || tiles.back().first != f["row"]) tiles.push_back({f["row"], {}});
      tiles.back().second.push_back(pixel::read_png(p.root() / f["input"].get<std::string>()));
    }
    const Image& first = tiles.front().second.front();
    size_t widest = 0;
    for (const auto& t : tiles) widest = std::max(widest, t.second.size());
    CHECK(tileset["name"] == name);
    CHECK(tileset["tilewidth"] == first.width);
    CHECK(tileset["tileheight"] == first.height);
    CHECK(tileset["columns"] == int(widest));  // one row per tile, variations across
    CHECK(tileset["tilecount"] == int(widest * tiles.size()));

    // Every tile Tiled lists names its tile and variation; its cell holds that sprite.
    // Tiled rewrites the image path relative to where it exported: the .tsx found its sheet.
    const Image sheet = pixel::read_png(p.root() / tileset["image"].get<std::string>());
    CHECK(tileset["imagewidth"] == sheet.width);
    CHECK(tileset["imageheight"] == sheet.height);
    const int columns = tileset["columns"], margin = tileset["margin"], spacing = tileset["spacing"];
    std::map<std::string, int> seen;
    std::set<std::tuple<int, std::string, std::string>> tiled_tiles;
    for (const Json& tile : tileset["tiles"]) {
      const int id = tile["id"];
      const std::string tile_name = property(tile, "name"), variation = property(tile, "variation");
      INFO("tile id " << id << ": " << tile_name << " variation " << variation);
      ++seen[tile_name + "/" + variation];
      tiled_tiles.insert({id, tile_name, variation});
      const Image* want = nullptr;
      for (const auto& [n, images] : tiles)
        for (size_t v = 0; v < images.size(); ++v)
          if (n == tile_name && std::to_string(v) == variation) want = &images[v];
      REQUIRE(want != nullptr);
      const int x0 = margin + (id % columns) * (first.width + spacing);
      const int y0 = margin + (id / columns) * (first.height + spacing);
      REQUIRE(x0 + want->width <= sheet.width);
      REQUIRE(y0 + want->height <= sheet.height);
      bool same = true;
      for (int y = 0; y < want->height; ++y)
        for (int x = 0; x < want->width; ++x) same = same && sheet.at(x0 + x, y0 + y) == want->at(x, y);
      CHECK(same);
    }
    size_t frames = 0;
    for (const auto& t : tiles) frames += t.second.size();
    CHECK(seen.size() == frames);  // each variation exactly once (duplicates collapse the map)
    for (const auto& [key, count] : seen) CHECK(count == 1);
    CHECK(godot_tiles(p.read("assets/" + name + ".tres"), columns) == tiled_tiles);
  }
  CHECK(tilesets == 2);
}
