#pragma once
// Which model family a LoRA says it was trained on, from the names trainers and people write:
// kohya's ss_base_model_version ("sdxl_base_v1-0", "sd_v1", "sd_v2_768_v", "sd3", "flux1"),
// the SAI model spec's modelspec.architecture ("stable-diffusion-xl-v1-base/lora"), a base
// checkpoint file name ("sd_xl_base_1.0.safetensors"), or a sidecar's "sdxl" / "SD 1.5".
#include <string>
#include <string_view>

namespace dgxpx::lora {

enum class BaseFamily {
  sdxl,     ///< SDXL or a model built on it (Pony, Illustrious, NoobAI, Playground 2.5)
  other,    ///< a family whose LoRAs do not fit SDXL (SD 1.x/2.x/3, Flux, Cascade, ...)
  unknown,  ///< nothing recognisable
};

/// Classifies a base model name (case, spaces, '-', '_' and '.' are ignored).
BaseFamily classify_base_model(std::string_view name);

/// "SDXL", "not SDXL", "unknown".
const char* to_string(BaseFamily family);

}  // namespace dgxpx::lora
