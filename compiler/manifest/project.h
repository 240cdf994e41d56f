#pragma once
// dgxpx.yaml: the game repo's root file saying where manifests, presets, rules, outputs and
// the cache are. Found by walking up from the working directory, like git.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "compiler/util/error.h"

namespace dgxpx::manifest {

inline constexpr const char* kProjectFile = "dgxpx.yaml";

/// dgxpx.yaml `worker:`: how model-backed gen steps reach the model. None of it is part of a key.
struct WorkerSettings {
  bool enabled = true;        // false: every gen step loads the model itself
  int max_batch = 4;          // compatible requests per network batch
  int keep_warm_seconds = 0;  // how long the worker outlives the last build that used it
  std::string device;         // "" (cuda when available, else cpu), "cpu" or "cuda"
};

/// dgxpx.yaml `cache: {remote: URL, write: BOOL, required: BOOL}`: a shared cache over HTTP(S)
/// or S3 that the local one is filled from. Environment variables override it
/// (cli/remote_settings).
struct RemoteCacheSettings {
  std::string url;                // "" = no remote; else http://, https:// or s3://, checked at load
  bool write = false;             // upload results (CI); developers only read
  bool required = false;          // an unreachable remote fails the build instead of a warning
  std::string endpoint;           // s3: the server ("" = AWS's for the region)
  std::string region;             // s3: the signing region ("" = $AWS_REGION, else us-east-1)
};

struct ProjectConfig {
  std::filesystem::path root;                    // folder holding dgxpx.yaml
  std::vector<std::filesystem::path> manifests;  // folders or files (absolute)
  std::filesystem::path presets_dir;             // project presets (win over built-ins)
  std::filesystem::path rules_dir;               // project rules (win over built-ins)
  std::filesystem::path output_dir;              // engine-ready outputs
  std::filesystem::path state_dir;               // .dgxpx: build.ninja, specs, records
  std::optional<std::filesystem::path> cache_dir;  // from dgxpx.yaml; else state_dir/cache
  RemoteCacheSettings remote_cache;               // from dgxpx.yaml `cache: {remote: ...}`
  std::string default_preset;                    // used by assets that name none
  int gen_jobs = 1;                              // concurrent model-backed generations (ninja pool)
  bool godot = false;                            // also write Godot 4 SpriteFrames for characters
  WorkerSettings worker;
};

/// The folder holding dgxpx.yaml at or above `start`; nullopt if none.
std::optional<std::filesystem::path> find_project_root(const std::filesystem::path& start);

/// Why `url` is not a remote cache URL dgxpx can use ("" when it is): http:// or https://
/// followed by a host, or s3:// followed by a bucket, without spaces or control characters.
std::string remote_cache_url_problem(const std::string& url);

/// Reads and validates `root`/dgxpx.yaml.
ProjectConfig load_project(const std::filesystem::path& root);

/// Path relative to the project root when inside it, for messages ("manifests/hero.yaml").
std::string display_path(const ProjectConfig& project, const std::filesystem::path& path);

}  // namespace dgxpx::manifest
