#pragma once
// What `dgxpx build` would run now, and why, found without running ninja or writing anything
// (`dgxpx status`, `dgxpx build -n`). A step would run when one of its outputs is missing, when
// its spec file is new (its key changed since the last plan was written), or when a step whose
// output it reads would run — ninja's own rules for this graph, whose outputs are keyed.
#include <filesystem>
#include <string>
#include <vector>

#include "compiler/manifest/project.h"
#include "compiler/plan/plan_store.h"
#include "compiler/plan/planner.h"
#include "compiler/plan/record_diff.h"

namespace dgxpx::plan {

struct PendingAsset {
  std::string asset;
  int steps = 0;                    // steps of this asset that would run (shared ones included)
  int gen_steps = 0;
  size_t frames = 0;                // frames the asset has
  std::vector<FieldChange> changes;  // against the stored record (or as last recorded)
  std::vector<std::string> missing_outputs;  // engine outputs that are not there
  bool never_built = false;         // no record on disk: never planned in this state folder
  /// One line: "prompt of idle changed", "outputs missing: assets/hero.png", "never built".
  std::string reason() const;
};

struct PendingWork {
  std::vector<PendingAsset> assets;  // in manifest order, only those with work
  int steps = 0, gen_steps = 0;      // distinct steps that would run
};

/// The assets of `plan` that a build would touch, with their reasons. `plan` must carry every
/// record's fields (RecordDetail::all); `specs` lists the spec files there are. Reads records
/// and stats outputs under `project`; writes nothing.
PendingWork pending_work(const manifest::ProjectConfig& project, const Plan& plan, const SpecFiles& specs);

}  // namespace dgxpx::plan
