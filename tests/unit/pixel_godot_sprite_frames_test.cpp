#include <catch2/catch.hpp>

#include "compiler/pixel/character_sheet.h"
#include "compiler/pixel/godot_sprite_frames.h"

using namespace dgxpx;
using pixel::Image;

TEST_CASE("godot_real prints Godot's number format", "[pixel][godot]") {
  CHECK(pixel::godot_real(10.0) == "10.0");
  CHECK(pixel::godot_real(1.0) == "1.0");
  CHECK(pixel::godot_real(0.5) == "0.5");
  CHECK(pixel::godot_real(1.5) == "1.5");
  CHECK(pixel::godot_real(1000.0 / 3.0) == "333.3333333333333");
}

TEST_CASE("godot_sprite_frames writes a SpriteFrames resource byte for byte", "[pixel][godot]") {
  pixel::CharacterSheetSpec spec;
  spec.name = "bat";
  spec.image_file_name = "bat.png";
  spec.rows = {{"fly/left", {{"", Image(2, 3), 100}, {"", Image(2, 3), 150}}, true},
               {"die", {{"", Image(2, 3), 100}}, false}};
  const auto sheet = pixel::pack_character_sheet(spec);
  const std::string expected = R"([gd_resource type="SpriteFrames" load_steps=5 format=3]

[ext_resource type="Texture2D" path="bat.png" id="1_sheet"]

[sub_resource type="AtlasTexture" id="AtlasTexture_1"]
atlas = ExtResource("1_sheet")
region = Rect2(0, 0, 2, 3)
filter_clip = true

[sub_resource type="AtlasTexture" id="AtlasTexture_2"]
atlas = ExtResource("1_sheet")
region = Rect2(2, 0, 2, 3)
filter_clip = true

[sub_resource type="AtlasTexture" id="AtlasTexture_3"]
atlas = ExtResource("1_sheet")
region = Rect2(0, 3, 2, 3)
filter_clip = true

[resource]
animations = [{
"frames": [{
"duration": 2.0,
"texture": SubResource("AtlasTexture_1")
}, {
"duration": 3.0,
"texture": SubResource("AtlasTexture_2")
}],
"loop": true,
"name": &"fly/left",
"speed": 20.0
}, {
"frames": [{
"duration": 1.0,
"texture": SubResource("AtlasTexture_3")
}],
"loop": false,
"name": &"die",
"speed": 10.0
}]
)";
  CHECK(pixel::godot_sprite_frames(sheet) == expected);

  pixel::GodotSpriteFramesOptions options;
  options.texture_path = "res://sprites/bat \"x\".png";
  const std::string custom = pixel::godot_sprite_frames(sheet, options);
  CHECK_THAT(custom, Catch::Contains("path=\"res://sprites/bat \\\"x\\\".png\""));
}
