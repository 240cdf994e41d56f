// `dgxpx step SPEC` — what ninja runs for each edge.
#include <spdlog/spdlog.h>

#include "cache/local_store.h"
#include "compiler/backend/step_runner.h"
#include "compiler/cli/command.h"
#include "compiler/cli/project_context.h"
#include "compiler/util/error.h"

namespace dgxpx::cli {

int run_step(const GlobalOptions& global, const std::vector<std::string>& args) {
  if (args.size() != 1) throw util::InputError(util::expected_got("one step spec file", std::to_string(args.size()) + " arguments"));
  manifest::ProjectConfig project = manifest::load_project(project_root(global));
  cache::LocalStore store(cache_dir(project));
  backend::StepContext context{store};
  backend::run_step(args[0], context);
  return kExitOk;
}

}  // namespace dgxpx::cli
