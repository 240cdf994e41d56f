#pragma once
// The contract between the planner and `dgxpx step`: one JSON file per step, named by its key
// under .dgxpx/steps/<kind>/. Paths inside are relative to the project root (ninja's cwd).
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace dgxpx::backend {

struct LoraSpec {
  std::string file;
  double weight = 1.0;
};

/// prompt → raw image.
struct GenSpec {
  std::string key;       // step key (hex)
  std::string name;      // first frame using it: "hero/walk/down/3"
  std::string output;    // .dgxpx/gen/<key>.png
  std::string backend;   // "procedural" or "sdxl"
  std::string hint;      // what the placeholder draws: character, tile, item
  std::string prompt, negative;
  std::string subject;   // the part of the prompt every frame shares ("" → the prompt)
  int64_t seed = 0;
  int width = 1024, height = 1024;
  std::string tiling = "none";  // none | x | y | xy
  std::string sampler;
  std::string timestep_spacing;  // "" = the model's scheduler config; leading | trailing | linspace
  int steps = 20;
  double guidance = 6.0;
  std::optional<std::string> model;
  std::vector<LoraSpec> loras;
  /// SDXL micro-conditioning; unset sizes are (width, height) (diffusers' defaults).
  std::optional<std::pair<int, int>> original_size, target_size;  // (width, height)
  std::pair<int, int> crop{0, 0};                                 // (top, left)
  /// A keyframe-derived frame starts from its key frame's image (`init`, a gen output; "" for
  /// none), re-running `strength` of the schedule (img2img), or with a `mask` PNG only where
  /// the mask is light (inpainting; "" for none).
  std::string init;
  double strength = 1.0;
  std::string mask;
  /// A strip: the image holds this many frames side by side (width = frames × frame width).
  int strip_frames = 1;
};

/// raw image → pixel sprite. Mirrors manifest::PixelSettings.
struct PixelSpec {
  std::string key, name, input, output;
  std::string grid = "size";  // size | factor | detect
  int factor = 0, width = 32, height = 32;
  std::string downscale = "k-centroid";
  std::string palette;        // "" | built-in name | file path
  bool palette_is_file = false;
  /// A learned palette: `palette` is where it is kept (.dgxpx/palettes/<key>.hex), learned from
  /// these PNG files with `learn_colors` colours by the first step that finds it missing.
  std::vector<std::string> learn_from;
  int learn_colors = 0;
  int colors = 0;
  bool dither = false;
  std::string background = "flood";
  double tolerance = 0.12;
  std::optional<std::string> outline;
  std::string shade;  // "" off, else the light's direction (pixel/shading.h)
};

struct PackFrameSpec {
  std::string name;   // frame name inside the asset ("walk/down/3")
  std::string input;  // pixel sprite path
  std::string row;    // sheet row ("walk/down"); "" for grids
  std::string tag;    // frameTags name; "" for none
  int duration_ms = 100;
  bool loop = true;   // whether its row's animation loops
  /// A frame of a strip: the sprite is slice `slice` of `slices` equal columns of `input`.
  int slice = 0, slices = 1;
};

/// sprites → sheet + atlas (+ individual files).
struct PackSpec {
  std::string key, name, kind;  // asset name and kind
  std::string format = "character";  // character | tileset | items
  std::string output_dir;       // the project's output folder ("assets")
  /// Engine formats written besides the sheet PNG (dgxpx.yaml `outputs:`): aseprite,
  /// texturepacker, tiled, godot, bevy; those that do not apply to `format` write nothing.
  std::vector<std::string> formats;
  std::vector<PackFrameSpec> frames;

  /// Every output file, relative to output_dir: "<name>.png", then per format "<name>.json",
  /// "<name>.hash.json", ".tsx" (tilesets), ".tres" (characters, tilesets), ".assets.ron"
  /// (characters, tilesets), ".animations.ron" (characters), then the items' own
  /// "<name>/<item>.png".
  std::vector<std::string> output_names() const;
  /// output_names() prefixed with output_dir.
  std::vector<std::string> outputs() const;
};

void to_json(nlohmann::json& j, const LoraSpec& s);
void from_json(const nlohmann::json& j, LoraSpec& s);
void to_json(nlohmann::json& j, const GenSpec& s);
void from_json(const nlohmann::json& j, GenSpec& s);
void to_json(nlohmann::json& j, const PixelSpec& s);
void from_json(const nlohmann::json& j, PixelSpec& s);
void to_json(nlohmann::json& j, const PackFrameSpec& s);
void from_json(const nlohmann::json& j, PackFrameSpec& s);
void to_json(nlohmann::json& j, const PackSpec& s);
void from_json(const nlohmann::json& j, PackSpec& s);

}  // namespace dgxpx::backend
