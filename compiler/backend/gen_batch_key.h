#pragma once
// Which gen specs can share one network batch: those that differ only in prompt, negative
// prompt text and seed. Everything that shapes the computation itself (model, LoRA set, size,
// sampler and its timestep spacing, steps, guidance, tiling, micro-conditioning (one set of
// time ids per batch), whether there is a negative prompt at all: an empty one
// means zeroed negative embeddings, and a derived frame's init image, strength and mask: one
// init serves a whole batch) must match.
#include <string>

#include "compiler/backend/step_spec.h"

namespace dgxpx::backend {

/// A canonical text of the batch-shaping fields: equal keys ⇔ batchable together.
std::string gen_batch_key(const GenSpec& spec);

}  // namespace dgxpx::backend
