#pragma once
// The planner turns loaded assets into steps (gen → pixel → pack), each with its key, its spec
// and its files, plus one record per asset of the fields behind every key (for explain). Each
// manifest file is planned on its own (a FilePlan, which plan_cache can keep); assemble_plan
// merges them. Pure computation: writing happens in plan_store.
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "compiler/manifest/workspace.h"
#include "compiler/plan/file_digests.h"
#include "compiler/plan/keys.h"

namespace dgxpx::plan {

/// Hash-table support for keys (they are uniformly distributed already).
struct DigestHash {
  size_t operator()(const util::Digest& d) const { return static_cast<size_t>(d.low ^ d.high); }
};

enum class StepKind { gen, pixel, pack };
const char* to_string(StepKind kind);

struct Step {
  StepKind kind;
  std::string name;   // shown in progress: "hero/walk/down/3" (gen/pixel) or "hero" (pack)
  util::Digest key;
  std::string spec_path;  // relative to the project root
  std::string spec_json;   // "" when the spec file already existed at planning
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
  /// The asset's own top-level settings as its manifest gives them (`seed: 77`, `preset`), in
  /// no key: what a rebuild's reason quotes ("seed 77 → 78") where steps hold derived values.
  std::vector<KeyField> settings;
  util::Digest digest;  // record_digest() of the above: records.index compares it
  /// False when the steps' fields were left out (read from the plan cache for a build that
  /// only needs keys), which the planner does only for a record that records.index and its
  /// file hold as it is: write_plan leaves such records alone. `digest` still covers them.
  bool fields_loaded = true;
};

/// Digest of everything a record holds (kinds, names, keys, every field's value and display),
/// without the record's own `digest`.
util::Digest record_digest(const AssetRecord& record);

struct Plan {
  std::vector<Step> steps;            // gen and pixel steps deduplicated by key
  std::vector<AssetRecord> records;   // one per asset, in manifest order
  int gen_steps = 0, pixel_steps = 0, pack_steps = 0;
  int placeholder_gen_steps = 0;  // gen steps drawn by the procedural placeholder (no model)
};

/// One asset planned on its own. `steps` are its gen and pixel step per frame, then its pack
/// step, parallel to record.steps; a gen or pixel step may also belong to other assets.
struct PlannedAsset {
  util::SourceLocation where;       // the asset's mapping
  util::SourceLocation name_where;  // its name
  AssetRecord record;
  std::vector<Step> steps;
};

/// The assets of one manifest file, planned without looking at any other file.
struct FilePlan {
  std::vector<PlannedAsset> assets;
  /// The model, LoRA and palette files the keys hashed, by absolute path, with their digests.
  std::map<std::string, util::Digest> files_used;
  /// Folders whose listing decided something (a LoRA registry status folder: which versions
  /// exist; a LoRA's folder: whether it has a sidecar), by absolute path, with
  /// folder_listing_digest(). A file appearing there re-plans the manifest.
  std::map<std::string, util::Digest> folders_listed;
};

/// Whether a step's spec file already exists (its JSON then need not be built).
using SpecExists = std::function<bool(StepKind kind, const util::Digest& key)>;

/// Plans `assets` (of one or more files). Step::spec_json is left empty where `spec_exists`
/// says the file is there. Throws util::InputError when an asset expands to no frames or to
/// an unsafe or repeated frame name.
FilePlan plan_assets(const manifest::ProjectConfig& project, const std::vector<manifest::Asset>& assets,
                     FileDigestCache& digests, const SpecExists& spec_exists = {});

/// Merges file plans in order into the project's plan: a gen or pixel step whose key was seen
/// before is shared, not repeated. Throws util::InputError (at the later asset) when two assets
/// write the same output file.
Plan assemble_plan(std::vector<FilePlan> files);

/// The backend that renders a preset's frames ("procedural/1" or "sdxl/1").
std::string backend_id_for(const manifest::Preset& style);

}  // namespace dgxpx::plan
