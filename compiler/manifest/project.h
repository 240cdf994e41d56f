#pragma once
// dgxpx.yaml: the game repo's root file saying where manifests, presets, rules, outputs and
// the cache are. Found by walking up from the working directory, like git.
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "compiler/util/error.h"

namespace dgxpx::manifest {

inline constexpr const char* kProjectFile = "dgxpx.yaml";

/// dgxpx.yaml `outputs:`: the engine formats pack steps write next to each sheet PNG.
///   aseprite       <name>.json       Aseprite json-array: Phaser load.aseprite, PixiJS, Aseprite readers
///   texturepacker  <name>.hash.json  TexturePacker json-hash, frames by name: Phaser load.atlas, PixiJS
///   tiled          <name>.tsx        Tiled tileset (tilesets)
///   godot          <name>.tres       Godot 4 SpriteFrames (characters) or TileSet (tilesets)
///   bevy           <name>.assets.ron bevy_asset_loader image + TextureAtlasLayout (grid sheets),
///                  <name>.animations.ron  animation table (characters)
inline const std::vector<std::string> kOutputFormats = {"aseprite", "texturepacker", "tiled", "godot", "bevy"};
inline const std::vector<std::string> kDefaultOutputs = {"aseprite", "texturepacker", "tiled", "bevy"};

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
  std::filesystem::path lora_registry_dir;       // LoRA registry: <dir>/<status>/<name>_v<version>.safetensors
  /// LoRA files used in place of others (absolute → absolute): one side of `dgxpx compare`.
  std::map<std::filesystem::path, std::filesystem::path> lora_swaps;
  /// Registry statuses looked up in place of others ("production" → "staging"): the other.
  std::map<std::string, std::string> registry_status_swaps;
  RemoteCacheSettings remote_cache;               // from dgxpx.yaml `cache: {remote: ...}`
  std::string default_preset;                    // used by assets that name none
  int gen_jobs = 1;                              // concurrent model-backed generations (ninja pool)
  /// Shell words put before each gen step's command ("srun -n1 --gres=gpu:1" inside a Slurm
  /// allocation); "" runs it directly. Not part of any key: where an image is made does not
  /// change it.
  std::string gen_launcher;
  std::vector<std::string> outputs = kDefaultOutputs;  // engine formats, in kOutputFormats order
  WorkerSettings worker;
};

/// The folder holding dgxpx.yaml at or above `start`; nullopt if none.
std::optional<std::filesystem::path> find_project_root(const std::filesystem::path& start);

/// Why `url` is not a remote cache URL dgxpx can use ("" when it is): http:// or https://
/// followed by a host, or s3:// followed by a bucket, without spaces or control characters.
std::string remote_cache_url_problem(const std::string& url);

/// Environment variables through which `dgxpx compare` builds a variant of the project: its
/// own build state and output folders (relative to the root), and LoRA swaps, one
/// "OLD=NEW" per line (files relative to the root). Its ninja steps inherit them.
inline constexpr const char* kStateDirEnv = "DGXPX_STATE_DIR";
inline constexpr const char* kOutputDirEnv = "DGXPX_OUTPUT_DIR";
inline constexpr const char* kLoraSwapEnv = "DGXPX_LORA_SWAP";
inline constexpr const char* kStatusSwapEnv = "DGXPX_REGISTRY_STATUS_SWAP";  // "OLD=NEW" per line

/// Reads and validates `root`/dgxpx.yaml, then applies the variant variables above.
ProjectConfig load_project(const std::filesystem::path& root);

/// Path relative to the project root when inside it, for messages ("manifests/hero.yaml").
std::string display_path(const ProjectConfig& project, const std::filesystem::path& path);

}  // namespace dgxpx::manifest
