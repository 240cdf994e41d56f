#pragma once
// Everything a build reads from the game repo, loaded and validated: project settings, rules,
// presets, and assets with their resolved style. Loading either succeeds completely or throws
// the first util::InputError; nothing is written.
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "compiler/manifest/preset.h"
#include "compiler/manifest/project.h"
#include "compiler/manifest/rule.h"
#include "compiler/manifest/value.h"

namespace dgxpx::manifest {

/// One entry of an asset's `frame_overrides:` (frame name → settings of that frame alone).
struct FrameOverride {
  std::string frame;
  util::SourceLocation where;  // the frame's name
  std::optional<double> strength;  // a keyframe-derived frame's img2img strength
  util::SourceLocation strength_where;
};

struct Asset {
  std::string kind;
  std::string name;         // also its output path stem: "characters/hero"
  std::string preset_name;
  Value fields;             // validated against the rule, defaults filled in
  Preset style;             // the preset with the asset's overrides applied
  const Rule* rule = nullptr;
  util::SourceLocation where;       // the asset's mapping
  util::SourceLocation name_where;  // its name (duplicate-name errors point here)
  std::vector<FrameOverride> frame_overrides;  // the planner checks that each names a frame
};

/// A preset file as written, before any asset's overrides are merged into it.
struct PresetSource {
  Value doc;
  std::filesystem::path file;
};

struct Workspace {
  ProjectConfig project;
  std::map<std::string, Rule> rules;            // by kind
  std::map<std::string, PresetSource> presets;  // by name
  /// dgxpx.yaml and every rule and preset file: what each manifest file is read against.
  std::vector<std::filesystem::path> settings_files;
  std::vector<std::filesystem::path> manifest_files;  // in load order, each folder's sorted by path
  /// Every file and folder whose change should re-plan (for the generator edge and the
  /// up-to-date check): dgxpx.yaml, rules, presets, manifests (files, then folders), then the
  /// models, LoRAs and palettes the assets use (sorted; added by plan_project).
  std::vector<std::filesystem::path> inputs;
};

/// Asset names seen so far across manifest files, to report the second of two equal names.
class AssetNames {
 public:
  /// Throws util::InputError at `where` when `name` was claimed before ("duplicate asset name
  /// 'x' (first defined at file:line:col)").
  void claim(const std::string& name, const util::SourceLocation& where);

 private:
  std::map<std::string, util::SourceLocation> first_;
};

/// Where the built-in rules/ and presets/ live: $DGXPX_DATA_DIR, else <exe>/../share/dgxpx,
/// else the source tree the binary was built from.
std::filesystem::path builtin_data_dir();

/// Loads dgxpx.yaml, the rules and the presets, and lists the manifest files without reading
/// them. `inputs` then holds everything but the files named by assets (models, LoRAs, palettes).
/// Throws util::InputError on bad settings, rules or presets.
Workspace load_workspace_settings(const std::filesystem::path& root, const std::filesystem::path& builtin_dir);

/// Reads the assets of one manifest file (`text` is its content) against `ws`'s rules and
/// presets, claiming each name in `names`. Throws util::InputError at the first problem.
std::vector<Asset> load_manifest_file(const Workspace& ws, const std::filesystem::path& file, const std::string& text,
                                      AssetNames& names);

/// Checks an asset or frame name is a safe relative path ("hero", "npc/guard", "walk/down/0").
/// Throws util::InputError at `where` otherwise.
void check_safe_name(const std::string& name, const util::SourceLocation& where, const std::string& what);

}  // namespace dgxpx::manifest
