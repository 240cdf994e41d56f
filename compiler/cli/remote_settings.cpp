#include "compiler/cli/remote_settings.h"

#include <cstdlib>

#include "compiler/util/error.h"

namespace dgxpx::cli {

namespace {

std::optional<std::string> env(const char* name) {
  const char* value = std::getenv(name);
  if (!value || !*value) return std::nullopt;
  return std::string(value);
}

/// A 0/1 switch from the environment; nullopt when unset.
std::optional<bool> env_switch(const char* name) {
  std::optional<std::string> value = env(name);
  if (!value) return std::nullopt;
  if (*value == "1" || *value == "true") return true;
  if (*value == "0" || *value == "false") return false;
  throw util::InputError(std::string("$") + name + ": " + util::expected_got("1 or 0", "'" + *value + "'"));
}

}  // namespace

std::optional<RemoteCacheConfig> remote_cache_config(const manifest::ProjectConfig& project) {
  RemoteCacheConfig config;
  config.options.url = project.remote_cache.url;
  config.write = project.remote_cache.write;
  config.required = project.remote_cache.required;
  if (std::optional<std::string> url = env("DGXPX_REMOTE_CACHE")) {
    if (*url == "off") return std::nullopt;
    if (std::string problem = manifest::remote_cache_url_problem(*url); !problem.empty())
      throw util::InputError("$DGXPX_REMOTE_CACHE: " + util::expected_got(problem + " (or off)", "'" + *url + "'"));
    config.options.url = *url;
  }
  if (config.options.url.empty()) return std::nullopt;
  if (std::optional<bool> write = env_switch("DGXPX_REMOTE_WRITE")) config.write = *write;
  if (std::optional<bool> required = env_switch("DGXPX_REMOTE_REQUIRED")) config.required = *required;
  if (std::optional<std::string> token = env("DGXPX_REMOTE_TOKEN")) config.options.http.bearer_token = *token;
  return config;
}

}  // namespace dgxpx::cli
