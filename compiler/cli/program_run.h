#pragma once
// Runs a program (found on PATH) with an argv, no shell in between, and collects what it
// printed: for the Slurm client commands (sbatch, scontrol, scancel) that `dgxpx slurm` drives.
#include <string>
#include <vector>

namespace dgxpx::cli {

struct ProgramResult {
  int exit_status = 0;  // 128+signal when killed
  std::string out, err;
};

/// Runs argv[0] with argv to completion. The child starts with no signal blocked whatever this
/// process blocks. Throws util::RuntimeFailure naming the program when it cannot be started.
ProgramResult run_program(const std::vector<std::string>& argv);

}  // namespace dgxpx::cli
