#pragma once
// Which remote cache a command uses: dgxpx.yaml's `cache: {remote, write, required}`, overridden
// by the environment, so that CI turns writing on (or points at another server) without an
// edit, and so that a token never has to be written in a committed file:
//   DGXPX_REMOTE_CACHE=URL     the remote (http://, https:// or s3://); "off" turns it off
//   DGXPX_REMOTE_WRITE=1|0     upload results (default: dgxpx.yaml's write, else off)
//   DGXPX_REMOTE_REQUIRED=1|0  fail instead of building without an unusable remote
//   DGXPX_REMOTE_TOKEN=TOKEN   sent as "Authorization: Bearer TOKEN"
// Basic auth comes from ~/.netrc (under $HOME) when it names the host. An s3://BUCKET/PREFIX
// remote is reached path-style at dgxpx.yaml's `endpoint` (else $AWS_ENDPOINT_URL_S3 or
// $AWS_ENDPOINT_URL, else AWS's own for the region), signed for `region` (else $AWS_REGION or
// $AWS_DEFAULT_REGION, else us-east-1) with $AWS_ACCESS_KEY_ID, $AWS_SECRET_ACCESS_KEY and
// $AWS_SESSION_TOKEN; without a key its requests go unsigned (a public bucket).
#include <optional>
#include <string>

#include "cache/remote/remote_cache.h"
#include "compiler/manifest/project.h"

namespace dgxpx::cli {

struct RemoteCacheConfig {
  cache::RemoteCacheOptions options;  // options.required: an unusable remote fails the build
  bool write = false;
};

/// The remote cache settings in effect, or nullopt when there is no remote. Throws
/// util::InputError for an environment value that is not one of those above.
std::optional<RemoteCacheConfig> remote_cache_config(const manifest::ProjectConfig& project);

}  // namespace dgxpx::cli
