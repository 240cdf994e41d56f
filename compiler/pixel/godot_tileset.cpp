#include "compiler/pixel/godot_tileset.h"

#include <locale>
#include <sstream>

#include "compiler/pixel/godot_sprite_frames.h"

namespace dgxpx::pixel {

// Variant::Type values Godot stores for a custom data layer's type.
constexpr int kGodotInt = 2, kGodotString = 4;

std::string godot_tileset(const PackedSheet& sheet) {
  if (!sheet.grid)
    throw util::InputError("tileset \"" + sheet.name + "\": a Godot TileSet needs a grid sheet");
  const GridGeometry& g = *sheet.grid;
  std::ostringstream out;
  out.imbue(std::locale::classic());
  out << "[gd_resource type=\"TileSet\" load_steps=3 format=3]\n\n"
      << "[ext_resource type=\"Texture2D\" path=" << godot_string(sheet.image_file_name)
      << " id=\"1_sheet\"]\n\n"
      << "[sub_resource type=\"TileSetAtlasSource\" id=\"TileSetAtlasSource_1\"]\n"
      << "texture = ExtResource(\"1_sheet\")\n"
      << "margins = Vector2i(" << g.margin() << ", " << g.margin() << ")\n"
      << "separation = Vector2i(" << g.spacing() << ", " << g.spacing() << ")\n"
      << "texture_region_size = Vector2i(" << g.cell_w << ", " << g.cell_h << ")\n";
  for (const FrameTag& tag : sheet.tags)
    for (int i = tag.from; i <= tag.to; ++i) {
      const int cell = sheet.frames[size_t(i)].cell;
      const std::string tile = std::to_string(cell % g.columns) + ":" + std::to_string(cell / g.columns) + "/0";
      out << tile << " = 0\n"
          << tile << "/custom_data_0 = " << godot_string(tag.name) << "\n"
          << tile << "/custom_data_1 = " << i - tag.from << "\n";
    }
  out << "\n[resource]\n"
      << "tile_size = Vector2i(" << g.cell_w << ", " << g.cell_h << ")\n"
      << "custom_data_layer_0/name = \"name\"\n"
      << "custom_data_layer_0/type = " << kGodotString << "\n"
      << "custom_data_layer_1/name = \"variation\"\n"
      << "custom_data_layer_1/type = " << kGodotInt << "\n"
      << "sources/0 = SubResource(\"TileSetAtlasSource_1\")\n";
  return out.str();
}

}  // namespace dgxpx::pixel
