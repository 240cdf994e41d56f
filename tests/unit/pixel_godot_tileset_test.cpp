#include <catch2/catch.hpp>

#include "compiler/pixel/godot_tileset.h"
#include "compiler/pixel/tileset_sheet.h"

using namespace dgxpx;
using pixel::Image;

// Freezes the bytes against Godot 4's text-resource format for a TileSet with one atlas source.
TEST_CASE("godot_tileset writes a TileSet resource byte for byte", "[pixel][godot]") {
  pixel::TilesetSpec spec;
  spec.name = "cave";
  spec.image_file_name = "cave.png";
  spec.columns = 2;  // flowed: wall's only variation lands at column 1 of row 1
  spec.padding = 1;
  spec.extrude = 1;
  spec.tiles = {{"floor", {Image(4, 4), Image(4, 4), Image(4, 4)}}, {"wall \"old\"", {Image(4, 4)}}};
  const std::string expected = R"([gd_resource type="TileSet" load_steps=3 format=3]

[ext_resource type="Texture2D" path="cave.png" id="1_sheet"]

[sub_resource type="TileSetAtlasSource" id="TileSetAtlasSource_1"]
texture = ExtResource("1_sheet")
margins = Vector2i(2, 2)
separation = Vector2i(3, 3)
texture_region_size = Vector2i(4, 4)
0:0/0 = 0
0:0/0/custom_data_0 = "floor"
0:0/0/custom_data_1 = 0
1:0/0 = 0
1:0/0/custom_data_0 = "floor"
1:0/0/custom_data_1 = 1
0:1/0 = 0
0:1/0/custom_data_0 = "floor"
0:1/0/custom_data_1 = 2
1:1/0 = 0
1:1/0/custom_data_0 = "wall \"old\""
1:1/0/custom_data_1 = 0

[resource]
tile_size = Vector2i(4, 4)
custom_data_layer_0/name = "name"
custom_data_layer_0/type = 4
custom_data_layer_1/name = "variation"
custom_data_layer_1/type = 2
sources/0 = SubResource("TileSetAtlasSource_1")
)";
  CHECK(pixel::godot_tileset(pixel::pack_tileset_sheet(spec)) == expected);
  CHECK_THROWS_AS(pixel::godot_tileset(pixel::PackedSheet{}), util::InputError);
}
