#pragma once
// The sub-command table (`dgxpx <command> ...`), in the style of ninja's `struct Tool`. Each
// command declares its arguments on a CLI11 sub-app and hands back the body that runs once
// they are parsed, so --help, usage errors and completion come from one place.
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace CLI {
class App;
}

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

/// What runs a command once its arguments are parsed; returns the exit status.
using CommandBody = std::function<int()>;

struct Command {
  const char* name;
  const char* summary;
  /// Declares the command's arguments on `app`, bound to state the returned body reads.
  /// `global` is filled in by the time the body runs.
  CommandBody (*define)(CLI::App& app, const GlobalOptions& global);
  bool listed = true;  // internal commands (step, plan) are not listed in help
};

const std::vector<Command>& commands();

/// Runs a program's body and maps what escapes it to an exit status: util::InputError →
/// its diagnostic and kExitBadInput; any other exception → "error: ..." and kExitBuildFailed.
int run_reporting_errors(const std::function<int()>& body);

/// Parses `args` (without the program name) with `app`: --help and --version print and give
/// kExitOk; a usage error is thrown as util::InputError ("expected X, got Y" where CLI11 can
/// say so). Returns nullopt after a successful parse.
std::optional<int> parse_command_line(CLI::App& app, std::vector<std::string> args);

CommandBody define_build(CLI::App&, const GlobalOptions&);
CommandBody define_plan(CLI::App&, const GlobalOptions&);
CommandBody define_step(CLI::App&, const GlobalOptions&);
CommandBody define_status(CLI::App&, const GlobalOptions&);
CommandBody define_explain(CLI::App&, const GlobalOptions&);
CommandBody define_watch(CLI::App&, const GlobalOptions&);
CommandBody define_slurm(CLI::App&, const GlobalOptions&);
CommandBody define_clean(CLI::App&, const GlobalOptions&);
CommandBody define_gc(CLI::App&, const GlobalOptions&);
CommandBody define_cache(CLI::App&, const GlobalOptions&);
CommandBody define_gen(CLI::App&, const GlobalOptions&);
CommandBody define_serve(CLI::App&, const GlobalOptions&);
CommandBody define_pixelize(CLI::App&, const GlobalOptions&);
CommandBody define_palette(CLI::App&, const GlobalOptions&);
CommandBody define_lora(CLI::App&, const GlobalOptions&);
CommandBody define_compare(CLI::App&, const GlobalOptions&);
CommandBody define_completion(CLI::App&, const GlobalOptions&);

}  // namespace dgxpx::cli
