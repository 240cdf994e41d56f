#pragma once
// Everything a build reads from the game repo, loaded and validated: project settings, rules,
// presets, and assets with their resolved style. Loading either succeeds completely or throws
// the first util::InputError; nothing is written.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "compiler/manifest/preset.h"
#include "compiler/manifest/project.h"
#include "compiler/manifest/rule.h"
#include "compiler/manifest/value.h"

namespace dgxpx::manifest {

struct Asset {
  std::string kind;
  std::string name;         // also its output path stem: "characters/hero"
  std::string preset_name;
  Value fields;             // validated against the rule, defaults filled in
  Preset style;             // the preset with the asset's overrides applied
  const Rule* rule = nullptr;
  util::SourceLocation where;
};

struct Workspace {
  ProjectConfig project;
  std::map<std::string, Rule> rules;  // by kind
  std::vector<Asset> assets;          // in file order, files sorted by path
  /// Every file and folder whose change should re-plan (for the generator edge and the
  /// up-to-date check): dgxpx.yaml, manifests, presets, rules, models, LoRAs, palettes.
  std::vector<std::filesystem::path> inputs;
};

/// Where the built-in rules/ and presets/ live: $DGXPX_DATA_DIR, else <exe>/../share/dgxpx,
/// else the source tree the binary was built from.
std::filesystem::path builtin_data_dir();

/// Loads and validates the whole project rooted at `root`.
Workspace load_workspace(const std::filesystem::path& root, const std::filesystem::path& builtin_dir);

/// Checks an asset or frame name is a safe relative path ("hero", "npc/guard", "walk/down/0").
/// Throws util::InputError at `where` otherwise.
void check_safe_name(const std::string& name, const util::SourceLocation& where, const std::string& what);

}  // namespace dgxpx::manifest
