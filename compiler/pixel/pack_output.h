#pragma once
// The files a pack step publishes, as bytes first (so the cache can store them and tests can
// compare them) and written to disk last, each atomically, sheets before the JSON that names them.
#include <filesystem>
#include <string>
#include <vector>

#include "compiler/pixel/godot_sprite_frames.h"
#include "compiler/pixel/sheet.h"
#include "compiler/pixel/tileset_sheet.h"

namespace dgxpx::pixel {

struct OutputFile {
  std::string name;   // relative to the output folder, '/'-separated
  std::string bytes;
};

/// The sheet PNG (next to the JSON, at the sheet's image_file_name), the atlas JSON at
/// `json_file_name` and, when `godot_file_name` is not empty, a Godot 4 SpriteFrames .tres (the
/// .tres must sit in the JSON's folder). Throws util::InputError for bad file names.
std::vector<OutputFile> character_output_files(const PackedSheet& sheet,
                                               const std::string& json_file_name,
                                               const std::string& godot_file_name = "");

/// The tile sheet PNG and the tileset JSON. Throws util::InputError for bad file names.
std::vector<OutputFile> tileset_output_files(const PackedTileset& tileset,
                                             const std::string& json_file_name);

/// Every item as its own PNG, "<item_folder>/<item name>.png" (item_folder may be empty), cut
/// from the atlas, then the atlas PNG and its JSON. Throws util::InputError for bad file names.
std::vector<OutputFile> item_output_files(const PackedSheet& atlas, const std::string& json_file_name,
                                          const std::string& item_folder);

/// Writes each file under `dir` atomically, in order, leaving alone (mtime too) those that already
/// hold their bytes. Names are checked first, so nothing is
/// written when one is bad (util::InputError); I/O failures throw util::RuntimeFailure.
void write_output_files(const std::filesystem::path& dir, const std::vector<OutputFile>& files);

/// Cuts `rect` out of `image` (the caller guarantees it lies inside).
Image crop(const Image& image, const Rect& rect);

}  // namespace dgxpx::pixel
