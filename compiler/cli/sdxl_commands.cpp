// `dgxpx gen ...` and `dgxpx serve ...`: the SDXL stack lives in dgxpx-sdxl (the only binary
// that links libtorch), so these hand their arguments to the dgxpx-sdxl next to dgxpx.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <CLI/CLI.hpp>

#include "compiler/cli/command.h"
#include "compiler/cli/project_context.h"
#include "compiler/util/error.h"

namespace dgxpx::cli {

namespace {

[[noreturn]] void exec_sdxl(std::vector<std::string> argv_strings) {
  const std::string sdxl = sdxl_command();
  argv_strings.insert(argv_strings.begin(), sdxl);
  std::vector<char*> argv;
  for (auto& s : argv_strings) argv.push_back(s.data());
  argv.push_back(nullptr);
  ::execv(sdxl.c_str(), argv.data());
  throw util::RuntimeFailure("cannot run " + sdxl + " (build it with the SDXL stack): " + std::strerror(errno));
}

// Everything after the command word goes to dgxpx-sdxl as it is, --help included.
void pass_through(CLI::App& app) {
  app.set_help_flag();
  app.allow_extras();
  app.prefix_command();
}

}  // namespace

CommandBody define_gen(CLI::App& app, const GlobalOptions&) {
  pass_through(app);
  // Subcommands inherit the top level's fallthrough, which hands the first option CLI11 does
  // not know (--model) up to `dgxpx` itself, an error there: all of gen's arguments stay here
  // (global options go before `gen`).
  app.fallthrough(false);
  return [&app]() -> int {
    std::vector<std::string> argv = {"gen"};
    for (const auto& arg : app.remaining()) argv.push_back(arg);
    exec_sdxl(argv);
  };
}

CommandBody define_serve(CLI::App& app, const GlobalOptions& global) {
  pass_through(app);
  return [&app, &global]() -> int {
    const std::vector<std::string> args = app.remaining();
    const bool help = std::find(args.begin(), args.end(), "--help") != args.end() ||
                      std::find(args.begin(), args.end(), "-h") != args.end();
    std::vector<std::string> argv;
    if (!help) argv = {"-C", project_root(global).string()};  // --help works outside a project
    if (global.verbose) argv.push_back("-v");
    if (global.quiet) argv.push_back("-q");
    argv.push_back("serve");
    argv.insert(argv.end(), args.begin(), args.end());
    exec_sdxl(argv);
  };
}

}  // namespace dgxpx::cli
