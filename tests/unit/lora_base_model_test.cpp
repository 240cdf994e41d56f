// Base-model names as trainers and people write them, and the family each belongs to.
#include <catch2/catch.hpp>

#include "compiler/lora/base_model.h"

using namespace dgxpx;
using lora::BaseFamily;

TEST_CASE("base model names are classified as SDXL, another family or unknown", "[lora][base_model]") {
  const std::vector<std::pair<const char*, BaseFamily>> cases = {
      {"sdxl_base_v1-0", BaseFamily::sdxl},                      // kohya ss_base_model_version
      {"sdxl_base_v0-9", BaseFamily::sdxl},
      {"stable-diffusion-xl-v1-base/lora", BaseFamily::sdxl},    // modelspec.architecture
      {"sd_xl_base_1.0.safetensors", BaseFamily::sdxl},          // ss_sd_model_name
      {"SDXL 1.0", BaseFamily::sdxl},
      {"Pony", BaseFamily::sdxl},
      {"illustrious-xl-v0.1", BaseFamily::sdxl},
      {"sd_v1", BaseFamily::other},
      {"sd_v2_768_v", BaseFamily::other},
      {"SD 1.5", BaseFamily::other},
      {"sd15", BaseFamily::other},
      {"stable-diffusion-v1/lora", BaseFamily::other},
      {"sd3", BaseFamily::other},
      {"flux1", BaseFamily::other},
      {"FLUX.1-dev", BaseFamily::other},
      {"animefull-final-pruned", BaseFamily::unknown},
      {"", BaseFamily::unknown},
  };
  for (const auto& [name, family] : cases) {
    INFO(name);
    CHECK(lora::classify_base_model(name) == family);
  }
}
