#pragma once
// What a LoRA file's safetensors header says, read without libtorch and without reading the
// weights: the file is mmapped and only the header's pages are touched, so a 200 MB LoRA
// costs a few kilobytes of I/O at plan time.
#include <cstddef>
#include <filesystem>
#include <map>
#include <string>

namespace dgxpx::lora {

struct SafetensorsSummary {
  size_t tensors = 0;
  /// Naming scheme of the weights: "kohya" (lora_unet_..., lora_te1_...), "diffusers"
  /// (unet..., text_encoder...), "peft" (base_model.model...), or "unknown".
  std::string layout;
  std::map<std::string, std::string> metadata;  // the header's "__metadata__"
};

/// Reads and validates the header of the safetensors file `file` (the same parser as the SDXL
/// loader). Throws util::InputError naming `display` when it is not a valid safetensors file,
/// util::RuntimeFailure when it cannot be opened or mapped.
SafetensorsSummary read_safetensors_summary(const std::filesystem::path& file, const std::string& display);

}  // namespace dgxpx::lora
