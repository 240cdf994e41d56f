#pragma once
// Style presets: which model and LoRAs, sampler settings, generation size, the pixel stage's
// settings and the prompt prefix. An asset picks a preset and may override any field.
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "compiler/manifest/value.h"

namespace dgxpx::manifest {

/// A LoRA as a preset names it: a file (`file:` or a bare path), or a registry entry
/// (`{name: style, status: production}`, resolved by the planner in the project's LoRA
/// registry, see compiler/lora/registry.h).
struct LoraRef {
  std::filesystem::path file;     // absolute; empty for a registry entry
  std::string display;            // as written
  std::string registry_name;      // "" for a file
  std::string registry_status;    // "production" unless written
  std::optional<double> weight;   // as written; none: the LoRA's recommended strength, else 1.0
  util::SourceLocation where;     // the file or name as written (errors about the LoRA point here)
};

/// `palette: {from: [art/*.png], colors: 16}`: a palette learned from the game's own art.
struct LearnedPaletteSettings {
  struct Pattern {
    std::filesystem::path path;  // absolute; wildcards (* ? [..]) only in its file name
    std::string written;         // as in the preset, for messages and display
    util::SourceLocation where;
  };
  std::vector<Pattern> from;
  int colors = 16;
};

/// Pixel-stage settings as written; the pixel library interprets them.
struct PixelSettings {
  enum class Grid { factor, size, detect };
  Grid grid = Grid::size;
  int factor = 0;
  int width = 32, height = 32;
  std::string downscale = "k-centroid";          // nearest | mode | k-centroid
  std::string palette;                           // "" none, a built-in name, or a file (absolute)
  bool palette_is_file = false;
  std::optional<LearnedPaletteSettings> learned_palette;  // instead of `palette`
  int colors = 0;                                // k-means colours when > 0 and no palette
  bool dither = false;
  std::string background = "flood";             // keep | flood | #rrggbb
  double tolerance = 0.12;
  std::optional<std::string> outline;            // #rrggbb
  std::string shade;                             // "" off, else where the light comes from
};

struct Preset {
  std::string name;
  std::string description;
  std::optional<std::filesystem::path> model;  // none → the procedural placeholder backend
  std::string model_display;
  std::vector<LoraRef> loras;
  std::string sampler = "euler_a";
  std::string timestep_spacing;  // "" (the model's scheduler config) | leading | trailing | linspace
  int steps = 20;
  double guidance = 6.0;
  int width = 1024, height = 1024;
  /// SDXL micro-conditioning; unset sizes are the generation size (diffusers' defaults).
  std::optional<std::pair<int, int>> original_size, target_size;  // (width, height)
  std::pair<int, int> crop{0, 0};                                 // (top, left)
  std::string prompt_prefix, prompt_suffix, negative_prompt;
  PixelSettings pixel;
  util::SourceLocation where;
};

/// Known samplers, timestep spacings and downscale modes / built-in palettes, for validation.
const std::vector<std::string>& sampler_names();
const std::vector<std::string>& timestep_spacing_names();
const std::vector<std::string>& downscale_names();
const std::vector<std::string>& builtin_palette_names();

/// Deep-merges `overrides` into `base` (mappings merge key by key, anything else replaces).
Value merge_values(const Value& base, const Value& overrides);

/// Parses a preset mapping (already merged with any overrides). Relative paths (model, LoRAs,
/// palette files) resolve against `project_root`; files that do not exist are errors at the
/// place they were written.
Preset parse_preset(const std::string& name, const Value& doc, const std::filesystem::path& project_root);

}  // namespace dgxpx::manifest
