#pragma once
// A preset's LoRAs as one asset's gen steps use them: registry names resolved to files, file
// digests, weights and trigger words after the metadata precedence (compiler/lora/lora_info.h),
// and the base-model check. Records every file and folder it looked at, so the plan cache and
// the up-to-date check notice a new sidecar or a promoted version.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "compiler/backend/step_spec.h"
#include "compiler/lora/lora_info.h"
#include "compiler/manifest/workspace.h"
#include "compiler/plan/file_digests.h"
#include "compiler/plan/keys.h"

namespace dgxpx::plan {

struct ResolvedLoras {
  std::vector<backend::LoraSpec> specs;  // project-relative file and weight, in preset order
  std::vector<util::Digest> digests;     // parallel to specs
  LoraKeyNotes notes;
  std::vector<std::string> trigger_words;  // to put in front of each frame's prompt
};

class LoraResolver {
 public:
  LoraResolver(const manifest::ProjectConfig& project, FileDigestCache& digests) : project_(project), digests_(digests) {}

  /// Resolves `style`'s LoRAs, adding the files read to `files_used` and the folders listed to
  /// `folders_listed`. Throws util::InputError at the LoRA's place in the preset when a
  /// registry name has no (or no single) newest version, when its metadata names a base model
  /// other than SDXL, or, for a model-backed preset (`loads_weights`), when it is not a
  /// safetensors file; at the sidecar's file:line:col when the sidecar is bad.
  ResolvedLoras resolve(const manifest::Preset& style, bool loads_weights, std::map<std::string, util::Digest>& files_used,
                        std::map<std::string, util::Digest>& folders_listed);

 private:
  std::filesystem::path registry_file(const manifest::LoraRef& ref, std::map<std::string, util::Digest>& folders_listed);
  const lora::LoraInfo& info(const std::filesystem::path& file, std::map<std::string, util::Digest>& files_used,
                             std::map<std::string, util::Digest>& folders_listed);
  const util::Digest& listing(const std::filesystem::path& folder);

  // What was read for one LoRA file, once per resolver (10,000 assets may share one LoRA).
  struct Known {
    lora::LoraInfo info;
    std::optional<util::Digest> sidecar_digest;  // none: no sidecar
  };
  const manifest::ProjectConfig& project_;
  FileDigestCache& digests_;
  std::map<std::string, Known> known_;                          // by absolute path
  std::map<std::string, util::Digest> listings_;                // folder → folder_listing_digest
  std::map<std::string, std::filesystem::path> registry_hits_;  // "status/name" → file
};

}  // namespace dgxpx::plan
