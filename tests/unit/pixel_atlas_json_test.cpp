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
      "filename": "fly/left/0",
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
      "duration": 80
    },
    {
      "filename": "fly/left/1",
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
      "duration": 120
    },
    {
      "filename": "die/0",
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
      "duration": 100
    }
  ],
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
    ]
  }
}
)";
  CHECK(pixel::atlas_json(two_frame_sheet()) == expected);
  CHECK(!pixel::atlas_app_version().empty());
}

TEST_CASE("atlas_json escapes names and survives invalid UTF-8", "[pixel][atlas_json]") {
  auto sheet = two_frame_sheet();
  sheet.frames[0].name = "say \"hi\"\\";
  sheet.tags[0].name = std::string("bad\xff");
  const auto parsed = nlohmann::json::parse(pixel::atlas_json(sheet));
  CHECK(parsed["frames"][0]["filename"] == "say \"hi\"\\");
  CHECK(parsed["meta"]["frameTags"][0]["name"] == "bad\xEF\xBF\xBD");  // U+FFFD
}

TEST_CASE("tileset_json names every tile and variation with its grid cell", "[pixel][atlas_json]") {
  pixel::TilesetSpec spec;
  spec.name = "cave";
  spec.image_file_name = "cave.png";
  spec.columns = 2;
  spec.padding = 1;
  spec.extrude = 1;
  spec.tiles = {{"floor", {Image(4, 4), Image(4, 4), Image(4, 4)}}, {"wall", {Image(4, 4)}}};
  const auto json = nlohmann::json::parse(pixel::tileset_json(pixel::pack_tileset_sheet(spec)));

  REQUIRE(json["frames"].size() == 4);
  CHECK(json["frames"][2]["filename"] == "floor/2");
  CHECK(json["frames"][2]["frame"]["x"] == 2);
  CHECK(json["frames"][2]["frame"]["y"] == 2 + 7);
  REQUIRE(json["tiles"].size() == 2);
  CHECK(json["tiles"][0]["name"] == "floor");
  REQUIRE(json["tiles"][0]["variations"].size() == 3);
  CHECK(json["tiles"][0]["variations"][2] ==
        nlohmann::json{{"frame", "floor/2"}, {"index", 2}, {"column", 0}, {"row", 1}, {"id", 2}});
  CHECK(json["tiles"][1]["variations"][0] ==
        nlohmann::json{{"frame", "wall/0"}, {"index", 3}, {"column", 1}, {"row", 1}, {"id", 3}});
  CHECK(json["meta"]["grid"] == nlohmann::json{{"tileWidth", 4}, {"tileHeight", 4}, {"columns", 2},
                                               {"rows", 2}, {"margin", 2}, {"spacing", 3}});
  CHECK(json["meta"]["image"] == "cave.png");
  CHECK(json["meta"]["size"] == nlohmann::json{{"w", 15}, {"h", 15}});
  REQUIRE(json["meta"]["frameTags"].size() == 2);
  CHECK(json["meta"]["frameTags"][0]["to"] == 2);
}
