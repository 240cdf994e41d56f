#include "compiler/cli/build_report.h"

#include <algorithm>
#include <map>

#include <nlohmann/json.hpp>

#include <spdlog/spdlog.h>

#include "compiler/plan/record_diff.h"
#include "compiler/util/atomic_file.h"

namespace dgxpx::cli {
namespace fs = std::filesystem;

static std::string relative_to(const fs::path& from_dir, const fs::path& file) {
  return file.lexically_relative(from_dir).generic_string();
}

// A sheet's animations from its Aseprite-style atlas (`frames` + `meta.frameTags`), when it
// has one; the atlas is checked like any file read (sizes, indices), and a bad one shows none.
static std::vector<report::AnimationPreview> animations_of(const fs::path& atlas_file) {
  std::vector<report::AnimationPreview> animations;
  const auto text = util::read_file(atlas_file);
  if (!text || text->size() > (16u << 20)) return animations;
  const auto atlas = nlohmann::json::parse(*text, nullptr, false);
  if (!atlas.is_object() || !atlas.contains("frames") || !atlas["frames"].is_array()) return animations;
  const auto& frames = atlas["frames"];
  const auto tags = atlas.contains("meta") ? atlas["meta"].value("frameTags", nlohmann::json::array()) : nlohmann::json::array();
  if (!tags.is_array()) return animations;
  try {
    for (const auto& tag : tags) {
      report::AnimationPreview animation;
      animation.name = tag.at("name").get<std::string>();
      const int64_t from = tag.at("from").get<int64_t>(), to = tag.at("to").get<int64_t>();
      if (from < 0 || to < from || to >= static_cast<int64_t>(frames.size()) || to - from >= 10'000) continue;
      for (int64_t i = from; i <= to; ++i) {
        const auto& f = frames[static_cast<size_t>(i)];
        const auto& cell = f.at("frame");
        animation.frames.push_back({cell.at("x").get<int>(), cell.at("y").get<int>(), cell.at("w").get<int>(),
                                    cell.at("h").get<int>(), std::clamp(f.value("duration", 100), 1, 60'000)});
      }
      animations.push_back(std::move(animation));
    }
  } catch (const nlohmann::json::exception&) {
    return {};
  }
  return animations;
}

// "seed changed (all frames)", "prompt of idle changed", or "new asset": the sheet's reason.
static std::string why_rebuilt(const plan::AssetRecord& record,
                               const std::map<std::string, const plan::AssetRecord*>& previous) {
  auto before = previous.find(record.asset);
  if (before == previous.end()) return "new asset";
  size_t frames = 0;
  for (const auto& step : record.steps) frames += step.kind == plan::StepKind::gen;
  const std::string why =
      plan::summarize_changes(plan::diff_records(before->second, record), record.asset, frames);
  return why.empty() ? "outputs were missing" : why;
}

void write_build_report(const Planned& planned, const std::vector<plan::AssetRecord>& previous,
                        const BuildActivity& activity, cache::Store& store) {
  const auto& project = planned.workspace.project;
  fs::path report_dir = project.state_dir / "report";
  std::map<std::string, util::Digest> old_pixel_keys;  // "asset/frame" → pixel key before
  std::map<std::string, const plan::AssetRecord*> previous_records;
  for (const auto& record : previous) {
    previous_records[record.asset] = &record;
    for (const auto& step : record.steps)
      if (step.kind == plan::StepKind::pixel) old_pixel_keys[step.name] = step.key;
  }

  std::map<std::string, const plan::Step*> steps_by_key;
  for (const auto& s : planned.plan.steps) steps_by_key[s.key.hex()] = &s;

  std::vector<report::ReportEntry> entries;
  for (const auto& record : planned.plan.records) {
    std::string asset_seed;
    for (const auto& setting : record.settings)
      if (setting.name == "seed") asset_seed = setting.value;
    const plan::StepRecord* gen = nullptr;
    for (const auto& step : record.steps) {
      if (step.kind == plan::StepKind::gen) gen = &step;
      if (step.kind == plan::StepKind::pack) {
        auto s = steps_by_key.find(step.key.hex());
        if (s != steps_by_key.end()) {
          report::ReportEntry e;
          e.asset = record.asset;
          e.kind = record.kind + " sheets";
          e.image_path = relative_to(report_dir, project.root / s->second->outputs.front());
          e.regenerated = activity.touched.count("pack " + record.asset) > 0;
          e.key = step.key.hex();
          e.asset_seed = asset_seed;
          if (e.regenerated) e.notes.push_back(why_rebuilt(record, previous_records));
          for (const auto& output : s->second->outputs) {
            const bool atlas = output.size() > 5 && output.compare(output.size() - 5, 5, ".json") == 0 &&
                               output.find(".hash.json") == std::string::npos;
            if (atlas) e.animations = animations_of(project.root / output);
          }
          entries.push_back(std::move(e));
        }
        continue;
      }
      if (step.kind != plan::StepKind::pixel || !gen) continue;
      report::ReportEntry e;
      e.asset = step.name;
      e.kind = record.kind;
      e.image_path = relative_to(report_dir, project.state_dir / "pixel" / (step.key.hex() + ".png"));
      e.regenerated = activity.touched.count("pixel " + step.name) || activity.touched.count("gen " + gen->name);
      e.key = step.key.hex();
      e.asset_seed = asset_seed;
      for (const auto& f : gen->fields) {
        if (f.name == "prompt") e.prompt = f.value;
        if (f.name == "negative") e.negative_prompt = f.value;
        if (f.name == "seed") e.seed = std::stoll(f.value);
      }
      auto old = old_pixel_keys.find(step.name);
      if (e.regenerated && old != old_pixel_keys.end() && old->second != step.key) {
        // The previous sprite is still in the content-addressed cache under its old key.
        auto entry = store.get_entry(old->second);
        if (entry.hit() && !entry.value->outputs.empty()) {
          auto blob = store.get_blob(entry.value->outputs.front().digest);
          if (blob.hit()) {
            fs::path copy = report_dir / "previous" / (old->second.hex() + ".png");
            util::write_file_atomic(copy, *blob.value);
            e.previous_image_path = relative_to(report_dir, copy);
          }
        }
      }
      entries.push_back(std::move(e));
    }
  }
  fs::path written = report::write_report(report_dir, activity.summary, entries);
  spdlog::debug("report: {}", written.string());
}

}  // namespace dgxpx::cli
