#pragma once
// `dgxpx build --shard I/N`: one machine's share of a build spread over many (a Slurm job
// array, a Kubernetes Indexed Job, a CI matrix). It makes the cache entries of its gen steps and
// their pixel steps, and uploads them to the remote cache (or leaves them in a cache folder the
// machines share); steps whose entries are there already are not touched. No pack step runs and
// no plan or report is written: a final plain `dgxpx build` pulls everything and packs.
#include <string>

#include "compiler/cli/build_command.h"
#include "compiler/cli/command.h"
#include "compiler/plan/shard.h"

namespace dgxpx::cli {

/// The shard `spec` names: "I/N"; "auto" (I and N from SLURM_ARRAY_TASK_ID minus
/// SLURM_ARRAY_TASK_MIN, and SLURM_ARRAY_TASK_COUNT); "auto/N" (I from SLURM_ARRAY_TASK_ID or
/// Kubernetes' JOB_COMPLETION_INDEX). Throws util::InputError when it or the variables it
/// reads are not that.
plan::Shard resolve_shard(const std::string& spec);

/// Builds shard `spec` of the project's gen and pixel steps (see above). Returns the exit
/// status; throws util::InputError on bad input (nothing written).
int run_shard_build(const GlobalOptions& global, const BuildOptions& options, const std::string& spec);

}  // namespace dgxpx::cli
