#pragma once
// Plans a whole project incrementally: a manifest file whose plan-cache entry still holds (same
// bytes, same settings, rules, presets and binary, same model/LoRA/palette digests, every spec
// file present) is neither parsed nor planned; the others are. Cross-file work (duplicate asset
// names, shared gen steps, outputs written twice, counts) runs over every file each time, so the
// result equals a plan from scratch.
#include <filesystem>

#include "compiler/manifest/workspace.h"
#include "compiler/plan/file_digests.h"
#include "compiler/plan/plan_cache.h"
#include "compiler/plan/plan_store.h"
#include "compiler/plan/planner.h"

namespace dgxpx::plan {

/// Which records need their fields (the values behind every key).
enum class RecordDetail {
  all,      ///< every record (explain, the build report)
  changed,  ///< only records that records.index does not hold as they are now: what write_plan
            ///< rewrites. Most of a cached entry is fields, so a build's re-plan skips the rest.
};

/// Whether planning may update its own caches (the plan cache under .dgxpx/plan-cache/).
/// Commands that only look (status, explain, build -n) write nothing at all.
enum class CacheWrites { allowed, none };

struct ProjectPlan {
  /// Settings, rules, presets, manifest files and inputs (models, LoRAs and palettes
  /// included); cached files are never read (see load_workspace_settings).
  manifest::Workspace workspace;
  Plan plan;
  SpecFiles specs;          // the spec files there were when planning (write_plan's `existing`)
  int manifest_files = 0;   // how many manifest files the project has
  int files_replanned = 0;  // how many of them were read and planned this time
};

/// Plans the project at `root`. `dgxpx_binary` (this program) is part of every cache key.
/// Entries of re-planned files are written to <state_dir>/plan-cache/ only once the whole plan
/// succeeded, and entries no file uses are removed. Throws util::InputError exactly where
/// loading and planning from scratch would; util::RuntimeFailure when a file cannot be read.
ProjectPlan plan_project(const std::filesystem::path& root, const std::filesystem::path& builtin_dir,
                         const std::filesystem::path& dgxpx_binary, FileDigestCache& digests,
                         RecordDetail detail = RecordDetail::all, CacheWrites writes = CacheWrites::allowed);

}  // namespace dgxpx::plan
