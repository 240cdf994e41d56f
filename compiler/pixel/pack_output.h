#pragma once
// The files a pack step publishes, as bytes first (so the cache can store them and tests can
// compare them) and written to disk last, each atomically, sheets before the files that name them.
#include <filesystem>
#include <string>
#include <vector>

#include "compiler/pixel/sheet.h"

namespace dgxpx::pixel {

struct OutputFile {
  std::string name;   // relative to the output folder, '/'-separated
  std::string bytes;
};

/// Which engine files a pack step writes next to its sheet PNG (dgxpx.yaml `outputs:`). Each is
/// named after the asset's base path ("sprites/hero"); a format that does not apply to a kind
/// (Tiled for characters, Godot for items) writes nothing.
struct OutputFormats {
  bool aseprite = true;       // <base>.json: Aseprite json-array (Phaser load.aseprite, Pixi)
  bool texturepacker = true;  // <base>.hash.json: TexturePacker json-hash, frames by name
  bool tiled = true;          // <base>.tsx: Tiled tileset (tilesets)
  bool godot = false;         // <base>.tres: Godot 4 SpriteFrames (characters), TileSet (tilesets)
  bool bevy = true;           // <base>.assets.ron (grid sheets), <base>.animations.ron (characters)
};

/// The sheet PNG (at the sheet's image_file_name, in the base's folder), then the selected
/// formats. The json-array names frames by index, as Phaser's Aseprite animations need.
/// Throws util::InputError for a bad base path.
std::vector<OutputFile> character_output_files(const PackedSheet& sheet, const std::string& base,
                                               const OutputFormats& formats);

/// The tile sheet PNG, then the selected formats; frames are named "<tile>/<variation>".
/// Throws util::InputError for a bad base path.
std::vector<OutputFile> tileset_output_files(const PackedSheet& tileset, const std::string& base,
                                             const OutputFormats& formats);

/// Every item as its own PNG, "<item_folder>/<item name>.png" (item_folder may be empty), cut
/// from the atlas, then the atlas PNG and the selected formats (frames named by item).
/// Throws util::InputError for bad file names.
std::vector<OutputFile> item_output_files(const PackedSheet& atlas, const std::string& base,
                                          const std::string& item_folder, const OutputFormats& formats);

/// Writes each file under `dir` atomically, in order, leaving alone (mtime too) those that already
/// hold their bytes. Names are checked first, so nothing is
/// written when one is bad (util::InputError); I/O failures throw util::RuntimeFailure.
void write_output_files(const std::filesystem::path& dir, const std::vector<OutputFile>& files);

/// Cuts `rect` out of `image` (the caller guarantees it lies inside).
Image crop(const Image& image, const Rect& rect);

}  // namespace dgxpx::pixel
