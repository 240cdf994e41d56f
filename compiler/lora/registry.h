#pragma once
// The project's LoRA registry: one folder per status, each holding versioned files,
//   loras/production/style_v1.2.safetensors   (+ style_v1.2.json, its sidecar)
//   loras/staging/style_v1.3.safetensors
//   loras/archive/style_v1.1.safetensors
// A preset names {name: style, status: production} and gets the newest version there, so
// promoting a version is moving its file (and sidecar) from staging/ to production/.
#include <filesystem>
#include <string>
#include <vector>

#include "compiler/util/error.h"

namespace dgxpx::lora {

struct RegistryVersion {
  std::filesystem::path file;
  std::string version;  // "1.2"
};

/// Compares numeric dotted versions part by part: -1, 0 or 1. Missing parts count as 0 and
/// leading zeros are ignored, so "1.10" > "1.9" and "1.2" == "1.2.0" == "01.2".
int compare_versions(const std::string& a, const std::string& b);

/// The files <folder>/<name>_v<version>.safetensors whose version is digits and dots, oldest
/// first (equal versions in file-name order). A missing folder has none.
std::vector<RegistryVersion> registry_versions(const std::filesystem::path& folder, const std::string& name);

/// The newest version of `name` in <root>/<status>/. Throws util::InputError at `where` when
/// there is none (naming the statuses that have one) or when two files carry the newest
/// version. `root_display` is the registry folder as shown in messages.
std::filesystem::path resolve_registry_lora(const std::filesystem::path& root, const std::string& root_display,
                                            const std::string& name, const std::string& status,
                                            const util::SourceLocation& where);

}  // namespace dgxpx::lora
