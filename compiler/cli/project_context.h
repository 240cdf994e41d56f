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
#include "compiler/plan/project_planner.h"

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
  manifest::Workspace workspace;  // settings and inputs (plan_project reads only what changed)
  plan::Plan plan;
  plan::SpecFiles specs;          // the spec files there were when planning
  plan::RecordDetail detail = plan::RecordDetail::all;
};

/// Loads and plans in memory, reading only the manifest files the plan cache cannot answer
/// for. No files are written but the digest stat cache and the plan cache, and not those
/// with CacheWrites::none.
Planned plan_in_memory(const std::filesystem::path& root, plan::RecordDetail detail = plan::RecordDetail::all,
                       plan::CacheWrites writes = plan::CacheWrites::allowed);

/// plan_in_memory(project.root, detail) when any input changed since the last plan, else
/// nullopt (nothing is read but the stamp and what it names).
std::optional<Planned> plan_if_stale(const manifest::ProjectConfig& project, plan::RecordDetail detail);

/// Writes a plan made by plan_in_memory (plan::write_plan, with the time taken logged).
plan::PlanWriteResult write_planned(const Planned& planned);

struct PlanUpdate {
  std::optional<Planned> planned;  // set when this call re-planned
  plan::PlanWriteResult written;
};

/// Re-plans and writes the plan when any input changed since the last plan.
PlanUpdate ensure_plan_current(const manifest::ProjectConfig& project,
                               plan::RecordDetail detail = plan::RecordDetail::all);

}  // namespace dgxpx::cli
