#include <catch2/catch.hpp>

#include "compiler/pixel/bevy_ron.h"
#include "compiler/pixel/character_sheet.h"

using namespace dgxpx;
using pixel::Image;

namespace {

// walk/down has 3 frames, attack 2 that play once: row 1's cells start at 3, not at frame 3.
pixel::PackedSheet knight() {
  pixel::CharacterSheetSpec spec;
  spec.name = "knight";
  spec.image_file_name = "knight.png";
  spec.padding = 1;
  spec.extrude = 1;
  spec.rows = {{"knight/walk/down", {{"", Image(4, 6), 100}, {"", Image(4, 6), 120}, {"", Image(4, 6), 100}}, true},
               {"knight/attack \"x\"", {{"", Image(4, 6), 70}, {"", Image(4, 6), 70}}, false}};
  return pixel::pack_character_sheet(spec);
}

}  // namespace

TEST_CASE("bevy_assets_ron writes a bevy_asset_loader image and grid layout", "[pixel][bevy]") {
  const std::string expected = R"(({
    "knight.image": Image (
        path: "chars/knight.png",
        sampler: Nearest,
    ),
    "knight.layout": TextureAtlasLayout (
        tile_size_x: 4,
        tile_size_y: 6,
        columns: 3,
        rows: 2,
        padding_x: 3,
        padding_y: 3,
        offset_x: 2,
        offset_y: 2,
    ),
})
)";
  CHECK(pixel::bevy_assets_ron(knight(), "chars/knight.png") == expected);
  CHECK_THROWS_AS(pixel::bevy_assets_ron(pixel::PackedSheet{}, "x.png"), util::InputError);
}

TEST_CASE("bevy_animations_ron gives each animation its cells, timings and looping", "[pixel][bevy]") {
  const std::string expected = R"({
    "knight/walk/down": (first: 0, last: 2, frame_ms: [100, 120, 100], looping: true),
    "knight/attack \"x\"": (first: 3, last: 4, frame_ms: [70, 70], looping: false),
}
)";
  CHECK(pixel::bevy_animations_ron(knight()) == expected);
  auto scattered = knight();
  scattered.frames[1].cell = 5;
  CHECK_THROWS_AS(pixel::bevy_animations_ron(scattered), util::InputError);
}
