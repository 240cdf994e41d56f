#pragma once
// The sub-command table (`dgxpx <command> ...`), in the style of ninja's `struct Tool`.
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace dgxpx::cli {

/// Exit statuses, documented in the README.
enum ExitCode : int {
  kExitOk = 0,
  kExitBuildFailed = 1,  // a step failed, or the environment did (I/O, ninja missing)
  kExitBadInput = 2,     // bad manifest/preset/rule/command line: nothing was written
  kExitInterrupted = 130,
};

struct GlobalOptions {
  std::filesystem::path directory;  // -C DIR: where to start looking for dgxpx.yaml
  bool verbose = false, quiet = false;
};

struct Command {
  const char* name;
  const char* summary;
  int (*run)(const GlobalOptions& options, const std::vector<std::string>& args);
  bool listed = true;  // internal commands (step, plan) are not listed in help
};

const std::vector<Command>& commands();

/// Runs a program's body and maps what escapes it to an exit status: util::InputError →
/// its diagnostic and kExitBadInput; any other exception → "error: ..." and kExitBuildFailed.
int run_reporting_errors(const std::function<int()>& body);

int run_build(const GlobalOptions&, const std::vector<std::string>&);
int run_plan(const GlobalOptions&, const std::vector<std::string>&);
int run_step(const GlobalOptions&, const std::vector<std::string>&);
int run_status(const GlobalOptions&, const std::vector<std::string>&);
int run_explain(const GlobalOptions&, const std::vector<std::string>&);
int run_clean(const GlobalOptions&, const std::vector<std::string>&);
int run_gc(const GlobalOptions&, const std::vector<std::string>&);
int run_gen(const GlobalOptions&, const std::vector<std::string>&);
int run_serve(const GlobalOptions&, const std::vector<std::string>&);
int run_pixelize_cli(const GlobalOptions&, const std::vector<std::string>&);

}  // namespace dgxpx::cli
