#pragma once
// Everything a LoRA file says about how to use it, from its safetensors header's
// "__metadata__" (kohya/sd-scripts ss_* keys, the SAI model spec's modelspec.* keys) and from
// its optional sidecar NAME.json, combined with one precedence:
//
//   weight:        the preset's `weight` > sidecar recommended_strength > 1.0
//                  (training metadata carries no strength)
//   trigger words: sidecar trigger_words > modelspec.trigger_phrase > none
//   base model:    every claim is checked (sidecar base_model, ss_base_model_version,
//                  modelspec.architecture, ss_sd_model_name); any that names a family other
//                  than SDXL makes the LoRA unusable.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "compiler/lora/base_model.h"
#include "compiler/lora/sidecar.h"

namespace dgxpx::lora {

/// A value the metadata gave, and where: "sidecar loras/style.json",
/// "ss_base_model_version in loras/style.safetensors".
struct Claim {
  std::string value;
  std::string source;
};

struct LoraInfo {
  std::string file;          // as shown
  std::string sidecar_file;  // where a sidecar is looked for, as shown

  bool header_read = false;
  std::string header_error;  // why the header could not be read (when !header_read)
  size_t tensors = 0;
  std::string layout;                           // kohya | diffusers | peft | unknown
  std::map<std::string, std::string> metadata;  // "__metadata__" as stored
  std::optional<Sidecar> sidecar;

  std::vector<std::string> trigger_words;  // after precedence; empty: none
  std::string trigger_words_source;
  std::optional<double> recommended_weight;  // sidecar recommended_strength
  std::string weight_source;
  std::vector<Claim> base_models;  // every base-model claim, sidecar first
  /// The most frequent training tags (ss_tag_frequency summed over its datasets), at most 10.
  std::vector<std::pair<std::string, int64_t>> top_tags;

  /// The first base-model claim naming a family other than SDXL, if any.
  std::optional<Claim> non_sdxl_base() const;
};

/// Reads `file`'s header and its sidecar (`sidecar`, looked for next to it by the caller via
/// sidecar_path). A header that is not valid safetensors is recorded in header_error, not
/// thrown: only a model-backed build loads the weights. Throws util::InputError for a bad
/// sidecar (at its file:line:col), util::RuntimeFailure when a file cannot be read.
LoraInfo read_lora_info(const std::filesystem::path& file, const std::string& display,
                        const std::filesystem::path& sidecar, const std::string& sidecar_display);

}  // namespace dgxpx::lora
