// `dgxpx slurm`: submits the sharded build to Slurm: one job array whose tasks each run
// `dgxpx build --shard auto`, and a final job, started once every task ended, that runs a plain
// `dgxpx build --cached-only` (it pulls what the shards made and packs, and fails naming any
// image a shard did not deliver). With --wait it follows both jobs
// with scontrol and returns the final build's status; Ctrl-C cancels them.
#include <signal.h>

#include <cerrno>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "compiler/cli/command.h"
#include "compiler/cli/program_run.h"
#include "compiler/cli/project_context.h"
#include "compiler/manifest/workspace.h"
#include "compiler/util/error.h"

namespace fs = std::filesystem;

namespace dgxpx::cli {
namespace {

struct SlurmOptions {
  int shards = 4;
  int max_running = 0;  // 0: no %K limit
  std::string gres, partition, account, time;
  std::vector<std::string> sbatch_args;
  bool wait = false;
};

// A word for `sh -c` (sbatch --wrap hands its text to a shell): single-quoted, with each '
// written as '\''.
std::string shell_word(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

// The sbatch arguments every job gets: the user's resources and extra arguments.
std::vector<std::string> common_sbatch_args(const SlurmOptions& options, const fs::path& root) {
  std::vector<std::string> args = {"sbatch", "--parsable", "--chdir=" + root.string()};
  if (!options.gres.empty()) args.push_back("--gres=" + options.gres);
  if (!options.partition.empty()) args.push_back("--partition=" + options.partition);
  if (!options.account.empty()) args.push_back("--account=" + options.account);
  if (!options.time.empty()) args.push_back("--time=" + options.time);
  args.insert(args.end(), options.sbatch_args.begin(), options.sbatch_args.end());
  return args;
}

// Runs sbatch and returns the job id it printed ("id" or "id;cluster" with --parsable).
std::string submit(const std::vector<std::string>& args) {
  const ProgramResult r = run_program(args);
  if (r.exit_status != 0)
    throw util::RuntimeFailure("sbatch failed (exit status " + std::to_string(r.exit_status) + "): " + r.err);
  std::string id = r.out.substr(0, r.out.find_first_of(";\n"));
  if (id.empty() || id.find_first_not_of("0123456789") != std::string::npos)
    throw util::RuntimeFailure("sbatch printed no job id: " + r.out + r.err);
  return id;
}

void cancel(const std::vector<std::string>& ids) {
  std::vector<std::string> args = {"scancel"};
  args.insert(args.end(), ids.begin(), ids.end());
  try {
    const ProgramResult r = run_program(args);
    if (r.exit_status != 0) std::fprintf(stderr, "warning: scancel failed: %s", r.err.c_str());
  } catch (const util::RuntimeFailure& e) {
    std::fprintf(stderr, "warning: %s\n", e.what());
  }
}

// Field `name` of one `scontrol -o show job` line, or "".
std::string field(const std::string& line, const std::string& name) {
  const size_t at = line.find(" " + name + "=");
  if (at == std::string::npos) return "";
  const size_t begin = at + name.size() + 2;
  return line.substr(begin, line.find(' ', begin) - begin);
}

bool is_final_state(const std::string& state) {
  for (const char* ended : {"COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY", "PREEMPTED",
                            "BOOT_FAIL", "DEADLINE"})
    if (state == ended) return true;
  return false;
}

struct JobState {
  bool ended = false;
  bool succeeded = false;  // every line COMPLETED with exit status 0
};

// What scontrol knows of job `id` (for an array, of all its tasks). A job slurmctld no longer
// knows (past MinJobAge) has ended, with no status to tell.
JobState job_state(const std::string& id) {
  const ProgramResult r = run_program({"scontrol", "-o", "show", "job", id});
  if (r.exit_status != 0) {
    if (r.err.find("Invalid job id") != std::string::npos) return {true, false};
    throw util::RuntimeFailure("scontrol show job " + id + " failed: " + r.err);
  }
  JobState state{true, true};
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    const std::string job_state = field(line, "JobState");
    if (!is_final_state(job_state)) return {false, false};
    if (job_state != "COMPLETED" || field(line, "ExitCode") != "0:0") state.succeeded = false;
  }
  return state;
}

// Ctrl-C and SIGTERM, held from before the first sbatch to the end and read here, so that a stop
// mid-command never leaves a submitted job behind: dgxpx finishes the Slurm command (which runs
// in its own process group, out of the stop's reach) and then cancels what it submitted.
class StopRequests {
 public:
  StopRequests() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    ::sigprocmask(SIG_BLOCK, &set_, &previous_);
  }
  // A stop that came while cancelling (a second Ctrl-C), or after the jobs ended, has nothing
  // left to stop: consumed here, not delivered (and fatal) on unblocking.
  ~StopRequests() {
    while (requested()) {
    }
    ::sigprocmask(SIG_SETMASK, &previous_, nullptr);
  }
  StopRequests(const StopRequests&) = delete;
  StopRequests& operator=(const StopRequests&) = delete;
  /// Waits up to `timeout` for a stop; true when one came (it is consumed).
  bool wait(const timespec& timeout) { return ::sigtimedwait(&set_, nullptr, &timeout) > 0; }
  bool requested() { return wait({0, 0}); }

