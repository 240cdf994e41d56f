#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>

#include "compiler/pixel/character_sheet.h"
#include "compiler/pixel/item_atlas.h"
#include "compiler/pixel/pack_output.h"
#include "compiler/pixel/png_io.h"
#include "compiler/pixel/tileset_sheet.h"
#include "compiler/util/atomic_file.h"

using namespace dgxpx;
using pixel::Image;
using pixel::Rgba;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    static int counter = 0;
    path = fs::temp_directory_path() /
           ("dgxpx_pack_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
};

// A frame with varied pixels (including translucent ones) so PNG round trips are meaningful.
Image pattern(int w, int h, int seed) {
  Image image(w, h);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      image.at(x, y) = Rgba{uint8_t(x * 37 + seed), uint8_t(y * 53 + seed * 3),
                            uint8_t((x ^ y) * 11), uint8_t((x + y + seed) % 3 == 0 ? 0 : 255)};
  return image;
}

pixel::CharacterSheetSpec hero_spec() {
  pixel::CharacterSheetSpec spec;
  spec.name = "hero";
  spec.image_file_name = "hero.png";
  spec.padding = 1;
  spec.extrude = 1;
  const char* directions[] = {"down", "left", "right", "up"};
  for (int r = 0; r < 4; ++r) {
    pixel::SheetRow row;
    row.tag = std::string("walk/") + directions[r];
    for (int c = 0; c < 4; ++c) row.frames.push_back({"", pattern(16, 16, r * 4 + c), 100});
    spec.rows.push_back(row);
  }
  return spec;
}

pixel::ItemAtlasSpec items_spec() {
  pixel::ItemAtlasSpec spec;
  spec.name = "items";
  spec.image_file_name = "items.png";
  spec.padding = 2;
  spec.items = {{"sword", pattern(16, 16, 1)}, {"gem", pattern(8, 8, 2)}, {"bow", pattern(24, 8, 3)}};
  return spec;
}

std::vector<std::string> names_of(const std::vector<pixel::OutputFile>& files) {
  std::vector<std::string> names;
  for (const auto& f : files) names.push_back(f.name);
  return names;
}

}  // namespace

static pixel::OutputFormats every_format() {
  pixel::OutputFormats formats;
  formats.godot = true;
  return formats;
}

TEST_CASE("character outputs: sheet, both atlas layouts and Godot .tres", "[pixel][pack_output]") {
  const auto sheet = pixel::pack_character_sheet(hero_spec());
  const auto files = pixel::character_output_files(sheet, "sprites/hero", every_format());
  CHECK(names_of(files) == std::vector<std::string>{"sprites/hero.png", "sprites/hero.json",
                                                    "sprites/hero.hash.json", "sprites/hero.tres",
                                                    "sprites/hero.assets.ron", "sprites/hero.animations.ron"});
  const Image decoded = pixel::decode_png(files[0].bytes, "hero.png");
  CHECK(decoded.width == sheet.image.width);
  CHECK(decoded.pixels == sheet.image.pixels);
  CHECK_THAT(files[1].bytes, Catch::Contains("\"filename\": \"0\""));  // Phaser's Aseprite path
  CHECK_THAT(files[2].bytes, Catch::Contains("\"walk/down/0\": {"));
  CHECK_THAT(files[3].bytes, Catch::Contains("path=\"hero.png\""));
  CHECK_THAT(files[4].bytes, Catch::Contains("path: \"sprites/hero.png\""));  // from Bevy's asset folder

  pixel::OutputFormats none;
  none.aseprite = none.texturepacker = none.tiled = none.bevy = false;
  CHECK(names_of(pixel::character_output_files(sheet, "hero", none)) == std::vector<std::string>{"hero.png"});
  CHECK_THROWS_AS(pixel::character_output_files(sheet, "../hero", {}), util::InputError);
}

