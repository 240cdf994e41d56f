#include "compiler/backend/gen_batch_key.h"

#include <nlohmann/json.hpp>

namespace dgxpx::backend {

std::string gen_batch_key(const GenSpec& spec) {
  nlohmann::json loras = nlohmann::json::array();
  for (const LoraSpec& lora : spec.loras) loras.push_back({lora.file, lora.weight});
  const nlohmann::json key = {
      spec.backend, spec.model.value_or(""), loras,        spec.width,  spec.height,
      spec.sampler, spec.steps,              spec.guidance, spec.tiling, spec.negative.empty(),
  };
  return key.dump();
}

}  // namespace dgxpx::backend
