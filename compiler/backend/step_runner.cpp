#include "compiler/backend/step_runner.h"

#include <ctime>
#include <map>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "cache/materialize.h"
#include "compiler/backend/learned_palette_file.h"
#include "compiler/backend/pixel_options.h"
#include "compiler/backend/procedural_generator.h"
#include "compiler/backend/step_log.h"
#include "compiler/pixel/character_sheet.h"
#include "compiler/pixel/item_atlas.h"
#include "compiler/pixel/pack_output.h"
#include "compiler/pixel/pixelize.h"
#include "compiler/pixel/quantize.h"
#include "compiler/pixel/shading.h"
#include "compiler/pixel/strip.h"
#include "compiler/pixel/png_io.h"
#include "compiler/pixel/tileset_sheet.h"
#include "compiler/util/atomic_file.h"
#include "compiler/util/error.h"

namespace dgxpx::backend {
namespace fs = std::filesystem;

std::unique_ptr<Generator> make_generator(const GenSpec& spec) {
  if (spec.backend == "procedural") return std::make_unique<ProceduralGenerator>();
  throw util::RuntimeFailure("gen " + spec.name + ": backend '" + spec.backend + "' is not available here");
}

namespace {

util::Digest key_from(const std::string& hex, const std::string& name) {
  auto key = util::Digest::from_hex(hex);
  if (!key) throw util::InputError("step " + name + ": malformed key '" + hex + "' in its spec");
  return *key;
}

cache::ActionEntry entry_for(const util::Digest& key, const std::string& kind, const std::string& name) {
  cache::ActionEntry e;
  e.key = key;
  e.kind = kind;
  e.label = kind + " " + name;
  e.created_unix = static_cast<int64_t>(std::time(nullptr));
  return e;
}

// Looks the key up and, on a hit, writes its outputs into place. True when materialized.
bool try_materialize(StepContext& ctx, const util::Digest& key, const std::vector<cache::OutputFile>& files,
                     const std::string& label) {
  auto got = ctx.store.get_entry(key);
  if (!got.hit()) {
    if (got.status != cache::GetStatus::miss) spdlog::warn("{}: cache {} ({}); regenerating", label, cache::to_string(got.status), got.reason);
    return false;
  }
  auto result = cache::materialize(ctx.store, *got.value, files);
  if (!result.ok()) {
    if (result.status != cache::GetStatus::miss) spdlog::warn("{}: cache {} ({}); regenerating", label, cache::to_string(result.status), result.reason);
    return false;
  }
  return true;
}

void file_outputs(StepContext& ctx, const util::Digest& key, const std::string& kind, const std::string& name,
                  const std::vector<cache::OutputFile>& files) {
  auto put = cache::store_outputs(ctx.store, entry_for(key, kind, name), files);
  if (!put.ok()) spdlog::warn("{} {}: not cached: {}", kind, name, put.reason);
}

}  // namespace

StepOutcome run_gen_step(const GenSpec& spec, StepContext& ctx) {
  util::Digest key = key_from(spec.key, spec.name);
  std::vector<cache::OutputFile> files = {{"image", spec.output}};
  if (try_materialize(ctx, key, files, "gen " + spec.name)) return StepOutcome::from_cache;
  if (!ctx.may_generate)
    throw util::RuntimeFailure("gen " + spec.name + ": not in the cache (key " + spec.key +
                               "), and this build only takes images from it (--cached-only): the shard that "
                               "owns this step did not deliver it");
  auto generator = ctx.generators(spec);
  pixel::Image image = generator->generate(spec);
  if (image.width != spec.width || image.height != spec.height)
    throw util::RuntimeFailure("gen " + spec.name + ": backend " + generator->id() + " returned " +
                               std::to_string(image.width) + "x" + std::to_string(image.height) + ", expected " +
                               std::to_string(spec.width) + "x" + std::to_string(spec.height));
  pixel::PngText text = {{"dgxpx:backend", generator->id()}, {"dgxpx:prompt", spec.prompt},
                         {"dgxpx:negative", spec.negative}, {"dgxpx:seed", std::to_string(spec.seed)},
                         {"dgxpx:key", spec.key}};
  pixel::write_png(spec.output, image, text);
  file_outputs(ctx, key, "gen", spec.name, files);
  return StepOutcome::ran;
}

// The pixel stage, then, when asked, shading within the palette it applied (the preset is
// refused without one); the outline keeps its colour.
static pixel::Image pixelize_and_shade(const pixel::Image& raw, const PixelSpec& spec) {
  const pixel::PixelizeOptions options = pixelize_options_from(spec);
  pixel::PixelizeResult result = pixel::pixelize_detailed(raw, options);
  if (spec.shade.empty()) return std::move(result.image);
  if (!result.palette) throw util::InputError("pixel step " + spec.name + ": shade needs a palette or colors");
  const pixel::Palette& palette = *result.palette;
  pixel::ShadeOptions shade{spec.shade, std::nullopt};
  if (options.outline && !palette.colors.empty()) {
    const pixel::PaletteMatcher matcher(palette);
    shade.keep = matcher.color(matcher.nearest(*options.outline));
  }
  return pixel::shade_in_palette(result.image, palette, shade);
}

StepOutcome run_pixel_step(const PixelSpec& spec, StepContext& ctx) {
  util::Digest key = key_from(spec.key, spec.name);
  std::vector<cache::OutputFile> files = {{"sprite", spec.output}};
  if (try_materialize(ctx, key, files, "pixel " + spec.name)) return StepOutcome::from_cache;
  ensure_learned_palette(spec);
  pixel::Image raw = pixel::read_png(spec.input);
  pixel::Image sprite = pixelize_and_shade(raw, spec);
  pixel::write_png(spec.output, sprite);
  file_outputs(ctx, key, "pixel", spec.name, files);
  return StepOutcome::ran;
}

static pixel::OutputFormats output_formats(const PackSpec& spec) {
  pixel::OutputFormats formats;
  formats.aseprite = formats.texturepacker = formats.tiled = formats.godot = formats.bevy = false;
  for (const auto& format : spec.formats) {
    if (format == "aseprite") formats.aseprite = true;
    else if (format == "texturepacker") formats.texturepacker = true;
    else if (format == "tiled") formats.tiled = true;
    else if (format == "godot") formats.godot = true;
    else if (format == "bevy") formats.bevy = true;
    else throw util::RuntimeFailure("pack " + spec.name + ": unknown output format '" + format + "' (re-run `dgxpx build` to re-plan)");
  }
  return formats;
}

static std::vector<pixel::OutputFile> pack_files(const PackSpec& spec) {
  std::string base = fs::path(spec.name).filename().string();
  std::map<std::string, pixel::Image> sprites;
  auto image = [&](const std::string& file) -> const pixel::Image& {
    auto it = sprites.find(file);
    if (it == sprites.end()) it = sprites.emplace(file, pixel::read_png(file)).first;
    return it->second;
  };
  std::map<std::string, pixel::Image> slices;  // a strip's frames, by frame name
  auto sprite = [&](const PackFrameSpec& f) -> const pixel::Image& {
    if (f.slices == 1) return image(f.input);
    return slices.emplace(f.name, pixel::strip_slice(image(f.input), f.slice, f.slices, "pack " + spec.name + " frame " + f.name))
        .first->second;
  };
  util::SourceLocation where{"asset " + spec.name};
  const pixel::OutputFormats formats = output_formats(spec);
  // Engines keep animation and frame names in global tables (Phaser's AnimationManager, Pixi's
  // texture cache): the asset's name in front keeps two characters' "idle/down" apart.
  const std::string prefix = spec.name + "/";
  if (spec.format == "character") {
    pixel::CharacterSheetSpec sheet;
    sheet.name = spec.name;
    sheet.image_file_name = base + ".png";
    sheet.where = where;
    for (const auto& f : spec.frames) {
      if (sheet.rows.empty() || sheet.rows.back().tag != prefix + f.row) sheet.rows.push_back({prefix + f.row, {}, f.loop});
      sheet.rows.back().frames.push_back({prefix + f.name, sprite(f), f.duration_ms});
    }
    return pixel::character_output_files(pixel::pack_character_sheet(sheet), spec.name, formats);
  }
  if (spec.format == "tileset") {
    pixel::TilesetSpec tiles;
    tiles.name = spec.name;
    tiles.image_file_name = base + ".png";
    tiles.where = where;
    for (const auto& f : spec.frames) {
      if (tiles.tiles.empty() || tiles.tiles.back().name != f.row) tiles.tiles.push_back({f.row, {}});
      tiles.tiles.back().variations.push_back(sprite(f));
    }
    pixel::PackedSheet sheet = pixel::pack_tileset_sheet(tiles);
    // Frames get the asset's name; tiles keep theirs, as map editors show them.
    for (auto& frame : sheet.frames) frame.name = prefix + frame.name;
    return pixel::tileset_output_files(sheet, spec.name, formats);
  }
  pixel::ItemAtlasSpec items;
  items.name = spec.name;
  items.image_file_name = base + ".png";
  items.where = where;
  // Named "<asset>/<item>", each item's own PNG lands in the asset's folder.
  for (const auto& f : spec.frames) items.items.push_back({prefix + f.name, sprite(f)});
  return pixel::item_output_files(pixel::pack_item_atlas(items), spec.name, "", formats);
}

StepOutcome run_pack_step(const PackSpec& spec, StepContext& ctx) {
  util::Digest key = key_from(spec.key, spec.name);
  std::vector<std::string> names = spec.output_names();
  std::vector<cache::OutputFile> files;
  for (size_t i = 0; i < names.size(); ++i) files.push_back({"file" + std::to_string(i), spec.output_dir + "/" + names[i]});
  if (try_materialize(ctx, key, files, "pack " + spec.name)) return StepOutcome::from_cache;

  std::map<std::string, std::string> produced;
  for (auto& f : pack_files(spec)) produced[f.name] = std::move(f.bytes);
  // The planner told ninja which files this step writes; they must be exactly these.
  std::vector<pixel::OutputFile> ordered;
  for (const auto& n : names) {
    auto it = produced.find(n);
    if (it == produced.end()) throw util::RuntimeFailure("pack " + spec.name + ": expected to write " + n + ", but the packer did not produce it");
    ordered.push_back({n, std::move(it->second)});
    produced.erase(it);
  }
  if (!produced.empty()) throw util::RuntimeFailure("pack " + spec.name + ": packer produced unplanned file " + produced.begin()->first);
  pixel::write_output_files(spec.output_dir, ordered);
  file_outputs(ctx, key, "pack", spec.name, files);
  return StepOutcome::ran;
}

StepOutcome run_step(const fs::path& spec_path, StepContext& ctx) {
  std::string text = util::read_file_or_throw(spec_path);
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("kind"))
    throw util::InputError(util::SourceLocation{spec_path.string()}, "malformed step spec (re-run `dgxpx build` to re-plan)");
  std::string kind = j.at("kind").get<std::string>();
  std::string name = j.value("name", "?");
  log_step_event(StepEvent::start, kind, name);
  try {
    StepOutcome outcome;
    if (kind == "gen") outcome = run_gen_step(j.get<GenSpec>(), ctx);
    else if (kind == "pixel") outcome = run_pixel_step(j.get<PixelSpec>(), ctx);
    else if (kind == "pack") outcome = run_pack_step(j.get<PackSpec>(), ctx);
    else throw util::InputError(util::SourceLocation{spec_path.string()}, util::expected_got("step kind gen, pixel or pack", "'" + kind + "'"));
    log_step_event(outcome == StepOutcome::ran ? StepEvent::ran : StepEvent::from_cache, kind, name);
    return outcome;
  } catch (const nlohmann::json::exception& e) {
    log_step_event(StepEvent::failed, kind, name);
    throw util::InputError(util::SourceLocation{spec_path.string()}, std::string("malformed step spec: ") + e.what());
  } catch (...) {
    log_step_event(StepEvent::failed, kind, name);
    throw;
  }
}

}  // namespace dgxpx::backend
