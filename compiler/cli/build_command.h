#pragma once
// `dgxpx build`, also run by `dgxpx watch` after each change.
#include <string>
#include <vector>

#include "compiler/cli/command.h"

namespace dgxpx::cli {

struct BuildOptions {
  int jobs = 0;         // -j: 0 leaves it to ninja
  int keep_going = -1;  // -k: -1 stops at the first failure
  bool json = false;
  bool dry_run = false;
  std::string shard;    // --shard I/N (or auto, auto/N): build only that share (shard_build.h)
  bool cached_only = false;  // gen steps only from the cache: the final build after the shards

  /// The arguments these options add to ninja's command line.
  std::vector<std::string> ninja_args() const;
};

/// Re-plans if an input changed, runs ninja with a progress line, writes the report and prints
/// the summary (or, with dry_run, says what would run and why, writing nothing). Returns the
/// exit status. Throws util::InputError on bad input (nothing written).
int run_build(const GlobalOptions& global, const BuildOptions& options);

}  // namespace dgxpx::cli
