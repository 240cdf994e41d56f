// dgxpx: a make-like asset compiler for AI-generated pixel art.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "compiler/cli/command.h"
#include "compiler/util/error.h"
#include "compiler/util/log.h"

namespace dgxpx::cli {

const std::vector<Command>& commands() {
  static const std::vector<Command> table = {
      {"build", "plan and build every asset (-j N, -k N, -n, --json)", run_build},
      {"status", "what is dirty and why, without building", run_status},
      {"explain", "why ASSET rebuilt in the last build, or would rebuild now", run_explain},
      {"clean", "remove outputs and build state (keeps the cache)", run_clean},
      {"gc", "shrink the cache to --max-size SIZE, least recently used first", run_gc},
      {"gen", "generate one image with SDXL: --model M --prompt P --seed S ... -o OUT.png (--help)", run_gen},
      {"serve", "run the generation worker in the foreground (builds start one themselves; --help)", run_serve},
      {"pixelize", "pixelize one image: IN.png -o OUT.png [options] (--help)", run_pixelize_cli},
      {"plan", "re-plan now (run by ninja when manifests change)", run_plan, false},
      {"step", "run one step from its spec (run by ninja)", run_step, false},
  };
  return table;
}

static void print_usage() {
  std::printf("usage: dgxpx [-C DIR] [-v|-q] COMMAND [ARGS]\n\ncommands:\n");
  for (const auto& c : commands())
    if (c.listed) std::printf("  %-9s %s\n", c.name, c.summary);
  std::printf("\nexit status: 0 ok, 1 a step or the environment failed, 2 bad input (nothing written), 130 interrupted\n");
}

static int main_impl(int argc, char** argv) {
  GlobalOptions options;
  int i = 1;
  for (; i < argc && argv[i][0] == '-'; ++i) {
    std::string a = argv[i];
    if (a == "-C" && i + 1 < argc) options.directory = argv[++i];
    else if (a == "-v" || a == "--verbose") options.verbose = true;
    else if (a == "-q" || a == "--quiet") options.quiet = true;
    else if (a == "-h" || a == "--help") { print_usage(); return kExitOk; }
    else if (a == "--version") { std::printf("dgxpx 0.1.0\n"); return kExitOk; }
    else {
      std::fprintf(stderr, "dgxpx: error: unknown option '%s'\n", a.c_str());
      print_usage();
      return kExitBadInput;
    }
  }
  util::init_logging(options.quiet ? util::Verbosity::quiet : options.verbose ? util::Verbosity::verbose : util::Verbosity::normal);
  if (i >= argc) {
    print_usage();
    return kExitBadInput;
  }
  std::string name = argv[i];
  std::vector<std::string> args(argv + i + 1, argv + argc);
  for (const auto& c : commands())
    if (name == c.name) return c.run(options, args);
  std::fprintf(stderr, "dgxpx: error: unknown command '%s'\n", name.c_str());
  print_usage();
  return kExitBadInput;
}

}  // namespace dgxpx::cli

int main(int argc, char** argv) {
  return dgxpx::cli::run_reporting_errors([&] { return dgxpx::cli::main_impl(argc, argv); });
}
