// dgxpx: a make-like asset compiler for AI-generated pixel art.
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "compiler/cli/command.h"
#include "compiler/util/log.h"

namespace dgxpx::cli {

const std::vector<Command>& commands() {
  static const std::vector<Command> table = {
      {"build", "plan and build every asset (-j N, -k N, -n, --json)", define_build},
      {"status", "which assets would rebuild and why, without building", define_status},
      {"explain", "why ASSET rebuilt in the last build, or would rebuild now", define_explain},
      {"watch", "rebuild whenever a manifest, preset, rule, palette, LoRA or model changes", define_watch},
      {"slurm", "submit the build to Slurm: a --shards N job array, then a final build (--wait)", define_slurm},
      {"clean", "remove outputs and build state (keeps the cache)", define_clean},
      {"gc", "shrink the cache to --max-size SIZE, least recently used first", define_gc},
      {"cache", "remote cache tools: `cache push` uploads results the remote lacks", define_cache},
      {"gen", "generate one image with SDXL: --model M --prompt P --seed S ... -o OUT.png (--help)", define_gen},
      {"serve", "run the generation worker in the foreground (builds start one themselves; --help)", define_serve},
      {"pixelize", "pixelize one image: IN.png -o OUT.png [options]", define_pixelize},
      {"palette", "learn a palette from a game's art: palette extract ART.png... -n N -o OUT.hex", define_palette},
      {"compare", "build as is and with --lora OLD=NEW or --status OLD=NEW, rank assets by change (--json)", define_compare},
      {"lora", "inspect LoRA files: lora info FILE [--json] (metadata, sidecar, trigger words, weight)", define_lora},
      {"completion", "print a bash completion script (source <(dgxpx completion))", define_completion},
      {"plan", "re-plan now (run by ninja when manifests change)", define_plan, false},
      {"step", "run one step from its spec (run by ninja)", define_step, false},
  };
  return table;
}

static int main_impl(int argc, char** argv) {
  CLI::App app{"dgxpx: a make-like asset compiler for AI-generated pixel art", "dgxpx"};
  app.footer(
      "exit status: 0 ok, 1 a step or the environment failed, 2 bad input (nothing written), 130 interrupted");
  GlobalOptions global;
  app.add_option("-C", global.directory, "start in DIR (dgxpx.yaml is looked for there and above)")
      ->type_name("DIR");
  app.add_flag("-v,--verbose", global.verbose, "say more");
  app.add_flag("-q,--quiet", global.quiet, "say only warnings and errors");
  app.set_version_flag("--version", "dgxpx 0.1.0");
  app.require_subcommand(1);
  app.fallthrough();  // global options may follow the command: `dgxpx build -v`
  std::vector<std::pair<CLI::App*, CommandBody>> bodies;
  for (const Command& command : commands()) {
    CLI::App* sub = app.add_subcommand(command.name, command.summary);
    if (!command.listed) sub->group("");
    bodies.emplace_back(sub, command.define(*sub, global));
  }
  if (auto status = parse_command_line(app, std::vector<std::string>(argv + 1, argv + argc))) return *status;
  util::init_logging(global.quiet     ? util::Verbosity::quiet
                     : global.verbose ? util::Verbosity::verbose
                                      : util::Verbosity::normal);
  for (auto& [sub, body] : bodies)
    if (sub->parsed()) return body();
  return kExitBadInput;  // require_subcommand(1) makes this unreachable
}

}  // namespace dgxpx::cli

int main(int argc, char** argv) {
  return dgxpx::cli::run_reporting_errors([&] { return dgxpx::cli::main_impl(argc, argv); });
}
