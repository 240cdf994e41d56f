#include "compiler/plan/planner.h"

#include <map>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include <nlohmann/json.hpp>

#include "compiler/pixel/palette.h"
#include "compiler/pixel/png_io.h"
#include "compiler/plan/learned_palette_resolver.h"
#include "compiler/lora/trigger_words.h"
#include "compiler/plan/frames.h"
#include "compiler/plan/lora_resolver.h"

namespace dgxpx::plan {
namespace fs = std::filesystem;
using backend::GenSpec;
using backend::PackSpec;
using backend::PixelSpec;

const char* to_string(StepKind kind) {
  switch (kind) {
    case StepKind::gen: return "gen";
    case StepKind::pixel: return "pixel";
    case StepKind::pack: return "pack";
  }
  return "?";
}

std::string backend_id_for(const manifest::Preset& style) { return style.model ? "sdxl/1" : "procedural/1"; }

static std::string relative(const manifest::ProjectConfig& project, const fs::path& p) {
  return manifest::display_path(project, p);
}

util::Digest record_digest(const AssetRecord& record) {
  util::KeyHasher h;
  h.add("asset-record", record.asset);
  h.add("kind", record.kind);
  h.add("steps", static_cast<int64_t>(record.steps.size()));
  for (const auto& step : record.steps) {
    h.add(to_string(step.kind), step.name);
    h.add("key", step.key);
    h.add("fields", static_cast<int64_t>(step.fields.size()));
    for (const auto& f : step.fields) h.add(f.name, f.value).add("display", f.display);
  }
  h.add("settings", static_cast<int64_t>(record.settings.size()));
  for (const auto& f : record.settings) h.add(f.name, f.value);
  return h.finish();
}

namespace {

// The asset's scalar fields as written (defaults filled in) and its preset's name.
std::vector<KeyField> asset_settings(const manifest::Asset& asset) {
  std::vector<KeyField> settings;
  if (!asset.preset_name.empty()) settings.push_back({"preset", asset.preset_name, ""});
  for (const auto& [name, value] : asset.fields.entries)
    if (value.type == manifest::Value::Type::scalar) settings.push_back({name, value.scalar, ""});
  return settings;
}

// Plans assets one by one; nothing here looks across assets (assemble_plan does).
class AssetPlanner {
 public:
  AssetPlanner(const manifest::ProjectConfig& project, FileDigestCache& digests, const SpecExists& spec_exists)
      : project_(project), digests_(digests), spec_exists_(spec_exists), state_(relative(project_, project_.state_dir)),
        output_(relative(project_, project_.output_dir)), loras_(project, digests), learned_palettes_(project, digests) {}

