// How errors become exit statuses, for the command line (CLI11) and for command bodies.
#include <cstdio>
#include <exception>

#include <CLI/CLI.hpp>

#include "compiler/cli/command.h"
#include "compiler/util/error.h"

namespace dgxpx::cli {

int run_reporting_errors(const std::function<int()>& body) {
  try {
    return body();
  } catch (const util::InputError& e) {
    std::fprintf(stderr, "%s\n", e.diagnostic().c_str());
    return kExitBadInput;
  } catch (const std::exception& e) {  // util::RuntimeFailure and anything else
    std::fprintf(stderr, "error: %s\n", e.what());
    return kExitBuildFailed;
  }
}

std::optional<int> parse_command_line(CLI::App& app, std::vector<std::string> args) {
  std::reverse(args.begin(), args.end());  // CLI11 takes them last-first
  try {
    app.parse(args);
    return std::nullopt;
  } catch (const CLI::Success& e) {  // --help, --help-all and --version derive from it
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // The innermost command that was named, for "see dgxpx build --help".
    const CLI::App* named = &app;
    for (bool deeper = true; deeper;) {
      deeper = false;
      for (const CLI::App* sub : named->get_subcommands())
        if (sub->parsed()) { named = sub; deeper = true; break; }
    }
    std::string command = named->get_name();
    for (const CLI::App* p = named->get_parent(); p; p = p->get_parent()) command = p->get_name() + " " + command;
    throw util::InputError(std::string(e.what()) + " (see " + command + " --help)");
  }
}

}  // namespace dgxpx::cli
