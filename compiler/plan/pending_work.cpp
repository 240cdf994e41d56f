#include "compiler/plan/pending_work.h"

#include <sys/stat.h>

#include <unordered_map>
#include <unordered_set>

namespace dgxpx::plan {
namespace fs = std::filesystem;

namespace {

bool exists(const fs::path& root, const std::string& relative) {
  struct stat st;
  return ::stat((root / relative).c_str(), &st) == 0;
}

}  // namespace

std::string PendingAsset::reason() const {
  if (never_built) return "never built";
  std::string why = summarize_changes(changes, asset, frames);
  if (!missing_outputs.empty()) {
    std::string list;
    for (size_t i = 0; i < missing_outputs.size() && i < 3; ++i) list += (i ? ", " : "") + missing_outputs[i];
    if (missing_outputs.size() > 3) list += " (+" + std::to_string(missing_outputs.size() - 3) + " more)";
    why += (why.empty() ? "" : "; ") + std::string("outputs missing: ") + list;
  }
  return why.empty() ? "intermediate files missing (restored from the cache when it has them)" : why;
}

PendingWork pending_work(const manifest::ProjectConfig& project, const Plan& plan, const SpecFiles& specs) {
  // Keys hash their step kind as their domain (keys.h), so one set serves all three kinds.
  std::unordered_set<util::Digest, DigestHash> pending_keys;
  std::unordered_set<std::string> pending_outputs;
  std::unordered_map<util::Digest, std::vector<std::string>, DigestHash> missing_engine_outputs;
  PendingWork work;
  for (const auto& step : plan.steps) {  // a step comes after the steps it reads
    bool runs = !specs.has(step.kind, step.key);
    for (const auto& input : step.inputs) runs = runs || pending_outputs.count(input) > 0;
    for (const auto& output : step.outputs) {
      if (exists(project.root, output)) continue;
      runs = true;
      if (step.kind == StepKind::pack) missing_engine_outputs[step.key].push_back(output);
    }
    if (!runs) continue;
    pending_keys.insert(step.key);
    pending_outputs.insert(step.outputs.begin(), step.outputs.end());
    ++work.steps;
    if (step.kind == StepKind::gen) ++work.gen_steps;
  }

  for (const auto& record : plan.records) {
    PendingAsset asset;
    asset.asset = record.asset;
    for (const auto& step : record.steps) {
      if (step.kind == StepKind::gen) ++asset.frames;
      if (!pending_keys.count(step.key)) continue;
      ++asset.steps;
      if (step.kind == StepKind::gen) ++asset.gen_steps;
      if (step.kind == StepKind::pack) {
        auto missing = missing_engine_outputs.find(step.key);
        if (missing != missing_engine_outputs.end()) asset.missing_outputs = missing->second;
      }
    }
    if (asset.steps == 0) continue;
    const auto stored = read_record(project, record.asset);
    if (!stored) {
      asset.never_built = true;
    } else {
      asset.changes = diff_records(&stored->record, record);
      // The plan on disk already has these keys. With its sheets in place, it was planned and
      // not built (a failed or interrupted build): the reasons recorded then still hold.
      if (asset.changes.empty() && asset.missing_outputs.empty()) asset.changes = stored->last_changes;
    }
    work.assets.push_back(std::move(asset));
  }
  return work;
}

}  // namespace dgxpx::plan
