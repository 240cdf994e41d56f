#include "compiler/backend/step_spec.h"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace dgxpx::backend {
using nlohmann::json;

void to_json(json& j, const LoraSpec& s) { j = json{{"file", s.file}, {"weight", s.weight}}; }
void from_json(const json& j, LoraSpec& s) {
  j.at("file").get_to(s.file);
  j.at("weight").get_to(s.weight);
}

void to_json(json& j, const GenSpec& s) {
  j = json{{"kind", "gen"},       {"key", s.key},       {"name", s.name},         {"output", s.output},
           {"backend", s.backend}, {"hint", s.hint},     {"prompt", s.prompt},     {"negative", s.negative}, {"subject", s.subject},
           {"seed", s.seed},       {"width", s.width},   {"height", s.height},     {"tiling", s.tiling},
           {"sampler", s.sampler}, {"steps", s.steps},   {"guidance", s.guidance}, {"loras", s.loras}};
  j["model"] = s.model ? json(*s.model) : json(nullptr);
  // Written only when set: the spec files of default settings keep their bytes (and mtimes).
  if (!s.timestep_spacing.empty()) j["timestep_spacing"] = s.timestep_spacing;
  if (s.original_size) j["original_size"] = json{s.original_size->first, s.original_size->second};
  if (s.crop != std::pair<int, int>{0, 0}) j["crop"] = json{s.crop.first, s.crop.second};
  if (s.target_size) j["target_size"] = json{s.target_size->first, s.target_size->second};
  if (!s.init.empty()) {
    j["init"] = s.init;
    j["strength"] = s.strength;
    if (!s.mask.empty()) j["mask"] = s.mask;
  }
  if (s.strip_frames != 1) j["strip_frames"] = s.strip_frames;
}

// An optional [a, b] pair; absent or null is none.
static std::optional<std::pair<int, int>> optional_pair(const json& j, const char* key) {
  if (!j.contains(key) || j.at(key).is_null()) return std::nullopt;
  return std::pair<int, int>{j.at(key).at(0).get<int>(), j.at(key).at(1).get<int>()};
}

void from_json(const json& j, GenSpec& s) {
  j.at("key").get_to(s.key);
  j.at("name").get_to(s.name);
  j.at("output").get_to(s.output);
  j.at("backend").get_to(s.backend);
  j.at("hint").get_to(s.hint);
  j.at("prompt").get_to(s.prompt);
  j.at("negative").get_to(s.negative);
  j.at("subject").get_to(s.subject);
  j.at("seed").get_to(s.seed);
  j.at("width").get_to(s.width);
  j.at("height").get_to(s.height);
  j.at("tiling").get_to(s.tiling);
  j.at("sampler").get_to(s.sampler);
  j.at("steps").get_to(s.steps);
  j.at("guidance").get_to(s.guidance);
  j.at("loras").get_to(s.loras);
  if (!j.at("model").is_null()) s.model = j.at("model").get<std::string>();
  // Absent: the defaults.
  s.timestep_spacing = j.value("timestep_spacing", std::string());
  s.original_size = optional_pair(j, "original_size");
  s.crop = optional_pair(j, "crop").value_or(std::pair<int, int>{0, 0});
  s.target_size = optional_pair(j, "target_size");
  s.init = j.value("init", std::string());
  s.strength = j.value("strength", 1.0);
  s.mask = j.value("mask", std::string());
  s.strip_frames = j.value("strip_frames", 1);
}