  PlannedAsset plan(const manifest::Asset& asset, std::map<std::string, util::Digest>& files_used,
                    std::map<std::string, util::Digest>& folders_listed) {
    const manifest::Preset& style = asset.style;
    PlannedAsset planned{asset.where, asset.name_where, {asset.name, asset.kind, {}, {}, {}}, {}};
    AssetRecord& record = planned.record;
    record.settings = asset_settings(asset);
    std::vector<Frame> frames = expand_frames(asset);
    if (frames.empty()) throw util::InputError(asset.where, "asset '" + asset.name + "' expands to no frames");

    std::optional<util::Digest> model_digest;
    if (style.model) model_digest = file_digest(*style.model, files_used);
    const ResolvedLoras loras = loras_.resolve(style, style.model.has_value(), files_used, folders_listed);
    std::optional<util::Digest> palette_digest;
    std::optional<ResolvedLearnedPalette> learned;
    if (style.pixel.palette_is_file) {
      palette_digest = file_digest(style.pixel.palette, files_used);
      check_palette_file(style.pixel.palette);
    } else if (style.pixel.learned_palette) {
      learned = learned_palettes_.resolve(*style.pixel.learned_palette, files_used, folders_listed);
      palette_digest = learned->key;
    }

    PackSpec pack;
    pack.name = asset.name;
    pack.kind = asset.kind;
    pack.format = asset.rule->format == manifest::SheetFormat::character ? "character"
                  : asset.rule->format == manifest::SheetFormat::tileset ? "tileset"
                                                                         : "items";
    pack.output_dir = output_;
    pack.formats = project_.outputs;
    std::vector<util::Digest> pixel_keys;
    std::vector<std::string> pack_inputs;

    // How many frames each strip holds (its generation is as wide as all of them).
    std::map<std::string, int> strip_sizes;
    for (const auto& frame : frames)
      if (frame.mode == FrameMode::strip) ++strip_sizes[frame.group];
    std::map<std::string, GroupLead> leads;  // by group: its key frame (keyframe) or strip
    std::map<std::string, int> strip_slices_seen;

    for (const auto& frame : frames) {
      const std::string frame_path = asset.name + "/" + frame.name;
      if (frame.mode == FrameMode::strip) {
        const int slices = strip_sizes.at(frame.group);
        if (frame.leads) {
          const std::string strip_path = asset.name + "/" + frame.group;
          GenSpec gen = gen_spec(asset, frame, strip_path, loras);
          gen.prompt = lora::prompt_with_trigger_words(frame.strip_prompt, loras.trigger_words);
          gen.strip_frames = slices;
          if (static_cast<int64_t>(gen.width) * slices > int64_t{pixel::kMaxPngSide})
            throw util::InputError(asset.where, "asset '" + asset.name + "': the strip '" + frame.group + "' holds " +
                                                    std::to_string(slices) + " frames of " + std::to_string(gen.width) +
                                                    " px, wider than " + std::to_string(int64_t{pixel::kMaxPngSide}) +
                                                    " px in all; expected fewer frames per row or a smaller size");
          gen.width *= slices;
          const util::Digest gen_key = add_gen(planned, std::move(gen), style, model_digest, loras, nullptr, {});
          leads[frame.group] = add_pixel(planned, strip_path, gen_key, style, palette_digest, learned, slices);
          pack_inputs.push_back(leads.at(frame.group).pixel_output);
        }
        const GroupLead& strip = leads.at(frame.group);
        pixel_keys.push_back(strip.pixel_key);
        pack.frames.push_back({frame.name, strip.pixel_output, frame.row, frame.tag, frame.duration_ms, frame.loop,
                               strip_slices_seen[frame.group]++, slices});
        continue;
      }

      GenSpec gen = gen_spec(asset, frame, frame_path, loras);
      InitKeyNotes init;
      std::vector<std::string> gen_inputs;
      const bool derived = frame.mode == FrameMode::keyframe && !frame.leads;
      if (derived) {
        const GroupLead& lead = leads.at(frame.group);
        gen.init = lead.gen_output;
        gen.strength = frame.strength;
        init.source_key = lead.gen_key;
        init.source_name = lead.name;
        if (style.model && static_cast<int>(style.steps * frame.strength) < 1)
          throw util::InputError(frame.strength_where,
                                 "frame " + frame_path + ": strength " + shown_number(frame.strength) + " of " +
                                     std::to_string(style.steps) + " steps runs no step (int(steps x strength) must be at "
                                     "least 1); expected a higher strength or more steps");
        gen_inputs.push_back(gen.init);
        if (!frame.mask.empty()) {
          const fs::path mask = project_.root / frame.mask;
          check_mask(mask, frame, gen);
          gen.mask = relative(project_, mask);
          init.mask_digest = file_digest(mask, files_used);
          gen_inputs.push_back(gen.mask);
        }
      }
      const util::Digest gen_key = add_gen(planned, gen, style, model_digest, loras, derived ? &init : nullptr, std::move(gen_inputs));
      if (frame.mode == FrameMode::keyframe && frame.leads) leads[frame.group] = {gen_key, keyed_path("gen", gen_key, ".png"), frame_path, {}, {}};
      const GroupLead pixel = add_pixel(planned, frame_path, gen_key, style, palette_digest, learned, 1);
      pixel_keys.push_back(pixel.pixel_key);
      pack_inputs.push_back(pixel.pixel_output);
      pack.frames.push_back({frame.name, pixel.pixel_output, frame.row, frame.tag, frame.duration_ms, frame.loop});
    }

    auto kfields = pack_fields(pack, pixel_keys);
    util::Digest pack_key = key_of("pack", kfields);
    pack.key = pack_key.hex();
    record.steps.push_back({StepKind::pack, asset.name, pack_key, std::move(kfields)});
    planned.steps.push_back({StepKind::pack, asset.name, pack_key, keyed_path("steps/pack", pack_key, ".json"),
                             spec_json(StepKind::pack, pack_key, pack), std::move(pack_inputs), pack.outputs(), false});
    record.digest = record_digest(record);
    return planned;
  }

 private:
  // What the steps of a group need from its first frame: its gen step (keyframe), or the
  // strip's pixel step whose image its frames slice.
  struct GroupLead {
    util::Digest gen_key;
    std::string gen_output, name;
    util::Digest pixel_key;
    std::string pixel_output;
  };

