#include "compiler/cli/remote_settings.h"

#include <cstdlib>
#include <initializer_list>

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

/// The first of `values` that is set and not empty, else "".
std::string first_set(std::initializer_list<std::optional<std::string>> values) {
  for (const auto& v : values)
    if (v && !v->empty()) return *v;
  return "";
}

/// s3://BUCKET/PREFIX becomes ENDPOINT/BUCKET/PREFIX (path-style addressing, which
/// S3-compatible servers take), with SigV4 signing when there are credentials.
void resolve_s3(const manifest::RemoteCacheSettings& yaml, cache::RemoteCacheOptions& options) {
  const std::string region =
      first_set({yaml.region, env("AWS_REGION"), env("AWS_DEFAULT_REGION"), std::string("us-east-1")});
  std::string endpoint = first_set({yaml.endpoint, env("AWS_ENDPOINT_URL_S3"), env("AWS_ENDPOINT_URL"),
                                    "https://s3." + region + ".amazonaws.com"});
  while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
  options.name = options.url;
  options.url = endpoint + "/" + options.url.substr(std::string("s3://").size());
  std::optional<std::string> key = env("AWS_ACCESS_KEY_ID"), secret = env("AWS_SECRET_ACCESS_KEY");
  if (key && secret) options.http.aws = cache::AwsSigning{region, *key, *secret, first_set({env("AWS_SESSION_TOKEN")})};
}

}  // namespace

std::optional<RemoteCacheConfig> remote_cache_config(const manifest::ProjectConfig& project) {
  RemoteCacheConfig config;
  config.options.url = project.remote_cache.url;
  config.write = project.remote_cache.write;
  config.options.required = project.remote_cache.required;
  if (std::optional<std::string> url = env("DGXPX_REMOTE_CACHE")) {
    if (*url == "off") return std::nullopt;
    if (std::string problem = manifest::remote_cache_url_problem(*url); !problem.empty())
      throw util::InputError("$DGXPX_REMOTE_CACHE: " + util::expected_got(problem + " (or off)", "'" + *url + "'"));
    config.options.url = *url;
  }
  if (config.options.url.empty()) return std::nullopt;
  if (std::optional<bool> write = env_switch("DGXPX_REMOTE_WRITE")) config.write = *write;
  if (std::optional<bool> required = env_switch("DGXPX_REMOTE_REQUIRED")) config.options.required = *required;
  if (std::optional<std::string> token = env("DGXPX_REMOTE_TOKEN")) config.options.http.bearer_token = *token;
  if (config.options.url.rfind("s3://", 0) == 0) resolve_s3(project.remote_cache, config.options);
  return config;
}

}  // namespace dgxpx::cli
