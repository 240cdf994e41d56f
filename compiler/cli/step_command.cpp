// `dgxpx step SPEC` — what ninja runs for each edge. Model-backed gen steps send their spec
// to the project's generation worker (compiler/worker); the rest run here.
#include <cstdlib>
#include <filesystem>
#include <memory>

#include <CLI/CLI.hpp>

#include "cache/local_store.h"
#include "compiler/backend/step_runner.h"
#include "compiler/cli/command.h"
#include "compiler/cli/project_context.h"
#include "compiler/util/error.h"
#include "compiler/worker/worker_generator.h"

namespace dgxpx::cli {

namespace {

int run_step(const GlobalOptions& global, const std::string& spec_file) {
  manifest::ProjectConfig project = manifest::load_project(project_root(global));
  cache::LocalStore store(cache_dir(project));
  backend::StepContext context{store};
  context.may_generate = std::getenv(backend::kCachedOnlyEnv) == nullptr;
  context.generators = [&project](const backend::GenSpec& spec) -> std::unique_ptr<backend::Generator> {
    if (spec.backend != "sdxl") return backend::make_generator(spec);
    worker::LaunchOptions launch{sdxl_command(), project.root, worker::WorkerPaths::of(project)};
    return std::make_unique<worker::WorkerGenerator>(launch, project.worker);
  };
  backend::run_step(spec_file, context);
  return kExitOk;
}

}  // namespace

CommandBody define_step(CLI::App& app, const GlobalOptions& global) {
  auto spec_file = std::make_shared<std::string>();
  app.add_option("spec", *spec_file, "the step's spec file")->required();
  return [&global, spec_file] { return run_step(global, *spec_file); };
}

}  // namespace dgxpx::cli
