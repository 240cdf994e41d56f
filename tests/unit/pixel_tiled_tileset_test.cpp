#include <catch2/catch.hpp>

#include "compiler/pixel/tiled_tileset.h"
#include "compiler/pixel/tileset_sheet.h"

using namespace dgxpx;
using pixel::Image;

TEST_CASE("tiled_tileset writes a .tsx byte for byte", "[pixel][tiled]") {
  pixel::TilesetSpec spec;
  spec.name = "cave & co";
  spec.image_file_name = "cave.png";
  spec.columns = 2;
  spec.padding = 1;
  spec.extrude = 1;
  spec.tiles = {{"floor", {Image(4, 4), Image(4, 4)}}, {"wall \"old\"", {Image(4, 4)}}};
  const std::string expected = R"(<?xml version="1.0" encoding="UTF-8"?>
<tileset version="1.8" name="cave &amp; co" tilewidth="4" tileheight="4" spacing="3" margin="2" tilecount="4" columns="2">
 <image source="cave.png" width="15" height="15"/>
 <tile id="0">
  <properties>
   <property name="name" value="floor"/>
   <property name="variation" type="int" value="0"/>
  </properties>
 </tile>
 <tile id="1">
  <properties>
   <property name="name" value="floor"/>
   <property name="variation" type="int" value="1"/>
  </properties>
 </tile>
 <tile id="2">
  <properties>
   <property name="name" value="wall &quot;old&quot;"/>
   <property name="variation" type="int" value="0"/>
  </properties>
 </tile>
</tileset>
)";
  CHECK(pixel::tiled_tileset(pixel::pack_tileset_sheet(spec)) == expected);
  CHECK_THROWS_AS(pixel::tiled_tileset(pixel::PackedSheet{}), util::InputError);
}
