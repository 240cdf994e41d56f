#include "compiler/pixel/pack_output.h"

#include "compiler/pixel/atlas_json.h"
#include "compiler/pixel/png_io.h"
#include "compiler/util/atomic_file.h"

namespace dgxpx::pixel {

static std::string folder_of(const std::string& name) {
  const size_t slash = name.rfind('/');
  return slash == std::string::npos ? std::string() : name.substr(0, slash + 1);
}

static void check_same_folder(const std::string& a, const std::string& b, const std::string& what) {
  if (folder_of(a) != folder_of(b))
    throw util::InputError(what + " \"" + b + "\": expected it in the same folder as \"" + a + "\"");
}

Image crop(const Image& image, const Rect& rect) {
  Image out(rect.w, rect.h);
  for (int y = 0; y < rect.h; ++y)
    for (int x = 0; x < rect.w; ++x) out.at(x, y) = image.at(rect.x + x, rect.y + y);
  return out;
}

std::vector<OutputFile> character_output_files(const PackedSheet& sheet,
                                               const std::string& json_file_name,
                                               const std::string& godot_file_name) {
  check_output_name(json_file_name, "atlas JSON file name", {});
  std::vector<OutputFile> files;
  files.push_back({folder_of(json_file_name) + sheet.image_file_name, encode_png(sheet.image)});
  files.push_back({json_file_name, atlas_json(sheet)});
  if (!godot_file_name.empty()) {
    check_output_name(godot_file_name, "Godot SpriteFrames file name", {});
    check_same_folder(json_file_name, godot_file_name, "Godot SpriteFrames file");
    files.push_back({godot_file_name, godot_sprite_frames(sheet)});
  }
  return files;
}

std::vector<OutputFile> tileset_output_files(const PackedTileset& tileset,
                                             const std::string& json_file_name) {
  check_output_name(json_file_name, "tileset JSON file name", {});
  return {{folder_of(json_file_name) + tileset.sheet.image_file_name,
           encode_png(tileset.sheet.image)},
          {json_file_name, tileset_json(tileset)}};
}

std::vector<OutputFile> item_output_files(const PackedSheet& atlas, const std::string& json_file_name,
                                          const std::string& item_folder) {
  check_output_name(json_file_name, "item atlas JSON file name", {});
  if (!item_folder.empty()) check_output_name(item_folder, "item folder", {});
  const std::string prefix = item_folder.empty() ? std::string() : item_folder + "/";
  std::vector<OutputFile> files;
  for (const PackedFrame& frame : atlas.frames)
    files.push_back({prefix + frame.name + ".png", encode_png(crop(atlas.image, frame.frame))});
  files.push_back({folder_of(json_file_name) + atlas.image_file_name, encode_png(atlas.image)});
  files.push_back({json_file_name, atlas_json(atlas)});
  return files;
}

void write_output_files(const std::filesystem::path& dir, const std::vector<OutputFile>& files) {
  for (const OutputFile& file : files) check_output_name(file.name, "output file", {});
  // Files whose bytes did not change keep their mtime: engines hot-reload only what changed.
  for (const OutputFile& file : files) util::write_file_if_changed(dir / file.name, file.bytes);
}

}  // namespace dgxpx::pixel
