#pragma once
// The planner turns a loaded Workspace into steps (gen → pixel → pack), each with its key, its
// spec and its files, plus one record per asset of the fields behind every key (for explain).
// Pure computation: writing happens in plan_store.
#include <filesystem>
#include <string>
#include <vector>

#include "compiler/manifest/workspace.h"
#include "compiler/plan/file_digests.h"
#include "compiler/plan/keys.h"

namespace dgxpx::plan {

enum class StepKind { gen, pixel, pack };
const char* to_string(StepKind kind);

struct Step {
  StepKind kind;
  std::string name;   // shown in progress: "hero/walk/down/3" (gen/pixel) or "hero" (pack)
  util::Digest key;
  std::string spec_path;  // relative to the project root
  std::string spec_json;
  std::vector<std::string> inputs;   // files the step reads (besides its spec)
  std::vector<std::string> outputs;  // relative to the project root
  bool model_pool = false;           // generation through a real model: bounded by gen_jobs
};

struct StepRecord {
  StepKind kind;
  std::string name;
  util::Digest key;
  std::vector<KeyField> fields;
};

struct AssetRecord {
  std::string asset;
  std::string kind;
  std::vector<StepRecord> steps;
};

struct Plan {
  std::vector<Step> steps;            // gen steps deduplicated by key
  std::vector<AssetRecord> records;   // one per asset, in manifest order
  int gen_steps = 0, pixel_steps = 0, pack_steps = 0;
  int placeholder_gen_steps = 0;  // gen steps drawn by the procedural placeholder (no model)
};

/// Plans every asset. Throws util::InputError for problems only visible after expansion
/// (unsafe frame names, two assets writing the same output file).
Plan make_plan(const manifest::Workspace& workspace, FileDigestCache& digests);

/// The backend that renders a preset's frames ("procedural/1" or "sdxl/1").
std::string backend_id_for(const manifest::Preset& style);

}  // namespace dgxpx::plan
