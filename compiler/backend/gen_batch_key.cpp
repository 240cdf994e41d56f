#include "compiler/backend/gen_batch_key.h"

#include <nlohmann/json.hpp>

namespace dgxpx::backend {

namespace {

nlohmann::json json_pair(const std::optional<std::pair<int, int>>& p) {
  return p ? nlohmann::json{p->first, p->second} : nlohmann::json(nullptr);
}

}  // namespace

std::string gen_batch_key(const GenSpec& spec) {
  nlohmann::json loras = nlohmann::json::array();
  for (const LoraSpec& lora : spec.loras) loras.push_back({lora.file, lora.weight});
  const nlohmann::json key = {
      spec.backend, spec.model.value_or(""), loras,        spec.width,  spec.height,
      spec.sampler, spec.steps,              spec.guidance, spec.tiling, spec.negative.empty(),
      spec.timestep_spacing, json_pair(spec.original_size), json_pair(std::optional(spec.crop)), json_pair(spec.target_size),
      spec.init, spec.init.empty() ? 0.0 : spec.strength, spec.mask, spec.strip_frames,
  };
  return key.dump();
}

}  // namespace dgxpx::backend
