#include "cache/remote/remote_cache.h"

#include <memory>
#include <system_error>

#include <spdlog/spdlog.h>

namespace dgxpx::cache {
namespace fs = std::filesystem;

namespace {

std::string without_trailing_slashes(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

/// True when `local` holds a file of `size` bytes for the blob (its bytes are verified when a
/// step reads it; a damaged one is then quarantined and regenerated).
bool local_has_blob(const LocalStore& local, const OutputRef& out) {
  std::error_code ec;
  return fs::file_size(local.blob_path(out.digest), ec) == out.size && !ec;
}

/// Outputs of `entry` with distinct digests (two outputs may hold the same bytes).
std::vector<OutputRef> distinct_blobs(const ActionEntry& entry) {
  std::vector<OutputRef> blobs;
  for (const OutputRef& out : entry.outputs) {
    bool seen = false;
    for (const OutputRef& b : blobs) seen = seen || b.digest == out.digest;
    if (!seen) blobs.push_back(out);
  }
  return blobs;
}

}  // namespace

RemoteCache::RemoteCache(RemoteCacheOptions options)
    : options_(std::move(options)), prefix_(without_trailing_slashes(options_.url)), pool_(options_.http) {}

std::string RemoteCache::describe() const {
  return "remote cache " + (options_.name.empty() ? prefix_ : without_trailing_slashes(options_.name));
}

std::string RemoteCache::entry_url(const util::Digest& key) const { return prefix_ + "/v1/entries/" + key.hex(); }

std::string RemoteCache::blob_url(const util::Digest& digest) const { return prefix_ + "/v1/blobs/" + digest.hex(); }

RemoteCache::Answer RemoteCache::classify(const HttpRequest& request, const HttpResponse& response) {
  const long status = response.status;
  if (status >= 200 && status < 300) return Answer::ok;
  if (status == 404) return Answer::not_found;
  if (status == 413) return Answer::too_large;
  const std::string what = std::string(to_string(request.method)) + " " + request.url;
  ++stats_.errors;
  if (status == 401 || status == 403) {
    const bool writing = request.method == HttpMethod::put;
    bool& denied = writing ? writes_denied_ : reads_denied_;
    if (!denied) {
      std::string message = describe() + ": " + what + " was refused (HTTP " + std::to_string(status) +
                            "); check the credentials ($DGXPX_REMOTE_TOKEN, ~/.netrc or $AWS_*) and what the server "
                            "allows";
      if (!options_.required) spdlog::error("{}; {} off for this build", message, writing ? "uploads are" : "reading it is");
      if (problem_.empty()) problem_ = message;
    }
    denied = true;
    pool_.cancel_all();  // the rest would be refused the same way
    return Answer::denied;
  }
  if (available_) {
    const std::string why = status == 0 ? response.transport_error : "HTTP " + std::to_string(status);
    std::string message = describe() + " is unavailable (" + why + " on " + what + ")";
    if (!options_.required) spdlog::warn("{}; building without it for the rest of this build", message);
    if (problem_.empty()) problem_ = message;
  }
  available_ = false;
  pool_.cancel_all();  // no retries piling up behind a server that is down
  return Answer::outage;
}

void RemoteCache::corrupt_object(const std::string& what, const std::string& why) {
  // One warning per build: a server that damages everything would otherwise print a line per step.
  if (stats_.corrupt++ == 0)
    spdlog::warn("{}: damaged {}: {}; treated as a miss (later damaged objects are counted, not listed)", describe(),
                 what, why);
  else
    spdlog::debug("{}: damaged {}: {}", describe(), what, why);
}

void RemoteCache::run() {
  pool_.run();
  stats_.requests = pool_.requests_started();
}

std::vector<util::Digest> RemoteCache::fetch_into(LocalStore& local, const std::vector<util::Digest>& keys) {
  std::vector<util::Digest> unserved;
  if (!available_ || reads_denied_) return unserved;
  // One entry's fetch: its blobs arrive one by one; the entry is filed after the last.
  struct Fetch {
    ActionEntry entry;
    size_t pending = 0;
    bool complete = true;
  };
  auto finish = [this, &local, &unserved](Fetch& fetch) {
    if (!fetch.complete) {
      unserved.push_back(fetch.entry.key);
      return;
    }
    PutResult put = local.put_entry(fetch.entry);
    if (put.ok())
      ++stats_.hits;
    else
      spdlog::warn("{}: cannot file entry {} locally: {}", describe(), fetch.entry.key.short_hex(), put.reason);
  };
  for (const util::Digest& key : keys) {
    HttpRequest get{HttpMethod::get, entry_url(key), EntryLimits::kMaxFileBytes, {}};
    pool_.add(std::move(get), [this, &local, &unserved, finish, key](const HttpRequest& request, HttpResponse& response) {
      stats_.bytes_down += response.body.size();
      const std::string name = "entry " + key.hex();
      if (response.too_long) {
        corrupt_object(name, "larger than an entry can be");
        unserved.push_back(key);
        return;
      }
      const Answer answer = classify(request, response);
      if (answer == Answer::not_found) {
        ++stats_.misses;
        unserved.push_back(key);
      }
      if (answer != Answer::ok) return;
      ParsedEntry parsed = parse_entry(response.body);
      if (!parsed.entry || parsed.entry->key != key) {
        corrupt_object(name, parsed.entry ? "it names key " + parsed.entry->key.hex() : parsed.error);
        unserved.push_back(key);
        return;
      }
      auto fetch = std::make_shared<Fetch>();
      fetch->entry = std::move(*parsed.entry);
      std::vector<OutputRef> needed;
      for (const OutputRef& out : distinct_blobs(fetch->entry))
        if (!local_has_blob(local, out)) needed.push_back(out);
      fetch->pending = needed.size();
      if (needed.empty()) finish(*fetch);
      for (const OutputRef& out : needed) {
        HttpRequest get_blob{HttpMethod::get, blob_url(out.digest), out.size, {}};
        pool_.add(std::move(get_blob), [this, &local, finish, fetch, out](const HttpRequest& request, HttpResponse& response) {
          stats_.bytes_down += response.body.size();
          const std::string name = "blob " + out.digest.hex();
          if (response.too_long) {
            corrupt_object(name, "more than the " + std::to_string(out.size) + " bytes its entry lists");
            damaged_blobs_.insert(out.digest);
            fetch->complete = false;
          } else {
            const Answer answer = classify(request, response);
            if (answer == Answer::not_found) ++stats_.misses;
            if (answer != Answer::ok) {
              fetch->complete = false;
            } else if (response.body.size() != out.size || util::digest_bytes(response.body) != out.digest) {
              corrupt_object(name, response.body.size() != out.size
                                       ? std::to_string(response.body.size()) + " bytes, its entry lists " +
                                             std::to_string(out.size)
                                       : "its bytes hash to " + util::digest_bytes(response.body).hex());
              damaged_blobs_.insert(out.digest);
              fetch->complete = false;
            } else if (PutResult put = local.put_blob(response.body); !put.ok()) {
              spdlog::warn("{}: cannot file blob {} locally: {}", describe(), out.digest.short_hex(), put.reason);
              fetch->complete = false;
            }
          }
          if (--fetch->pending == 0) finish(*fetch);
        });
      }
    });
  }
  run();
  return unserved;
}

void RemoteCache::upload_from(LocalStore& local, const std::vector<util::Digest>& keys) {
  if (!available_ || writes_denied_ || reads_denied_) return;
  // One entry's upload: the entry goes up after its last blob is known to be on the server.
  struct Upload {
    ActionEntry entry;
    size_t pending = 0;
    bool blobs_stored = true;
  };
  auto put_entry = [this](const Upload& upload) {
    const util::Digest key = upload.entry.key;
    HttpRequest put{HttpMethod::put, entry_url(key), 0, [entry = upload.entry]() -> std::optional<std::string> {
                      return serialize_entry(entry);
                    }};
    pool_.add(std::move(put), [this, key](const HttpRequest& request, HttpResponse& response) {
      const Answer answer = classify(request, response);
      if (answer == Answer::ok) {
        ++stats_.uploads;
        stats_.bytes_up += response.bytes_sent;
      } else if (answer == Answer::too_large) {
        ++stats_.too_large;
        spdlog::debug("{}: entry {} refused as too large (HTTP 413)", describe(), key.short_hex());
      }
    });
  };
  auto blob_done = [put_entry](const std::shared_ptr<Upload>& upload, bool stored) {
    upload->blobs_stored = upload->blobs_stored && stored;
    if (--upload->pending == 0 && upload->blobs_stored) put_entry(*upload);
  };
  auto put_blob = [this, &local, blob_done](const std::shared_ptr<Upload>& upload, const OutputRef& out) {
    HttpRequest put{HttpMethod::put, blob_url(out.digest), 0, [&local, digest = out.digest]() -> std::optional<std::string> {
                      GetResult<std::string> got = local.get_blob(digest);  // verified; gone: nothing to send
                      return got.hit() ? std::move(got.value) : std::nullopt;
                    }};
    pool_.add(std::move(put), [this, upload, blob_done, out](const HttpRequest& request, HttpResponse& response) {
      const Answer answer = classify(request, response);
      if (answer == Answer::ok) {
        ++stats_.blobs_uploaded;
        stats_.bytes_up += response.bytes_sent;
        damaged_blobs_.erase(out.digest);
      } else if (answer == Answer::too_large) {
        ++stats_.too_large;
        spdlog::debug("{}: blob {} ({} bytes) refused as too large (HTTP 413); its entry stays local", describe(),
                      out.digest.short_hex(), out.size);
      }
      blob_done(upload, answer == Answer::ok);
    });
  };
  for (const util::Digest& key : keys) {
    GetResult<ActionEntry> got = local.get_entry(key);
    if (!got.hit()) continue;  // the step failed, or its result was evicted meanwhile
    auto upload = std::make_shared<Upload>();
    upload->entry = std::move(*got.value);
    const std::vector<OutputRef> blobs = distinct_blobs(upload->entry);
    upload->pending = blobs.size();
    if (blobs.empty()) put_entry(*upload);
    for (const OutputRef& out : blobs) {
      if (damaged_blobs_.count(out.digest)) {
        put_blob(upload, out);
        continue;
      }
      HttpRequest head{HttpMethod::head, blob_url(out.digest), 0, {}};
      pool_.add(std::move(head), [this, upload, out, put_blob, blob_done](const HttpRequest& request, HttpResponse& response) {
        const Answer answer = classify(request, response);
        if (answer == Answer::ok && response.content_length == int64_t(out.size))
          blob_done(upload, true);  // already there: blobs are named by their bytes
        else if (answer == Answer::ok || answer == Answer::not_found)
          put_blob(upload, out);  // absent, or of the wrong size: replace it
        else
          blob_done(upload, false);
      });
    }
  }
  run();
}

std::vector<util::Digest> RemoteCache::missing_entries(const std::vector<util::Digest>& keys) {
  std::vector<util::Digest> missing;
  if (!available_ || reads_denied_) return missing;
  for (const util::Digest& key : keys)
    pool_.add({HttpMethod::head, entry_url(key), 0, {}}, [this, &missing, key](const HttpRequest& request, HttpResponse& response) {
      if (classify(request, response) == Answer::not_found) missing.push_back(key);
    });
  run();
  return missing;
}

}  // namespace dgxpx::cache
