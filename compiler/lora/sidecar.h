#pragma once
// A LoRA's sidecar: NAME.json next to NAME.safetensors, written by the team that trained it:
//   {"trigger_words": ["pxlhero", "chibi"] | "pxlhero", "recommended_strength": 0.8,
//    "base_model": "sdxl", "status": "production", ...anything else (dataset, metrics)}
// Every key is optional; keys dgxpx does not read are kept only as names (for `lora info`).
// It is untrusted input: bounded in size, and every problem is an error at its file:line:col.
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/util/error.h"

namespace dgxpx::lora {

/// Largest sidecar read; a bigger file is an error, not an allocation.
inline constexpr size_t kMaxSidecarBytes = 64 * 1024;
/// Limits on trigger words, so a sidecar cannot blow up every prompt.
inline constexpr size_t kMaxTriggerWords = 32;
inline constexpr size_t kMaxTriggerWordBytes = 200;
/// recommended_strength must lie in [-kMaxStrength, kMaxStrength].
inline constexpr double kMaxStrength = 10.0;

struct Sidecar {
  std::string file;  // as shown in messages
  std::optional<std::vector<std::string>> trigger_words;
  std::optional<double> recommended_strength;
  std::optional<std::string> base_model;
  std::optional<std::string> status;
  util::SourceLocation base_model_where;  // where base_model was written (for a wrong base model)
  std::vector<std::string> other_keys;    // written, not read by dgxpx (sorted)
};

/// NAME.json next to NAME.safetensors (any extension of the LoRA is replaced).
std::filesystem::path sidecar_path(const std::filesystem::path& lora_file);

/// Parses a sidecar's text; `display` names it in errors. Throws util::InputError at
/// display:line:col for bad JSON, a document that is not an object, a known key with the
/// wrong type or out of bounds, or text over kMaxSidecarBytes.
Sidecar parse_sidecar(std::string_view text, const std::string& display);

/// The sidecar at `path`, nullopt when there is no such file. Throws as parse_sidecar (the
/// size is checked before reading), util::RuntimeFailure when it exists but cannot be read.
std::optional<Sidecar> read_sidecar(const std::filesystem::path& path, const std::string& display);

}  // namespace dgxpx::lora