TEST_CASE("tileset outputs: sheet, atlases, a Tiled tileset and a Godot TileSet", "[pixel][pack_output]") {
  pixel::TilesetSpec tiles;
  tiles.name = "forest";
  tiles.image_file_name = "forest.png";
  tiles.tiles = {{"grass", {pattern(8, 8, 5)}}};
  const auto files = pixel::tileset_output_files(pixel::pack_tileset_sheet(tiles), "maps/forest", every_format());
  CHECK(names_of(files) == std::vector<std::string>{"maps/forest.png", "maps/forest.json",
                                                    "maps/forest.hash.json", "maps/forest.tsx",
                                                    "maps/forest.tres", "maps/forest.assets.ron"});
  CHECK_THAT(files[1].bytes, Catch::Contains("\"filename\": \"grass/0\""));
  CHECK_THAT(files[3].bytes, Catch::Contains("<image source=\"forest.png\""));
  CHECK_THAT(files[4].bytes, Catch::Contains("[gd_resource type=\"TileSet\""));
}

TEST_CASE("same inputs give byte-identical sheets and JSON, on disk too", "[pixel][pack_output]") {
  TempDir a, b;
  for (const fs::path& dir : {a.path, b.path}) {
    // Everything is rebuilt from scratch for each run.
    const auto hero = pixel::pack_character_sheet(hero_spec());
    pixel::write_output_files(dir, pixel::character_output_files(hero, "hero", every_format()));
    pixel::TilesetSpec tiles;
    tiles.name = "forest";
    tiles.image_file_name = "forest.png";
    tiles.extrude = 2;
    tiles.tiles = {{"grass", {pattern(8, 8, 5), pattern(8, 8, 6)}}, {"dirt", {pattern(8, 8, 7)}}};
    pixel::write_output_files(
        dir, pixel::tileset_output_files(pixel::pack_tileset_sheet(tiles), "forest", every_format()));
    pixel::write_output_files(
        dir, pixel::item_output_files(pixel::pack_item_atlas(items_spec()), "items", "items", every_format()));
  }
  const std::vector<std::string> expected = {
      "hero.png",  "hero.json",      "hero.hash.json",  "hero.tres",     "hero.assets.ron",
      "hero.animations.ron", "forest.assets.ron", "forest.png",
      "forest.json", "forest.hash.json", "forest.tsx", "forest.tres",  "items.png",     "items.json",
      "items.hash.json", "items/sword.png", "items/gem.png", "items/bow.png"};
  for (const auto& name : expected) {
    INFO(name);
    const auto first = util::read_file(a.path / name);
    const auto second = util::read_file(b.path / name);
    REQUIRE(first);
    REQUIRE(second);
    CHECK(!first->empty());
    CHECK(*first == *second);
  }
}

TEST_CASE("item outputs: one PNG per item, identical to the atlas cell", "[pixel][pack_output]") {
  const auto spec = items_spec();
  const auto atlas = pixel::pack_item_atlas(spec);
  const auto files = pixel::item_output_files(atlas, "ui/items", "ui/icons", every_format());
  CHECK(names_of(files) == std::vector<std::string>{"ui/icons/sword.png", "ui/icons/gem.png",
                                                    "ui/icons/bow.png", "ui/items.png",
                                                    "ui/items.json", "ui/items.hash.json"});
  for (size_t i = 0; i < spec.items.size(); ++i) {
    const Image decoded = pixel::decode_png(files[i].bytes, files[i].name);
    CHECK(decoded.width == spec.items[i].image.width);
    CHECK(decoded.height == spec.items[i].image.height);
    CHECK(decoded.pixels == spec.items[i].image.pixels);
  }
  CHECK(pixel::item_output_files(atlas, "items", "", {})[0].name == "sword.png");
}

TEST_CASE("write_output_files writes nothing when a name is bad", "[pixel][pack_output]") {
  TempDir dir;
  const std::vector<pixel::OutputFile> files = {{"ok.json", "{}"}, {"../escape.json", "{}"}};
  CHECK_THROWS_AS(pixel::write_output_files(dir.path, files), util::InputError);
  CHECK(fs::is_empty(dir.path));
}

TEST_CASE("crop cuts exactly the rectangle", "[pixel][pack_output]") {
  const Image image = pattern(10, 7, 4);
  const Image cut = pixel::crop(image, {3, 2, 4, 5});
  REQUIRE(cut.width == 4);
  REQUIRE(cut.height == 5);
  CHECK(cut.at(0, 0) == image.at(3, 2));
  CHECK(cut.at(3, 4) == image.at(6, 6));
}
