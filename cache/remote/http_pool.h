#pragma once
// HTTP requests run a bounded number at a time over reused connections (libcurl's multi
// interface), from one thread. The remote cache queues many small GET/HEAD/PUT requests here
// instead of opening a connection per build step. Only libcurl speaks HTTP: no parsing here.
// The first run() with work loads libcurl (curl_library.h); it throws util::RuntimeFailure
// when libcurl cannot be loaded.
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace dgxpx::cache {

struct CurlLibrary;

enum class HttpMethod { get, head, put };

/// "GET", "HEAD" or "PUT".
const char* to_string(HttpMethod method);

struct HttpRequest {
  HttpMethod method = HttpMethod::get;
  std::string url;
  /// GET: an answer longer than this is cut off and reported as too_long.
  uint64_t max_body_bytes = 0;
  /// PUT: produces the body when the transfer starts (so queued uploads hold no bytes).
  /// Returning nullopt drops the request without sending it (its callback is not called).
  std::function<std::optional<std::string>()> body;
};

struct HttpResponse {
  long status = 0;            ///< the HTTP status; 0 when no answer came (see transport_error)
  std::string body;           ///< GET: the answer's bytes
  int64_t content_length = -1;  ///< HEAD: the Content-Length header, -1 when absent
  bool too_long = false;      ///< GET: the answer exceeded max_body_bytes (status is 0)
  std::string transport_error;  ///< connection refused, timeout...: set when status is 0
  uint64_t bytes_sent = 0;    ///< PUT: body bytes sent
};

/// AWS Signature V4 for S3 (libcurl signs; we add the payload's SHA-256, which S3 requires).
struct AwsSigning {
  std::string region;
  std::string access_key_id, secret_access_key;
  std::string session_token;  ///< "" when the credentials are not temporary
};

struct HttpSettings {
  std::string bearer_token;      ///< "" sends no Authorization header of ours
  bool use_netrc = true;         ///< basic auth from ~/.netrc when it names the host
  std::optional<AwsSigning> aws;  ///< set: every request is signed (no bearer token, no netrc)
  long connect_timeout_ms = 2000;
  /// A transfer moving under 1 byte/s for this long is given up; there is no total timeout,
  /// so large images on slow links still pass.
  long stall_seconds = 10;
  int max_in_flight = 8;         ///< concurrent transfers (and so connections)
};

/// Not thread-safe: one thread adds requests and calls run().
class HttpPool {
 public:
  using Done = std::function<void(const HttpRequest&, HttpResponse&)>;

  explicit HttpPool(HttpSettings settings);
  ~HttpPool();
  HttpPool(const HttpPool&) = delete;
  HttpPool& operator=(const HttpPool&) = delete;

  /// Queues `request`; `done` is called from run() with its answer. May be called from a
  /// `done` callback (follow-up requests run in the same run()).
  void add(HttpRequest request, Done done);
  /// Runs queued requests until none is queued or in flight. Never throws for network errors:
  /// they come back in HttpResponse.
  void run();
  /// Drops every queued request and aborts those in flight, without calling their callbacks.
  /// Safe from a `done` callback: nothing more runs in this run().
  void cancel_all();
  /// Requests started so far (for the build summary and the benchmark).
  uint64_t requests_started() const { return started_; }

 private:
  struct Transfer;
  struct Queued {
    HttpRequest request;
    Done done;
  };
  void open();  // loads libcurl and makes the multi handle, once
  void start(Queued queued);
  void finish(Transfer* transfer, int curl_code);

  HttpSettings settings_;
  const CurlLibrary* curl_ = nullptr;  // loaded on first use: see curl_library.h
  void* multi_ = nullptr;  // CURLM*
  std::deque<Queued> queue_;
  std::deque<std::unique_ptr<Transfer>> in_flight_;
  uint64_t started_ = 0;
  bool cancelled_ = false;
};

}  // namespace dgxpx::cache
