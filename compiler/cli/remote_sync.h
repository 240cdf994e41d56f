#pragma once
// `dgxpx build`'s side of the remote cache. Before ninja starts, the entries of the steps about
// to run that the local cache lacks are fetched into it (keys are known at plan time), so the
// steps find their hits locally; after the build, the results the remote lacked are uploaded
// when writing is on. All network work happens here, in the build process, over one pool of
// connections: a step never opens one.
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cache/local_store.h"
#include "cache/remote/remote_cache.h"
#include "compiler/cli/project_context.h"
#include "compiler/cli/remote_settings.h"

namespace dgxpx::cli {

/// Keys of the steps of `plan` that a build would run: a spec file not in `specs` (a new key),
/// an output missing, or an input written by such a step. Stats outputs under the project root.
std::vector<util::Digest> keys_about_to_run(const manifest::ProjectConfig& project, const plan::Plan& plan,
                                            const plan::SpecFiles& specs);

class RemoteSync {
 public:
  /// Does nothing at all when `config` is nullopt (no remote configured).
  RemoteSync(std::optional<RemoteCacheConfig> config, const std::filesystem::path& cache_root);

  bool enabled() const { return remote_ != nullptr; }

  /// Fetches the results of the steps about to run that the local cache lacks, when this build
  /// re-planned (`planned`); otherwise asks nothing. Throws util::RuntimeFailure when the
  /// remote is required and could not be read.
  void prefetch(const manifest::ProjectConfig& project, const std::optional<Planned>& planned);

  /// With writing on: uploads the results the remote lacked at prefetch that the build filed
  /// locally. Returns false (after an error line) when the remote is required and the upload
  /// could not be done.
  bool upload();

  /// One line for the build summary: hits, misses, uploads, bytes, errors.
  std::string summary() const;
  /// The same for --json.
  nlohmann::json to_json() const;

 private:
  /// The problem that makes a required remote fail the build, "" when none.
  std::string required_problem(bool writing) const;

  std::optional<RemoteCacheConfig> config_;
  cache::LocalStore local_;
  std::unique_ptr<cache::RemoteCache> remote_;
  std::vector<util::Digest> unserved_;  // keys the remote could not serve at prefetch
};

}  // namespace dgxpx::cli
