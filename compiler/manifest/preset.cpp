#include "compiler/manifest/preset.h"

#include <algorithm>
#include <regex>

#include "compiler/pixel/shading.h"

namespace dgxpx::manifest {
namespace fs = std::filesystem;
using util::InputError;

const std::vector<std::string>& sampler_names() {
  static const std::vector<std::string> names = {"euler", "euler_a",  "dpmpp_2m", "dpmpp_2m_karras",
                                                 "ddim",  "lcm",      "unipc",    "dpmpp_2m_sde_karras"};
  return names;
}
const std::vector<std::string>& timestep_spacing_names() {
  static const std::vector<std::string> names = {"leading", "trailing", "linspace"};
  return names;
}
const std::vector<std::string>& downscale_names() {
  static const std::vector<std::string> names = {"nearest", "mode", "k-centroid"};
  return names;
}
const std::vector<std::string>& builtin_palette_names() {
  static const std::vector<std::string> names = {"pico-8", "db16", "db32", "gameboy", "nes"};
  return names;
}

Value merge_values(const Value& base, const Value& overrides) {
  if (base.type != Value::Type::map || overrides.type != Value::Type::map) return overrides;
  Value merged = base;
  for (size_t i = 0; i < overrides.entries.size(); ++i) {
    const auto& [key, v] = overrides.entries[i];
    bool replaced = false;
    for (size_t j = 0; j < merged.entries.size(); ++j) {
      if (merged.entries[j].first != key) continue;
      merged.entries[j].second = merge_values(merged.entries[j].second, v);
      if (j < merged.key_locations.size()) merged.key_locations[j] = overrides.key_location(key);
      replaced = true;
    }
    if (!replaced) {
      merged.entries.emplace_back(key, v);
      merged.key_locations.push_back(overrides.key_location(key));
    }
  }
  return merged;
}

static std::string one_of(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return "one of " + out;
}

static std::string pick(const Value& v, const std::vector<std::string>& allowed) {
  std::string s = as_string(v);
  if (std::find(allowed.begin(), allowed.end(), s) == allowed.end())
    throw InputError(v.where, util::expected_got(one_of(allowed), "'" + s + "'"));
  return s;
}

static int positive_int(const Value& v, int64_t max, const std::string& what) {
  int64_t n = as_int(v, what);
  if (n < 1 || n > max) throw InputError(v.where, util::expected_got(what + " between 1 and " + std::to_string(max), std::to_string(n)));
  return static_cast<int>(n);
}

static fs::path existing_file(const Value& v, const fs::path& root, const std::string& what) {
  std::string written = as_string(v, "a file path");
  fs::path p = fs::path(written).is_absolute() ? fs::path(written) : root / written;
  std::error_code ec;
  if (!fs::exists(p, ec)) throw InputError(v.where, what + " '" + written + "' does not exist");
  return p.lexically_normal();
}

static const std::regex& hex_colour() {
  static const std::regex re("#[0-9a-fA-F]{6}");
  return re;
}

// size: [w, h] or "WxH"
static std::pair<int, int> parse_size(const Value& v, int64_t max) {
  if (v.type == Value::Type::list && v.items.size() == 2)
    return {positive_int(v.items[0], max, "a width"), positive_int(v.items[1], max, "a height")};
  if (v.type == Value::Type::scalar) {
    static const std::regex re("([0-9]+)x([0-9]+)");
    std::smatch m;
    if (std::regex_match(v.scalar, m, re)) {
      int64_t w = std::stoll(m[1]), h = std::stoll(m[2]);
      if (w >= 1 && w <= max && h >= 1 && h <= max) return {static_cast<int>(w), static_cast<int>(h)};
    }
  }
  throw InputError(v.where, util::expected_got("a size like [32, 32] or \"32x32\" (each 1.." + std::to_string(max) + ")", v.describe()));
}

// {from: PATTERN | [PATTERN...], colors: N}: PNG files of the game's art; a pattern may hold
// wildcards in its file name (art/*.png), not in its folders.
static LearnedPaletteSettings parse_learned_palette(const Value& doc, const fs::path& root) {
  check_keys(doc, {"from", "colors"});
  LearnedPaletteSettings learned;
  const Value& from = require(doc, "from");
  std::vector<const Value*> patterns;
  if (from.type == Value::Type::list) {
    for (const Value& item : from.items) patterns.push_back(&item);
  } else {
    patterns.push_back(&from);
  }
  if (patterns.empty()) throw InputError(from.where, util::expected_got("PNG files or patterns like art/*.png", "an empty list"));
  for (const Value* pattern : patterns) {
    const std::string written = as_string(*pattern, "a PNG file or a pattern like art/*.png");
    const fs::path path = (fs::path(written).is_absolute() ? fs::path(written) : root / written).lexically_normal();
    if (path.parent_path().string().find_first_of("*?[") != std::string::npos)
      throw InputError(pattern->where, util::expected_got("wildcards only in the file name (art/*.png)", "'" + written + "'"));
    learned.from.push_back({path, written, pattern->where});
  }
  if (auto* v = doc.find("colors")) learned.colors = positive_int(*v, 256, "a colour count");
  return learned;
}

static PixelSettings parse_pixel(const Value& doc, const fs::path& root) {
  as_map(doc, "a mapping of pixel settings");
  check_keys(doc, {"size", "factor", "detect", "downscale", "palette", "colors", "dither", "background", "tolerance", "outline", "shade"});
  PixelSettings p;
  int grid_choices = (doc.find("size") != nullptr) + (doc.find("factor") != nullptr) + (doc.find("detect") != nullptr);
  if (grid_choices > 1) throw InputError(doc.where, "give only one of 'size', 'factor' or 'detect'");
  if (auto* v = doc.find("size")) {
    std::tie(p.width, p.height) = parse_size(*v, 1024);
    p.grid = PixelSettings::Grid::size;
  }
  if (auto* v = doc.find("factor")) {
    p.factor = positive_int(*v, 256, "a pixel factor");
    p.grid = PixelSettings::Grid::factor;
  }
  if (auto* v = doc.find("detect")) {
    if (!as_bool(*v)) throw InputError(v->where, util::expected_got("true (or use size/factor)", v->describe()));
    p.grid = PixelSettings::Grid::detect;
  }
  if (auto* v = doc.find("downscale")) p.downscale = pick(*v, downscale_names());
  if (auto* v = doc.find("palette"); v && v->type == Value::Type::map) {
    p.learned_palette = parse_learned_palette(*v, root);
  } else if (v) {
    std::string name = as_string(*v, "a palette name or file");
    const auto& builtins = builtin_palette_names();
    if (std::find(builtins.begin(), builtins.end(), name) != builtins.end()) {
      p.palette = name;
    } else if (name.find('.') != std::string::npos || name.find('/') != std::string::npos) {
      p.palette = existing_file(*v, root, "palette file").string();
      p.palette_is_file = true;
    } else {
      throw InputError(v->where, util::expected_got("a built-in palette (" + one_of(builtins) + ") or a palette file (.hex, .gpl, .pal, .png)", "'" + name + "'"));
    }
  }
  if (auto* v = doc.find("colors")) {
    p.colors = positive_int(*v, 256, "a colour count");
    if (!p.palette.empty() || p.learned_palette)
      throw InputError(v->where, "give either 'palette' or 'colors', not both (a learned palette takes its own 'colors')");
  }
  if (auto* v = doc.find("dither")) p.dither = as_bool(*v);
  if (auto* v = doc.find("shade")) {  // true: light from the top left; or the light's direction
    const std::string s = as_string(*v, "true, false or a light direction");
    if (s == "true") p.shade = "top-left";
    else if (s != "false") p.shade = pick(*v, pixel::light_direction_names());
    if (!p.shade.empty() && p.palette.empty() && !p.learned_palette && p.colors == 0)
      throw InputError(v->where, "shade moves pixels along the palette's ramps: give the preset a 'palette' or 'colors'");
  }
  if (auto* v = doc.find("background")) {
    std::string b = as_string(*v);
    if (b != "keep" && b != "flood" && !std::regex_match(b, hex_colour()))
      throw InputError(v->where, util::expected_got("keep, flood or a key colour like \"#ff00ff\"", "'" + b + "'"));
    p.background = b;
  }
  if (auto* v = doc.find("tolerance")) {
    p.tolerance = as_number(*v);
    if (p.tolerance < 0 || p.tolerance > 1) throw InputError(v->where, util::expected_got("a tolerance between 0 and 1", v->scalar));
  }
  if (auto* v = doc.find("outline")) {
    std::string c = as_string(*v);
    if (!std::regex_match(c, hex_colour())) throw InputError(v->where, util::expected_got("a colour like \"#000000\"", "'" + c + "'"));
    p.outline = c;
  }
  return p;
}

// The pixel stage only ever shrinks: a grid finer than the generated image would upsample it
// into blocks with no detail of their own, so it is an error where the grid was written.
static void check_grid_fits(const Preset& p, const Value& pixel) {
  const std::string generated = std::to_string(p.width) + "x" + std::to_string(p.height);
  if (auto* v = pixel.find("size"); v && (p.pixel.width > p.width || p.pixel.height > p.height))
    throw InputError(v->where, util::expected_got("a pixel size no larger than the generated image (" + generated + ")",
                                                  std::to_string(p.pixel.width) + "x" + std::to_string(p.pixel.height)));
  if (auto* v = pixel.find("factor"); v && (p.pixel.factor > p.width || p.pixel.factor > p.height))
    throw InputError(v->where, util::expected_got("a pixel factor no larger than the generated image (" + generated + ")",
                                                  std::to_string(p.pixel.factor)));
}

// A registry name or status is a folder or file-name part: a plain word.
static std::string registry_word(const Value& v, const std::string& what) {
  static const std::regex word("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
  std::string s = as_string(v, what);
  if (!std::regex_match(s, word) || s.find("..") != std::string::npos)
    throw InputError(v.where, util::expected_got(what + " (letters, digits, '.', '_', '-')", "'" + s + "'"));
  return s;
}

// - loras/style.safetensors
// - {file: loras/style.safetensors, weight: 0.8}
// - {name: style, status: production, weight: 0.8}
static LoraRef parse_lora(const Value& item, const fs::path& root) {
  LoraRef lora;
  lora.where = item.where;
  if (item.type == Value::Type::scalar) {
    lora.file = existing_file(item, root, "LoRA file");
    lora.display = item.scalar;
    return lora;
  }
  as_map(item, "a LoRA file path, {file: ..., weight: ...} or {name: ..., status: ..., weight: ...}");
  check_keys(item, {"file", "name", "status", "weight"});
  const Value* file = item.find("file");
  const Value* name = item.find("name");
  if ((file != nullptr) == (name != nullptr))
    throw InputError(item.where, util::expected_got("a LoRA with either 'file' or 'name' (from the LoRA registry)",
                                                    file ? "both" : "neither"));
  if (file) {
    if (auto* status = item.find("status"))
      throw InputError(status->where, "'status' picks a registry version: use it with 'name', not 'file'");
    lora.file = existing_file(*file, root, "LoRA file");
    lora.display = file->scalar;
    lora.where = file->where;
  } else {
    lora.registry_name = registry_word(*name, "a LoRA name");
    lora.registry_status = "production";
    if (auto* status = item.find("status")) lora.registry_status = registry_word(*status, "a registry status such as production");
    lora.display = lora.registry_name + " (" + lora.registry_status + ")";
    lora.where = name->where;
  }
  if (auto* w = item.find("weight")) lora.weight = as_number(*w, "a LoRA weight");
  return lora;
}

Preset parse_preset(const std::string& name, const Value& doc, const fs::path& root) {
  as_map(doc, "a preset mapping");
  check_keys(doc, {"description", "model", "loras", "sampler", "timestep_spacing", "steps", "guidance", "size",
                   "original_size", "crop", "target_size", "prompt_prefix", "prompt_suffix", "negative_prompt",
                   "pixel"});
  Preset p;
  p.name = name;
  p.where = doc.where;
  if (auto* v = doc.find("description")) p.description = as_string(*v);
  if (auto* v = doc.find("model"); v && v->type != Value::Type::null) {
    p.model = existing_file(*v, root, "model");
    p.model_display = v->scalar;
  }
  if (auto* v = doc.find("loras")) {
    for (const auto& item : as_list(*v, "a list of LoRAs").items) p.loras.push_back(parse_lora(item, root));
  }
  if (auto* v = doc.find("sampler")) p.sampler = pick(*v, sampler_names());
  if (auto* v = doc.find("timestep_spacing")) {
    p.timestep_spacing = pick(*v, timestep_spacing_names());
    // LCM keeps its distillation schedule and the Karras samplers their sigma ramp.
    if (p.sampler == "lcm" || p.sampler.find("karras") != std::string::npos)
      throw InputError(v->where, util::expected_got("no timestep_spacing with sampler " + p.sampler +
                                                        " (it picks its own timesteps)",
                                                    "'" + p.timestep_spacing + "'"));
  }
  if (auto* v = doc.find("steps")) p.steps = positive_int(*v, 1000, "a step count");
  if (auto* v = doc.find("guidance")) {
    p.guidance = as_number(*v, "a guidance scale");
    if (p.guidance < 0 || p.guidance > 50) throw InputError(v->where, util::expected_got("a guidance scale between 0 and 50", v->scalar));
  }
  if (auto* v = doc.find("size")) {
    std::tie(p.width, p.height) = parse_size(*v, 4096);
    if (p.width % 8 || p.height % 8)
      throw InputError(v->where, util::expected_got("a generation size that is a multiple of 8", std::to_string(p.width) + "x" + std::to_string(p.height)));
  }
  if (auto* v = doc.find("original_size")) p.original_size = parse_size(*v, 16384);
  if (auto* v = doc.find("target_size")) p.target_size = parse_size(*v, 16384);
  if (auto* v = doc.find("crop")) {
    if (v->type != Value::Type::list || v->items.size() != 2)
      throw InputError(v->where, util::expected_got("a crop like [top, left]", v->describe()));
    const int64_t top = as_int(v->items[0], "a crop top"), left = as_int(v->items[1], "a crop left");
    for (const auto& [n, item] : {std::pair{top, &v->items[0]}, {left, &v->items[1]}})
      if (n < 0 || n > 16384)
        throw InputError(item->where, util::expected_got("a crop offset between 0 and 16384", std::to_string(n)));
    p.crop = {static_cast<int>(top), static_cast<int>(left)};
  }
  if (auto* v = doc.find("prompt_prefix")) p.prompt_prefix = as_string(*v);
  if (auto* v = doc.find("prompt_suffix")) p.prompt_suffix = as_string(*v);
  if (auto* v = doc.find("negative_prompt")) p.negative_prompt = as_string(*v);
  if (auto* v = doc.find("pixel")) {
    p.pixel = parse_pixel(*v, root);
    check_grid_fits(p, *v);
  }
  return p;
}

}  // namespace dgxpx::manifest
