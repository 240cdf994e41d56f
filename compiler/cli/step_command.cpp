// `dgxpx step SPEC` — what ninja runs for each edge. Model-backed gen steps send their spec
// to the project's generation worker (compiler/worker); the rest run here.
#include <filesystem>

#include "cache/local_store.h"
#include "compiler/backend/step_runner.h"
#include "compiler/cli/command.h"
#include "compiler/cli/project_context.h"
#include "compiler/util/error.h"
#include "compiler/worker/worker_generator.h"

namespace dgxpx::cli {

int run_step(const GlobalOptions& global, const std::vector<std::string>& args) {
  if (args.size() != 1) throw util::InputError(util::expected_got("one step spec file", std::to_string(args.size()) + " arguments"));
  manifest::ProjectConfig project = manifest::load_project(project_root(global));
  cache::LocalStore store(cache_dir(project));
  backend::StepContext context{store};
  context.generators = [&project](const backend::GenSpec& spec) -> std::unique_ptr<backend::Generator> {
    if (spec.backend != "sdxl") return backend::make_generator(spec);
    worker::LaunchOptions launch{sdxl_command(), project.root, worker::WorkerPaths::of(project)};
    return std::make_unique<worker::WorkerGenerator>(launch, project.worker);
  };
  backend::run_step(args[0], context);
  return kExitOk;
}

}  // namespace dgxpx::cli
