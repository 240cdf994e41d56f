#pragma once
// What most commands need first: the project root, its settings, the cache, and how to plan.
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "cache/local_store.h"
#include "compiler/cli/command.h"
#include "compiler/manifest/workspace.h"
#include "compiler/plan/plan_store.h"
#include "compiler/plan/planner.h"

namespace dgxpx::cli {

/// The dgxpx.yaml folder at or above -C DIR (or the working directory). Throws
/// util::InputError when there is none.
std::filesystem::path project_root(const GlobalOptions& options);

/// The cache folder: $DGXPX_CACHE_DIR, else dgxpx.yaml's `cache`, else .dgxpx/cache.
std::filesystem::path cache_dir(const manifest::ProjectConfig& project);

/// Absolute path of this dgxpx binary (baked into build.ninja).
std::string self_command();

/// dgxpx-sdxl next to this binary: the only one that links libtorch (gen, serve).
std::string sdxl_command();

struct Planned {
  manifest::Workspace workspace;  // settings and inputs; `assets` empty (plan_project reads only what changed)
  plan::Plan plan;
};

/// Loads and plans in memory, reading only the manifest files the plan cache cannot answer
/// for (no files written but the digest stat cache and the plan cache).
Planned plan_in_memory(const std::filesystem::path& root);

struct PlanUpdate {
  std::optional<Planned> planned;  // set when this call re-planned
  plan::PlanWriteResult written;
};

/// Re-plans and writes the plan when any input changed since the last plan.
PlanUpdate ensure_plan_current(const manifest::ProjectConfig& project);

}  // namespace dgxpx::cli
