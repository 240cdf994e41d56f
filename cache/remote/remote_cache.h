#pragma once
// A shared cache over HTTP(S) or S3 (path-style, SigV4-signed), in front of the local store. It holds the local store's bytes
// under <prefix>/v1/blobs/<digest> and <prefix>/v1/entries/<key> (FORMAT.md, "Remote cache").
// It works in batches: the build fetches the entries of the steps about to run into the local
// store before they start, and uploads what they filed afterwards, so steps only ever read the
// local store and no step opens a connection.
//
// An outage never fails a build here: a 404 is a miss; 401/403 is one configuration error line
// and the remote is left alone for that direction (reads or writes); 413 skips one upload; a
// connection error, a stalled transfer, a 5xx or any other answer marks the remote unavailable
// for the rest of the process (one warning) and cancels what was queued. What a download
// brings is verified exactly as a local read is; a damaged object is a miss with a warning.
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "cache/local_store.h"
#include "cache/remote/http_pool.h"

namespace dgxpx::cache {

/// What the remote did in this process, for the build summary and --json.
struct RemoteStats {
  uint64_t hits = 0;            ///< entries fetched with all their blobs into the local store
  uint64_t misses = 0;          ///< entries the remote does not have (or lacks a blob of)
  uint64_t corrupt = 0;         ///< objects that failed verification (treated as misses)
  uint64_t uploads = 0;         ///< entries uploaded (their blobs before them)
  uint64_t blobs_uploaded = 0;  ///< blobs sent; blobs already there are skipped after a HEAD
  uint64_t too_large = 0;       ///< uploads the server refused as too large (413), skipped
  uint64_t bytes_down = 0, bytes_up = 0;  ///< body bytes received / sent
  uint64_t errors = 0;          ///< requests that failed: refused, stalled, denied, 5xx
  uint64_t requests = 0;        ///< HTTP requests made
};

struct RemoteCacheOptions {
  std::string url;  ///< http(s)://host[:port][/prefix]; a trailing '/' is ignored
  std::string name;  ///< for messages when not `url` (an s3:// URL); "" = url
  /// The caller fails when the remote is unusable: problems are left to it (problem()), not
  /// logged as "building without it".
  bool required = false;
  HttpSettings http;
};

/// Used from one thread. Never throws for network or server trouble: see available().
class RemoteCache {
 public:
  explicit RemoteCache(RemoteCacheOptions options);

  /// "remote cache http://host/prefix" (or the s3:// URL it was configured as).
  std::string describe() const;
  /// Where the entry for `key` / the blob `digest` lives on the server.
  std::string entry_url(const util::Digest& key) const;
  std::string blob_url(const util::Digest& digest) const;

  /// For each key, fetches the entry and the blobs `local` lacks, verifies them and files them
  /// in `local` (blobs first). Returns the keys the remote could not serve (absent, incomplete
  /// or damaged there): what an upload should fill later.
  std::vector<util::Digest> fetch_into(LocalStore& local, const std::vector<util::Digest>& keys);

  /// For each key whose entry is in `local`: uploads its blobs the server lacks (HEAD first),
  /// then the entry, so the server never holds an entry whose blobs are missing. Keys `local`
  /// does not hold are skipped.
  void upload_from(LocalStore& local, const std::vector<util::Digest>& keys);

  /// The keys of `keys` whose entry the server does not have (HEAD each).
  std::vector<util::Digest> missing_entries(const std::vector<util::Digest>& keys);

  /// False once a connection error, stall, 5xx or unexpected answer was seen.
  bool available() const { return available_; }
  bool reads_denied() const { return reads_denied_; }
  bool writes_denied() const { return writes_denied_; }
  /// The first problem met (outage or denial), "" when none: "remote cache URL is unavailable
  /// (Connection refused on GET URL)".
  const std::string& problem() const { return problem_; }
  const RemoteStats& stats() const { return stats_; }

 private:
  enum class Answer { ok, not_found, denied, too_large, outage };
  Answer classify(const HttpRequest& request, const HttpResponse& response);
  void corrupt_object(const std::string& what, const std::string& why);
  void run();

  RemoteCacheOptions options_;
  std::string prefix_;
  HttpPool pool_;
  RemoteStats stats_;
  std::set<util::Digest> damaged_blobs_;  // found damaged on the server: re-upload without asking
  bool available_ = true;
  bool reads_denied_ = false, writes_denied_ = false;
  std::string problem_;
};

}  // namespace dgxpx::cache
