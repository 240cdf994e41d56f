#include "compiler/plan/planner.h"

#include <map>

#include <nlohmann/json.hpp>

#include "compiler/plan/frames.h"

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

namespace {

class Planner {
 public:
  Planner(const manifest::Workspace& ws, FileDigestCache& digests)
      : ws_(ws), project_(ws.project), digests_(digests), state_(relative(project_, project_.state_dir)),
        output_(relative(project_, project_.output_dir)) {}

  Plan run() {
    for (const auto& asset : ws_.assets) plan_asset(asset);
    return std::move(plan_);
  }

 private:
  std::string keyed_path(const char* folder, const util::Digest& key, const char* ext) const {
    return state_ + "/" + folder + "/" + key.hex() + ext;
  }

  void claim_output(const std::string& path, const manifest::Asset& asset) {
    auto [it, inserted] = output_owners_.emplace(path, asset.name);
    if (!inserted && it->second != asset.name)
      throw util::InputError(asset.where, "asset '" + asset.name + "' would write " + path + ", which asset '" +
                                              it->second + "' also writes; rename one of them");
  }

  void plan_asset(const manifest::Asset& asset) {
    const manifest::Preset& style = asset.style;
    AssetRecord record{asset.name, asset.kind, {}};
    std::vector<Frame> frames = expand_frames(asset);
    if (frames.empty()) throw util::InputError(asset.where, "asset '" + asset.name + "' expands to no frames");

    std::optional<util::Digest> model_digest;
    if (style.model) model_digest = digests_.digest(*style.model);
    std::vector<util::Digest> lora_digests;
    for (const auto& lora : style.loras) lora_digests.push_back(digests_.digest(lora.file));
    std::optional<util::Digest> palette_digest;
    if (style.pixel.palette_is_file) palette_digest = digests_.digest(style.pixel.palette);

    PackSpec pack;
    pack.name = asset.name;
    pack.kind = asset.kind;
    pack.format = asset.rule->format == manifest::SheetFormat::character ? "character"
                  : asset.rule->format == manifest::SheetFormat::tileset ? "tileset"
                                                                         : "items";
    pack.output_dir = output_;
    pack.godot = project_.godot;
    std::vector<util::Digest> pixel_keys;
    std::vector<std::string> pack_inputs;

    for (const auto& frame : frames) {
      std::string frame_path = asset.name + "/" + frame.name;
      // gen
      GenSpec gen;
      gen.name = frame_path;
      gen.backend = style.model ? "sdxl" : "procedural";
      gen.hint = asset.rule->hint;
      gen.prompt = frame.prompt;
      gen.negative = frame.negative;
      gen.subject = frame.subject;
      gen.seed = frame.seed;
      gen.width = style.width;
      gen.height = style.height;
      gen.tiling = frame.tiling;
      gen.sampler = style.sampler;
      gen.steps = style.steps;
      gen.guidance = style.guidance;
      if (style.model) gen.model = relative(project_, *style.model);
      for (const auto& lora : style.loras) gen.loras.push_back({relative(project_, lora.file), lora.weight});
      auto gfields = gen_fields(gen, backend_id_for(style), model_digest ? &*model_digest : nullptr, lora_digests);
      util::Digest gen_key = key_of("gen", gfields);
      gen.key = gen_key.hex();
      gen.output = keyed_path("gen", gen_key, ".png");
      record.steps.push_back({StepKind::gen, frame_path, gen_key, gfields});
      if (gen_index_.emplace(gen_key, plan_.steps.size()).second) {
        nlohmann::json j = gen;
        plan_.steps.push_back({StepKind::gen, frame_path, gen_key, keyed_path("steps/gen", gen_key, ".json"),
                               j.dump(1), {}, {gen.output}, style.model.has_value()});
        ++plan_.gen_steps;
        if (!style.model) ++plan_.placeholder_gen_steps;
      }

      // pixel
      PixelSpec px;
      const auto& ps = style.pixel;
      px.name = frame_path;
      px.input = gen.output;
      px.grid = ps.grid == manifest::PixelSettings::Grid::size ? "size"
                : ps.grid == manifest::PixelSettings::Grid::factor ? "factor"
                                                                    : "detect";
      px.factor = ps.factor;
      px.width = ps.width;
      px.height = ps.height;
      px.downscale = ps.downscale;
      px.palette = ps.palette_is_file ? relative(project_, ps.palette) : ps.palette;
      px.palette_is_file = ps.palette_is_file;
      px.colors = ps.colors;
      px.dither = ps.dither;
      px.background = ps.background;
      px.tolerance = ps.tolerance;
      px.outline = ps.outline;
      auto pfields = pixel_fields(gen_key, px, palette_digest ? &*palette_digest : nullptr);
      util::Digest pixel_key = key_of("pixel", pfields);
      px.key = pixel_key.hex();
      px.output = keyed_path("pixel", pixel_key, ".png");
      record.steps.push_back({StepKind::pixel, frame_path, pixel_key, pfields});
      if (pixel_index_.emplace(pixel_key, plan_.steps.size()).second) {
        nlohmann::json j = px;
        std::vector<std::string> inputs = {px.input};
        if (px.palette_is_file) inputs.push_back(px.palette);
        plan_.steps.push_back({StepKind::pixel, frame_path, pixel_key, keyed_path("steps/pixel", pixel_key, ".json"),
                               j.dump(1), inputs, {px.output}, false});
        ++plan_.pixel_steps;
      }
      pixel_keys.push_back(pixel_key);
      pack_inputs.push_back(px.output);
      pack.frames.push_back({frame.name, px.output, frame.row, frame.tag, frame.duration_ms});
    }

    auto kfields = pack_fields(pack, pixel_keys);
    util::Digest pack_key = key_of("pack", kfields);
    pack.key = pack_key.hex();
    for (const auto& out : pack.outputs()) claim_output(out, asset);
    nlohmann::json j = pack;
    plan_.steps.push_back({StepKind::pack, asset.name, pack_key, keyed_path("steps/pack", pack_key, ".json"), j.dump(1),
                           pack_inputs, pack.outputs(), false});
    ++plan_.pack_steps;
    record.steps.push_back({StepKind::pack, asset.name, pack_key, kfields});
    plan_.records.push_back(std::move(record));
  }

  const manifest::Workspace& ws_;
  const manifest::ProjectConfig& project_;
  FileDigestCache& digests_;
  std::string state_, output_;
  Plan plan_;
  std::map<util::Digest, size_t> gen_index_, pixel_index_;
  std::map<std::string, std::string> output_owners_;
};

}  // namespace

Plan make_plan(const manifest::Workspace& workspace, FileDigestCache& digests) {
  return Planner(workspace, digests).run();
}

}  // namespace dgxpx::plan
