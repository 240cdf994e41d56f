#pragma once
// Writes a plan to .dgxpx/ touching only what changed (so ninja sees real changes only), and
// remembers, per asset, the fields behind every key and why they last changed (for explain).
//
//   .dgxpx/build.ninja              the graph (rewritten only when its bytes change)
//   .dgxpx/new-work.ninja           an edit's new steps alone (written and run first by `dgxpx build`)
//   .dgxpx/steps/<kind>/<key>.json  step specs, named by key: written once, never modified
//   .dgxpx/records/<asset>.json     fields per step + the last change's reasons
//   .dgxpx/records.index            "<record digest> <asset>" per line
//   .dgxpx/inputs.stamp             size + mtime of every planning input (the up-to-date check)
//   .dgxpx/plan.json                step counts of the current plan
#include <array>
#include <filesystem>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "compiler/manifest/workspace.h"
#include "compiler/plan/ninja_writer.h"
#include "compiler/plan/planner.h"
#include "compiler/plan/record_diff.h"

namespace dgxpx::plan {

struct PlanWriteResult {
  int specs_written = 0;
  int assets_changed = 0;  // new, changed or removed records
  bool ninja_file_changed = false;
  std::vector<AssetRecord> previous;  // the records that changed, as they were before
};

/// The spec files under .dgxpx/steps/<kind>/, listed once: the planner builds JSON only for
/// the others, write_plan writes those and removes the ones no step uses.
class SpecFiles {
 public:
  /// Lists <state_dir>/steps/{gen,pixel,pack}/ (missing folders are empty).
  static SpecFiles list(const std::filesystem::path& state_dir);
  bool has(StepKind kind, const util::Digest& key) const { return keys_[index(kind)].count(key) > 0; }
  /// Keys of the "<key>.json" files present for `kind`.
  const std::unordered_set<util::Digest, DigestHash>& keys(StepKind kind) const { return keys_[index(kind)]; }
  /// Names of any other files there (temp files, strays).
  const std::vector<std::string>& strays(StepKind kind) const { return strays_[index(kind)]; }

 private:
  static size_t index(StepKind kind) { return static_cast<size_t>(kind); }
  std::array<std::unordered_set<util::Digest, DigestHash>, 3> keys_;
  std::array<std::vector<std::string>, 3> strays_;
};

/// build.ninja's settings for `project`: the binary, its paths and the model pool's depth
/// (regenerate_inputs empty: write_plan adds the workspace's inputs).
NinjaFileOptions ninja_file_options(const manifest::ProjectConfig& project, const std::string& dgxpx_command);

/// Writes the spec files of the steps `existing` does not have (the ones that will run);
/// returns how many. Throws util::RuntimeFailure on I/O errors, or when a step has no spec
/// JSON and its file is gone.
int write_step_specs(const manifest::ProjectConfig& project, const Plan& plan, const SpecFiles& existing);

/// Writes the plan's files: the new step specs (as write_step_specs; a second call finds
/// them written), then removes specs no step uses, and writes records, build.ninja and the
/// stamp. `existing` is the spec listing the plan was made with. `dgxpx_command` is baked into
/// build.ninja. Throws util::RuntimeFailure on I/O errors, or when a step has no spec JSON and
/// its file is gone.
PlanWriteResult write_plan(const manifest::Workspace& ws, const Plan& plan, const SpecFiles& existing,
                           const std::string& dgxpx_command);

/// records.index: asset name → the digest of its record as last written. Lines that do not
/// parse are left out (those records are then rewritten).
std::unordered_map<std::string, util::Digest> read_records_index(const manifest::ProjectConfig& project);

/// .dgxpx/records/<asset>.json
std::filesystem::path record_path(const manifest::ProjectConfig& project, const std::string& asset);

/// True when build.ninja exists and no planning input changed size or mtime since the last
/// plan (and the dgxpx binary is the same), so planning can be skipped.
bool plan_is_current(const manifest::ProjectConfig& project, const std::string& dgxpx_command);

/// One asset's stored record and the reasons recorded when it last changed (diff_records at
/// the point of decision; explain only prints them).
struct StoredRecord {
  AssetRecord record;
  std::vector<FieldChange> last_changes;
};

/// Reads .dgxpx/records/<asset>.json; nullopt if absent or unreadable.
std::optional<StoredRecord> read_record(const manifest::ProjectConfig& project, const std::string& asset);

/// Step counts recorded by the last plan: {gen, pixel, pack}; zeros if none.
struct PlanCounts {
  int gen = 0, pixel = 0, pack = 0;
  int placeholder_gen = 0;
  int total() const { return gen + pixel + pack; }
};
PlanCounts read_plan_counts(const manifest::ProjectConfig& project);

}  // namespace dgxpx::plan
