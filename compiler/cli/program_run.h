#pragma once
// Runs a program (found on PATH) with an argv, no shell in between, and collects what it
// printed: for the Slurm client commands (sbatch, scontrol, scancel) that `dgxpx slurm` drives.
#include <spawn.h>

#include <string>
#include <vector>

namespace dgxpx::cli {

/// posix_spawn attributes that start a child with no signal blocked, whatever this process
/// blocks (`dgxpx watch` and `dgxpx slurm` block SIGINT and SIGTERM to read them themselves),
/// so that Ctrl-C still reaches the child; or, with `own_process_group`, in a process group of
/// its own, out of reach of a Ctrl-C or a `kill -- -PGID` meant for this process.
class UnblockedSpawnAttributes {
 public:
  explicit UnblockedSpawnAttributes(bool own_process_group = false);
  ~UnblockedSpawnAttributes();
  UnblockedSpawnAttributes(const UnblockedSpawnAttributes&) = delete;
  UnblockedSpawnAttributes& operator=(const UnblockedSpawnAttributes&) = delete;
  const posix_spawnattr_t* get() const { return &attributes_; }

 private:
  posix_spawnattr_t attributes_;
};

/// The null-terminated char* array exec wants, pointing into `strings` (which must outlive it).
std::vector<char*> exec_array(std::vector<std::string>& strings);

struct ProgramResult {
  int exit_status = 0;  // 128+signal when killed
  std::string out, err;
};

/// Runs argv[0] with argv to completion, in a process group of its own: the Slurm client
/// commands are short requests that must finish even when the user stops dgxpx meanwhile
/// (`dgxpx slurm` reads the stop itself and cancels what was submitted). Throws
/// util::RuntimeFailure naming the program when it cannot be started.
ProgramResult run_program(const std::vector<std::string>& argv);

}  // namespace dgxpx::cli
