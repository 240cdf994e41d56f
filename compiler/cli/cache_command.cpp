// `dgxpx cache push`: uploads the results of the project's steps that the remote cache lacks
// (built before writing was turned on, or while the remote was down). An explicit push writes
// whatever `write` says: the user asked for it.
#include <cstdio>
#include <system_error>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "cache/local_store.h"
#include "cache/remote/remote_cache.h"
#include "cache/size.h"
#include "compiler/cli/command.h"
#include "compiler/cli/project_context.h"
#include "compiler/cli/remote_settings.h"
#include "compiler/util/error.h"

namespace dgxpx::cli {
namespace fs = std::filesystem;

namespace {

int run_push(const GlobalOptions& global) {
  const fs::path root = project_root(global);
  const manifest::ProjectConfig project = manifest::load_project(root);
  std::optional<RemoteCacheConfig> config = remote_cache_config(project);
  if (!config)
    throw util::InputError("no remote cache to push to: set cache: {remote: URL} in dgxpx.yaml or $DGXPX_REMOTE_CACHE");
  const Planned planned = plan_in_memory(root, plan::RecordDetail::changed, plan::CacheWrites::none);
  cache::LocalStore local(cache_dir(project));
  std::vector<util::Digest> local_keys;
  for (const plan::Step& step : planned.plan.steps) {
    std::error_code ec;
    if (fs::exists(local.entry_path(step.key), ec)) local_keys.push_back(step.key);
  }
  cache::RemoteCache remote(config->options);
  const std::vector<util::Digest> missing = remote.missing_entries(local_keys);
  remote.upload_from(local, missing);
  const cache::RemoteStats& s = remote.stats();
  const bool ok = remote.available() && !remote.reads_denied() && !remote.writes_denied();
  if (!ok && config->options.required) spdlog::error("{}", remote.problem());  // not logged by the remote then
  if (!global.quiet || !ok)
    std::printf("%s: pushed %llu of %zu results it lacked (%llu blobs, %s); %zu of the %zu steps' results were "
                "there already, %zu are not in the local cache\n",
                remote.describe().c_str(), (unsigned long long)s.uploads, missing.size(),
                (unsigned long long)s.blobs_uploaded, cache::format_size(s.bytes_up).c_str(),
                ok ? local_keys.size() - missing.size() : 0, planned.plan.steps.size(),
                planned.plan.steps.size() - local_keys.size());
  return ok && s.uploads == missing.size() ? kExitOk : kExitBuildFailed;
}

}  // namespace

CommandBody define_cache(CLI::App& app, const GlobalOptions& global) {
  app.require_subcommand(1);
  CLI::App* push = app.add_subcommand("push", "upload the results of this project's steps that the remote cache lacks");
  return [&global, push] {
    if (push->parsed()) return run_push(global);
    return int(kExitBadInput);  // require_subcommand(1) makes this unreachable
  };
}

}  // namespace dgxpx::cli
