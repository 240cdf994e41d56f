#pragma once
// One build spread over machines: shard I of N builds only its share of the gen steps (and the
// pixel steps that read their images), so that N machines each fill the shared cache with a
// different part and a final plain build finds everything there. The share is balanced (gen
// step counts differ by at most one) and stable (it depends only on the steps' batch keys and
// step keys, never on manifest order or the machine), and each shard takes one contiguous range
// of the gen steps sorted by batch group then key, so a shard loads few models and batches well.
#include <filesystem>
#include <functional>
#include <string>

#include "compiler/plan/planner.h"

namespace dgxpx::plan {

struct Shard {
  int index = 0;  // 0-based
  int count = 1;
};

/// Parses "I/N" (0 <= I < N). Throws util::InputError naming `what` (where the text came
/// from: "--shard", "SLURM_ARRAY_TASK_ID") when it is not that.
Shard parse_shard(const std::string& text, const std::string& what);

/// The gen batch key of a gen step (backend::gen_batch_key of its spec): its spec JSON, or
/// the spec file under `root` when the plan left the JSON out. Throws util::RuntimeFailure
/// when that file cannot be read.
std::string gen_step_batch_key(const std::filesystem::path& root, const Step& step);

using BatchKeyOf = std::function<std::string(const Step&)>;

/// Shard `shard`'s part of `plan`: its range of the gen steps (a key frame with the frames
/// derived from it always in one shard) and every pixel step reading one
/// of their outputs, in plan order, with counts. No records and no pack steps: a shard fills
/// the cache, the final build packs.
Plan shard_part(const Plan& plan, const Shard& shard, const BatchKeyOf& batch_key_of);

}  // namespace dgxpx::plan