  GenSpec gen_spec(const manifest::Asset& asset, const Frame& frame, const std::string& name, const ResolvedLoras& loras) const {
    const manifest::Preset& style = asset.style;
    GenSpec gen;
    gen.name = name;
    gen.backend = style.model ? "sdxl" : "procedural";
    gen.hint = asset.rule->hint;
    gen.prompt = lora::prompt_with_trigger_words(frame.prompt, loras.trigger_words);
    gen.negative = frame.negative;
    gen.subject = frame.subject;
    gen.seed = frame.seed;
    gen.width = style.width;
    gen.height = style.height;
    gen.tiling = frame.tiling;
    gen.sampler = style.sampler;
    gen.timestep_spacing = style.timestep_spacing;
    gen.original_size = style.original_size;
    gen.crop = style.crop;
    gen.target_size = style.target_size;
    gen.steps = style.steps;
    gen.guidance = style.guidance;
    if (style.model) gen.model = relative(project_, *style.model);
    gen.loras = loras.specs;
    return gen;
  }

  // Keys `gen`, adds its step and record; returns its key.
  util::Digest add_gen(PlannedAsset& planned, GenSpec gen, const manifest::Preset& style,
                       const std::optional<util::Digest>& model_digest, const ResolvedLoras& loras,
                       const InitKeyNotes* init, std::vector<std::string> inputs) const {
    auto fields = gen_fields(gen, backend_id_for(style), model_digest ? &*model_digest : nullptr, loras.digests, loras.notes, init);
    const util::Digest key = key_of("gen", fields);
    gen.key = key.hex();
    gen.output = keyed_path("gen", key, ".png");
    planned.record.steps.push_back({StepKind::gen, gen.name, key, std::move(fields)});
    planned.steps.push_back({StepKind::gen, gen.name, key, keyed_path("steps/gen", key, ".json"),
                             spec_json(StepKind::gen, key, gen), std::move(inputs), {gen.output}, style.model.has_value()});
    return key;
  }

  // Adds the pixel step of `name` reading gen `gen_key`'s image, `slices` frames wide (a strip);
  // returns its key and output.
  GroupLead add_pixel(PlannedAsset& planned, const std::string& name, const util::Digest& gen_key,
                      const manifest::Preset& style, const std::optional<util::Digest>& palette_digest,
                      const std::optional<ResolvedLearnedPalette>& learned, int slices) const {
    PixelSpec px;
    const auto& ps = style.pixel;
    px.name = name;
    px.input = keyed_path("gen", gen_key, ".png");
    px.grid = ps.grid == manifest::PixelSettings::Grid::size ? "size"
              : ps.grid == manifest::PixelSettings::Grid::factor ? "factor"
                                                                  : "detect";
    px.factor = ps.factor;
    px.width = ps.width * slices;  // a strip's frames side by side
    px.height = ps.height;
    px.downscale = ps.downscale;
    px.palette = ps.palette_is_file ? relative(project_, ps.palette) : ps.palette;
    px.palette_is_file = ps.palette_is_file;
    if (learned) {
      px.palette = keyed_path("palettes", learned->key, ".hex");
      px.palette_is_file = true;
      px.learn_from = learned->files;
      px.learn_colors = ps.learned_palette->colors;
    }
    px.colors = ps.colors;
    px.dither = ps.dither;
    px.background = ps.background;
    px.tolerance = ps.tolerance;
    px.outline = ps.outline;
    px.shade = ps.shade;
    auto fields = pixel_fields(gen_key, px, palette_digest ? &*palette_digest : nullptr, learned ? learned->shown : "");
    const util::Digest key = key_of("pixel", fields);
    px.key = key.hex();
    px.output = keyed_path("pixel", key, ".png");
    planned.record.steps.push_back({StepKind::pixel, name, key, std::move(fields)});
    std::vector<std::string> inputs = {px.input};
    // A learned palette is no step's output: the art it is learned from is the input.
    if (learned) inputs.insert(inputs.end(), px.learn_from.begin(), px.learn_from.end());
    else if (px.palette_is_file) inputs.push_back(px.palette);
    planned.steps.push_back({StepKind::pixel, name, key, keyed_path("steps/pixel", key, ".json"),
                             spec_json(StepKind::pixel, key, px), std::move(inputs), {px.output}, false});
    return {gen_key, px.input, name, key, px.output};
  }