void to_json(json& j, const PixelSpec& s) {
  j = json{{"kind", "pixel"},       {"key", s.key},
           {"name", s.name},         {"input", s.input},
           {"output", s.output},     {"grid", s.grid},
           {"factor", s.factor},     {"width", s.width},
           {"height", s.height},     {"downscale", s.downscale},
           {"palette", s.palette},   {"palette_is_file", s.palette_is_file},
           {"colors", s.colors},     {"dither", s.dither},
           {"background", s.background}, {"tolerance", s.tolerance}};
  if (!s.learn_from.empty()) {
    j["learn_from"] = s.learn_from;
    j["learn_colors"] = s.learn_colors;
  }
  j["outline"] = s.outline ? json(*s.outline) : json(nullptr);
  if (!s.shade.empty()) j["shade"] = s.shade;
}
void from_json(const json& j, PixelSpec& s) {
  j.at("key").get_to(s.key);
  j.at("name").get_to(s.name);
  j.at("input").get_to(s.input);
  j.at("output").get_to(s.output);
  j.at("grid").get_to(s.grid);
  j.at("factor").get_to(s.factor);
  j.at("width").get_to(s.width);
  j.at("height").get_to(s.height);
  j.at("downscale").get_to(s.downscale);
  j.at("palette").get_to(s.palette);
  j.at("palette_is_file").get_to(s.palette_is_file);
  s.learn_from = j.value("learn_from", std::vector<std::string>{});
  s.learn_colors = j.value("learn_colors", 0);
  j.at("colors").get_to(s.colors);
  j.at("dither").get_to(s.dither);
  j.at("background").get_to(s.background);
  j.at("tolerance").get_to(s.tolerance);
  if (!j.at("outline").is_null()) s.outline = j.at("outline").get<std::string>();
  s.shade = j.value("shade", "");
}

void to_json(json& j, const PackFrameSpec& s) {
  j = json{{"name", s.name}, {"input", s.input}, {"row", s.row}, {"tag", s.tag}, {"duration_ms", s.duration_ms}, {"loop", s.loop}};
  if (s.slices != 1) {
    j["slice"] = s.slice;
    j["slices"] = s.slices;
  }
}
void from_json(const json& j, PackFrameSpec& s) {
  j.at("name").get_to(s.name);
  j.at("input").get_to(s.input);
  j.at("row").get_to(s.row);
  j.at("tag").get_to(s.tag);
  j.at("duration_ms").get_to(s.duration_ms);
  j.at("loop").get_to(s.loop);
  s.slice = j.value("slice", 0);
  s.slices = j.value("slices", 1);
}

void to_json(json& j, const PackSpec& s) {
  j = json{{"kind", "pack"},     {"key", s.key},       {"name", s.name},
           {"asset_kind", s.kind}, {"format", s.format}, {"output_dir", s.output_dir},
           {"formats", s.formats},   {"frames", s.frames}};
}
void from_json(const json& j, PackSpec& s) {
  j.at("key").get_to(s.key);
  j.at("name").get_to(s.name);
  j.at("asset_kind").get_to(s.kind);
  j.at("format").get_to(s.format);
  j.at("output_dir").get_to(s.output_dir);
  j.at("formats").get_to(s.formats);
  j.at("frames").get_to(s.frames);
}

std::vector<std::string> PackSpec::output_names() const {
  auto wants = [&](const char* f) { return std::find(formats.begin(), formats.end(), f) != formats.end(); };
  std::vector<std::string> out = {name + ".png"};
  if (wants("aseprite")) out.push_back(name + ".json");
  if (wants("texturepacker")) out.push_back(name + ".hash.json");
  if (format == "tileset" && wants("tiled")) out.push_back(name + ".tsx");
  if (format != "items" && wants("godot")) out.push_back(name + ".tres");
  if (format != "items" && wants("bevy")) out.push_back(name + ".assets.ron");
  if (format == "character" && wants("bevy")) out.push_back(name + ".animations.ron");
  if (format == "items")
    for (const auto& f : frames) out.push_back(name + "/" + f.name + ".png");
  return out;
}

std::vector<std::string> PackSpec::outputs() const {
  std::vector<std::string> out;
  for (const auto& n : output_names()) out.push_back(output_dir + "/" + n);
  return out;
}

}  // namespace dgxpx::backend
