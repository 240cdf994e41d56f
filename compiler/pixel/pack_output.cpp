#include "compiler/pixel/pack_output.h"

#include "compiler/pixel/atlas_json.h"
#include "compiler/pixel/bevy_ron.h"
#include "compiler/pixel/godot_sprite_frames.h"
#include "compiler/pixel/godot_tileset.h"
#include "compiler/pixel/png_io.h"
#include "compiler/pixel/tiled_tileset.h"
#include "compiler/util/atomic_file.h"

namespace dgxpx::pixel {

static std::string folder_of(const std::string& name) {
  const size_t slash = name.rfind('/');
  return slash == std::string::npos ? std::string() : name.substr(0, slash + 1);
}

Image crop(const Image& image, const Rect& rect) {
  Image out(rect.w, rect.h);
  for (int y = 0; y < rect.h; ++y)
    for (int x = 0; x < rect.w; ++x) out.at(x, y) = image.at(rect.x + x, rect.y + y);
  return out;
}

// The sheet PNG and the two JSON layouts every kind can have.
static std::vector<OutputFile> sheet_and_atlases(const PackedSheet& sheet, const std::string& base,
                                                 ArrayFilenames filenames, const OutputFormats& formats) {
  check_output_name(base, "output file name", {});
  std::vector<OutputFile> files;
  files.push_back({folder_of(base) + sheet.image_file_name, encode_png(sheet.image)});
  if (formats.aseprite) files.push_back({base + ".json", atlas_json(sheet, filenames)});
  if (formats.texturepacker) files.push_back({base + ".hash.json", atlas_hash_json(sheet)});
  return files;
}

std::vector<OutputFile> character_output_files(const PackedSheet& sheet, const std::string& base,
                                               const OutputFormats& formats) {
  auto files = sheet_and_atlases(sheet, base, ArrayFilenames::index, formats);
  if (formats.godot) files.push_back({base + ".tres", godot_sprite_frames(sheet)});
  if (formats.bevy) {
    files.push_back({base + ".assets.ron", bevy_assets_ron(sheet, files.front().name)});
    files.push_back({base + ".animations.ron", bevy_animations_ron(sheet)});
  }
  return files;
}

std::vector<OutputFile> tileset_output_files(const PackedSheet& tileset, const std::string& base,
                                             const OutputFormats& formats) {
  auto files = sheet_and_atlases(tileset, base, ArrayFilenames::name, formats);
  if (formats.tiled) files.push_back({base + ".tsx", tiled_tileset(tileset)});
  if (formats.godot) files.push_back({base + ".tres", godot_tileset(tileset)});
  if (formats.bevy) files.push_back({base + ".assets.ron", bevy_assets_ron(tileset, files.front().name)});
  return files;
}

std::vector<OutputFile> item_output_files(const PackedSheet& atlas, const std::string& base,
                                          const std::string& item_folder, const OutputFormats& formats) {
  if (!item_folder.empty()) check_output_name(item_folder, "item folder", {});
  const std::string prefix = item_folder.empty() ? std::string() : item_folder + "/";
  std::vector<OutputFile> files;
  for (const PackedFrame& frame : atlas.frames)
    files.push_back({prefix + frame.name + ".png", encode_png(crop(atlas.image, frame.frame))});
  for (auto& file : sheet_and_atlases(atlas, base, ArrayFilenames::name, formats))
    files.push_back(std::move(file));
  return files;
}

void write_output_files(const std::filesystem::path& dir, const std::vector<OutputFile>& files) {
  for (const OutputFile& file : files) check_output_name(file.name, "output file", {});
  // Files whose bytes did not change keep their mtime: engines hot-reload only what changed.
  for (const OutputFile& file : files) util::write_file_if_changed(dir / file.name, file.bytes);
}

}  // namespace dgxpx::pixel