 private:
  sigset_t set_, previous_;
};

int cancel_on_stop(const std::vector<std::string>& ids) {
  std::string names;
  for (const std::string& id : ids) names += (names.empty() ? "" : " and ") + id;
  std::fprintf(stderr, "interrupted: cancelling job%s %s\n", ids.size() > 1 ? "s" : "", names.c_str());
  cancel(ids);
  return kExitInterrupted;
}

// Polls both jobs until they ended; a stop cancels them.
int wait_for_jobs(StopRequests& stop, const std::string& array_id, const std::string& final_id) {
  const timespec poll_interval{0, 500'000'000};
  while (true) {
    const JobState final_job = job_state(final_id);
    if (final_job.ended && job_state(array_id).ended) {
      std::printf("final build job %s %s\n", final_id.c_str(), final_job.succeeded ? "succeeded" : "failed");
      return final_job.succeeded ? kExitOk : kExitBuildFailed;
    }
    std::fflush(stdout);
    if (stop.wait(poll_interval)) return cancel_on_stop({array_id, final_id});
  }
}

int run_slurm(const GlobalOptions& global, const SlurmOptions& options) {
  const manifest::ProjectConfig project = manifest::load_project(project_root(global));
  const fs::path root = fs::absolute(project.root);
  const fs::path logs = fs::absolute(project.state_dir) / "slurm";
  fs::create_directories(logs);
  StopRequests stop;
  const std::string dgxpx = shell_word(self_command()) + " -C " + shell_word(root.string());

  std::vector<std::string> array_args = common_sbatch_args(options, root);
  std::string range = "--array=0-" + std::to_string(options.shards - 1);
  if (options.max_running > 0) range += "%" + std::to_string(options.max_running);
  array_args.insert(array_args.end(), {range, "--job-name=dgxpx-shard", "--output=" + (logs / "shard-%A_%a.out").string(),
                                       "--wrap", dgxpx + " build --shard auto --json"});
  const std::string array_id = submit(array_args);
  std::printf("shard array job %s (%d shards): logs %s\n", array_id.c_str(), options.shards,
              (logs / ("shard-" + array_id + "_<i>.out")).c_str());
  std::fflush(stdout);
  if (stop.requested()) return cancel_on_stop({array_id});

  std::vector<std::string> final_args = common_sbatch_args(options, root);
  final_args.insert(final_args.end(), {"--dependency=afterany:" + array_id, "--kill-on-invalid-dep=yes",
                                       "--job-name=dgxpx-build", "--output=" + (logs / "final-%j.out").string(),
                                       "--wrap", dgxpx + " build --cached-only"});
  std::string final_id;
  try {
    final_id = submit(final_args);
  } catch (const util::RuntimeFailure&) {
    cancel({array_id});  // shards with no build to use their work
    throw;
  }
  std::printf("final build job %s (after %s): log %s\n", final_id.c_str(), array_id.c_str(),
              (logs / ("final-" + final_id + ".out")).c_str());
  std::fflush(stdout);
  if (stop.requested()) return cancel_on_stop({array_id, final_id});
  return options.wait ? wait_for_jobs(stop, array_id, final_id) : kExitOk;
}

}  // namespace

CommandBody define_slurm(CLI::App& app, const GlobalOptions& global) {
  auto options = std::make_shared<SlurmOptions>();
  app.add_option("--shards", options->shards, "shards in the job array (default 4)")
      ->type_name("N")
      ->check(CLI::Range(1, 100000));
  app.add_option("--max-running", options->max_running, "run at most K shards at once (sbatch --array=...%K)")
      ->type_name("K")
      ->check(CLI::Range(1, 100000));
  const auto not_empty = CLI::Validator(
      [](const std::string& value) { return value.empty() ? std::string("expected a value, got an empty one") : ""; },
      "", "not empty");
  app.add_option("--gres", options->gres, "generic resources per job, e.g. gpu:1")->type_name("SPEC")->check(not_empty);
  app.add_option("--partition", options->partition, "Slurm partition")->type_name("P")->check(not_empty);
  app.add_option("--account", options->account, "Slurm account")->type_name("A")->check(not_empty);
  app.add_option("--time", options->time, "time limit per job (sbatch --time)")->type_name("T")->check(not_empty);
  app.add_option("--sbatch-arg", options->sbatch_args, "one more sbatch argument for both jobs (repeatable; --sbatch-arg=--mem=8G)")
      ->type_name("ARG")
      ->allow_extra_args(false)
      ->check(not_empty);
  app.add_flag("--wait", options->wait, "wait for both jobs; exit with the final build's status (Ctrl-C cancels them)");
  return [&global, options] { return run_slurm(global, *options); };
}

}  // namespace dgxpx::cli