  // A mask is read by the gen step after its key frame ran: a missing or wrongly sized one is
  // found here, at plan time, at the manifest value that names it.
  void check_mask(const fs::path& mask, const Frame& frame, const GenSpec& gen) {
    if (!checked_masks_.insert(mask.string() + "@" + std::to_string(gen.width) + "x" + std::to_string(gen.height)).second) return;
    std::error_code ec;
    if (!fs::is_regular_file(mask, ec))
      throw util::InputError(frame.mask_where, util::expected_got("a mask PNG file (relative to the project root)",
                                                                  "'" + frame.mask + "' (no such file)"));
    const pixel::Image image = pixel::read_png(mask);
    if (image.width != gen.width || image.height != gen.height)
      throw util::InputError(frame.mask_where, util::expected_got("a mask of the generated size " + std::to_string(gen.width) + "x" +
                                                                      std::to_string(gen.height),
                                                                  "'" + frame.mask + "' of " + std::to_string(image.width) + "x" +
                                                                      std::to_string(image.height)));
  }

  std::string keyed_path(const char* folder, const util::Digest& key, const char* ext) const {
    return state_ + "/" + folder + "/" + key.hex() + ext;
  }

  util::Digest file_digest(const fs::path& file, std::map<std::string, util::Digest>& files_used) {
    util::Digest d = digests_.digest(file);
    files_used[file.string()] = d;
    return d;
  }

  // A palette file is read by the pixel step, after gen has run: a bad one is found here, at
  // plan time, where it is an input error with its file and line (once per file and plan).
  void check_palette_file(const fs::path& file) {
    if (checked_palettes_.insert(file.string()).second) pixel::load_palette_file(file);
  }

  // Building JSON for 30,000 specs costs more than planning them: only for missing files.
  template <typename Spec>
  std::string spec_json(StepKind kind, const util::Digest& key, const Spec& spec) const {
    if (spec_exists_ && spec_exists_(kind, key)) return "";
    nlohmann::json j = spec;
    return j.dump(1);
  }

  const manifest::ProjectConfig& project_;
  FileDigestCache& digests_;
  const SpecExists& spec_exists_;
  std::string state_, output_;
  std::unordered_set<std::string> checked_palettes_, checked_masks_;
  LoraResolver loras_;
  LearnedPaletteResolver learned_palettes_;
};

}  // namespace

FilePlan plan_assets(const manifest::ProjectConfig& project, const std::vector<manifest::Asset>& assets,
                     FileDigestCache& digests, const SpecExists& spec_exists) {
  FilePlan file;
  AssetPlanner planner(project, digests, spec_exists);
  for (const auto& asset : assets) file.assets.push_back(planner.plan(asset, file.files_used, file.folders_listed));
  return file;
}

// Far beyond any game's asset count, but it keeps a runaway manifest from filling the disk
// with step specs.
constexpr size_t kMaxStepsPerProject = 3'000'000;

Plan assemble_plan(std::vector<FilePlan> files) {
  // First pass, nothing moved yet: views into the file plans stay valid.
  size_t step_count = 0, asset_count = 0;
  std::unordered_map<std::string_view, std::string_view> output_owners;  // output → asset name
  for (const auto& file : files) {
    asset_count += file.assets.size();
    for (const auto& asset : file.assets) {
      const std::string& name = asset.record.asset;
      step_count += asset.steps.size();
      if (step_count > kMaxStepsPerProject)
        throw util::InputError(asset.where, "the project expands to more than " + std::to_string(kMaxStepsPerProject) +
                                                " steps by this asset; expected fewer assets or frames");
      const Step& pack = asset.steps.back();  // one pack step per asset, last
      for (const auto& out : pack.outputs) {
        auto [it, inserted] = output_owners.emplace(out, name);
        if (!inserted && it->second != name)
          throw util::InputError(asset.where, "asset '" + name + "' would write " + out + ", which asset '" +
                                                  std::string(it->second) + "' also writes; rename one of them");
      }
    }
  }

  Plan plan;
  plan.steps.reserve(step_count);
  plan.records.reserve(asset_count);
  std::unordered_set<util::Digest, DigestHash> seen_gen, seen_pixel;
  for (auto& file : files) {
    for (auto& asset : file.assets) {
      for (auto& step : asset.steps) {
        switch (step.kind) {
          case StepKind::gen:
            if (!seen_gen.insert(step.key).second) continue;
            ++plan.gen_steps;
            if (!step.model_pool) ++plan.placeholder_gen_steps;
            break;
          case StepKind::pixel:
            if (!seen_pixel.insert(step.key).second) continue;
            ++plan.pixel_steps;
            break;
          case StepKind::pack: ++plan.pack_steps; break;
        }
        plan.steps.push_back(std::move(step));
      }
      plan.records.push_back(std::move(asset.record));
    }
  }
  return plan;
}

}  // namespace dgxpx::plan
