#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "compiler/pixel/atlas_json.h"
#include "compiler/pixel/character_sheet.h"
#include "compiler/pixel/tileset_sheet.h"

using namespace dgxpx;
using pixel::Image;
using pixel::Rgba;

namespace {

pixel::PackedSheet two_frame_sheet() {
  pixel::CharacterSheetSpec spec;
  spec.name = "bat";
  spec.image_file_name = "bat.png";
  spec.padding = 1;
  pixel::SheetRow fly{"fly/left", {{"", Image(2, 3, Rgba{1, 2, 3, 255}), 80},
                                   {"", Image(2, 3, Rgba{4, 5, 6, 255}), 120}}};
  pixel::SheetRow die{"die", {{"", Image(2, 3), 100}}, false};
  spec.rows = {fly, die};
  return pixel::pack_character_sheet(spec);
}

}  // namespace

// Freezes the exact bytes: engines and diff tools see the same file on every run and machine.
TEST_CASE("atlas_json writes the Aseprite json-array layout byte for byte", "[pixel][atlas_json]") {
  const std::string expected = R"({
  "frames": [
    {
      "filename": "0",
      "frame": {
        "x": 1,
        "y": 1,
        "w": 2,
        "h": 3
      },
      "rotated": false,
      "trimmed": false,
      "spriteSourceSize": {
        "x": 0,
        "y": 0,
        "w": 2,
        "h": 3
      },
      "sourceSize": {
        "w": 2,
        "h": 3
      },
      "duration": 80,
      "cell": 0
    },
    {
      "filename": "1",
      "frame": {
        "x": 4,
        "y": 1,
        "w": 2,
        "h": 3
      },
      "rotated": false,
      "trimmed": false,
      "spriteSourceSize": {
        "x": 0,
        "y": 0,
        "w": 2,
        "h": 3
      },
      "sourceSize": {
        "w": 2,
        "h": 3
      },
      "duration": 120,
      "cell": 1
    },
    {
      "filename": "2",
      "frame": {
        "x": 1,
        "y": 5,
        "w": 2,
        "h": 3
      },
      "rotated": false,
      "trimmed": false,
      "spriteSourceSize": {
        "x": 0,
        "y": 0,
        "w": 2,
        "h": 3
      },
      "sourceSize": {
        "w": 2,
        "h": 3
      },
      "duration": 100,
      "cell": 2
    }
  ],
  "animations": {
    "fly/left": [
      "0",
      "1"
    ],
    "die": [
      "2"
    ]
  },
  "meta": {
    "app": "dgxpx",
    "version": ")" + pixel::atlas_app_version() + R"(",
    "image": "bat.png",
    "format": "RGBA8888",
    "size": {
      "w": 7,
      "h": 9
    },
    "scale": "1",
    "frameTags": [
      {
        "name": "fly/left",
        "from": 0,
        "to": 1,
        "direction": "forward"
      },
      {
        "name": "die",
        "from": 2,
        "to": 2,
        "direction": "forward",
        "repeat": "1"
      }
    ],
    "grid": {
      "cellWidth": 2,
      "cellHeight": 3,
      "columns": 2,
      "rows": 2,
      "padding": 1,
      "extrude": 0,
      "margin": 1,
      "spacing": 1
    }
  }
}
)";
  CHECK(pixel::atlas_json(two_frame_sheet(), pixel::ArrayFilenames::index) == expected);
  CHECK(!pixel::atlas_app_version().empty());
}

TEST_CASE("atlas_json escapes names and survives invalid UTF-8", "[pixel][atlas_json]") {
  auto sheet = two_frame_sheet();
  sheet.frames[0].name = "say \"hi\"\\";
  sheet.tags[0].name = std::string("bad\xff");
  const auto parsed = nlohmann::json::parse(pixel::atlas_json(sheet, pixel::ArrayFilenames::name));
  CHECK(parsed["frames"][0]["filename"] == "say \"hi\"\\");
  CHECK(parsed["meta"]["frameTags"][0]["name"] == "bad\xEF\xBF\xBD");  // U+FFFD
}

TEST_CASE("atlas_hash_json keys frames by name in sheet order, animations by name", "[pixel][atlas_json]") {
  const auto sheet = two_frame_sheet();
  const auto hash = nlohmann::ordered_json::parse(pixel::atlas_hash_json(sheet));
  const auto array = nlohmann::ordered_json::parse(pixel::atlas_json(sheet, pixel::ArrayFilenames::index));
  REQUIRE(hash["frames"].is_object());
  REQUIRE(hash["frames"].size() == sheet.frames.size());
  size_t i = 0;
  for (const auto& [name, frame] : hash["frames"].items()) {
    INFO(name);
    CHECK(name == sheet.frames[i].name);  // order kept: frameTags' from/to count frames
    auto same = array["frames"][i];
    same.erase("filename");
    CHECK(frame == same);
    ++i;
  }
  CHECK(hash["animations"] == nlohmann::ordered_json{{"fly/left", {"fly/left/0", "fly/left/1"}}, {"die", {"die/0"}}});
  CHECK(hash["meta"] == array["meta"]);
}

TEST_CASE("tileset atlases carry the grid and each variation's cell", "[pixel][atlas_json]") {
  pixel::TilesetSpec spec;
  spec.name = "cave";
  spec.image_file_name = "cave.png";
  spec.columns = 2;
  spec.padding = 1;
  spec.extrude = 1;
  spec.tiles = {{"floor", {Image(4, 4), Image(4, 4), Image(4, 4)}}, {"wall", {Image(4, 4)}}};
  const auto json = nlohmann::json::parse(pixel::atlas_json(pixel::pack_tileset_sheet(spec), pixel::ArrayFilenames::name));

  REQUIRE(json["frames"].size() == 4);
  CHECK(json["frames"][2]["filename"] == "floor/2");
  CHECK(json["frames"][2]["frame"]["x"] == 2);
  CHECK(json["frames"][2]["frame"]["y"] == 2 + 7);
  CHECK(json["frames"][2]["cell"] == 2);  // flowed: column 0 of row 1
  CHECK(json["frames"][3]["cell"] == 3);
  CHECK(json["animations"]["floor"] == nlohmann::json{"0", "1", "2"});  // Pixi keys arrays by index
  CHECK(json["meta"]["grid"] == nlohmann::json{{"cellWidth", 4}, {"cellHeight", 4}, {"columns", 2}, {"rows", 2},
                                               {"padding", 1},   {"extrude", 1},    {"margin", 2},  {"spacing", 3}});
  CHECK(json["meta"]["image"] == "cave.png");
  CHECK(json["meta"]["size"] == nlohmann::json{{"w", 15}, {"h", 15}});
  REQUIRE(json["meta"]["frameTags"].size() == 2);
  CHECK(json["meta"]["frameTags"][0]["to"] == 2);
}

TEST_CASE("item atlases have no grid, no cells and no animations", "[pixel][atlas_json]") {
  pixel::PackedSheet items;
  items.name = "loot";
  items.image_file_name = "loot.png";
  items.image = Image(4, 2);
  items.frames = {{"sword", {0, 0, 2, 2}, 100}, {"gem", {2, 0, 2, 2}, 100}};
  const auto json = nlohmann::json::parse(pixel::atlas_hash_json(items));
  CHECK(json["frames"]["gem"]["frame"]["x"] == 2);
  CHECK_FALSE(json["frames"]["gem"].contains("cell"));
  CHECK_FALSE(json.contains("animations"));
  CHECK_FALSE(json["meta"].contains("grid"));
}
