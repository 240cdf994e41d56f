#include "cache/remote/http_pool.h"

#include "cache/remote/curl_library.h"

#include <algorithm>
#include <cstring>

#include "compiler/util/error.h"

namespace dgxpx::cache {

const char* to_string(HttpMethod method) {
  switch (method) {
    case HttpMethod::get: return "GET";
    case HttpMethod::head: return "HEAD";
    case HttpMethod::put: return "PUT";
  }
  return "?";
}

struct HttpPool::Transfer {
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  HttpRequest request;
  Done done;
  HttpResponse response;
  uint64_t body_limit = 0;  // answer bytes kept; more aborts the transfer
  std::string upload;
  size_t upload_offset = 0;
  char error[CURL_ERROR_SIZE] = {};

  ~Transfer() {
    if (headers) curl_library().curl_slist_free_all(headers);
    if (easy) curl_library().curl_easy_cleanup(easy);
  }
};

namespace {

/// Lowercase hex SHA-256 of `bytes`: the x-amz-content-sha256 that SigV4 signs for S3.
std::string sha256_hex(const CurlLibrary& api, const std::string& bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (api.EVP_Digest(bytes.data(), bytes.size(), digest, &length, api.EVP_sha256(), nullptr) != 1)
    throw util::RuntimeFailure("cannot compute a SHA-256 with OpenSSL");
  static const char* const kHex = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 15];
  }
  return hex;
}

}  // namespace

HttpPool::HttpPool(HttpSettings settings) : settings_(std::move(settings)) {}

void HttpPool::open() {
  if (multi_) return;
  curl_ = &curl_library();
  multi_ = curl_->curl_multi_init();
  if (!multi_) throw util::RuntimeFailure("cannot initialise libcurl's multi interface");
  curl_->curl_multi_setopt(multi_, CURLMOPT_MAX_TOTAL_CONNECTIONS, long(settings_.max_in_flight));
}

HttpPool::~HttpPool() {
  cancel_all();
  if (multi_) curl_->curl_multi_cleanup(multi_);
}

void HttpPool::add(HttpRequest request, Done done) { queue_.push_back({std::move(request), std::move(done)}); }

void HttpPool::cancel_all() {
  queue_.clear();
  for (auto& transfer : in_flight_) curl_->curl_multi_remove_handle(multi_, transfer->easy);
  in_flight_.clear();
  cancelled_ = true;
}

void HttpPool::start(Queued queued) {
  auto transfer = std::make_unique<Transfer>();
  transfer->request = std::move(queued.request);
  transfer->done = std::move(queued.done);
  if (transfer->request.method == HttpMethod::put) {
    std::optional<std::string> body = transfer->request.body();
    if (!body) return;
    transfer->upload = std::move(*body);
  }
  CURL* easy = transfer->easy = curl_->curl_easy_init();
  if (!easy) throw util::RuntimeFailure("cannot initialise a libcurl transfer");
  curl_->curl_easy_setopt(easy, CURLOPT_URL, transfer->request.url.c_str());
  curl_->curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_->curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_->curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, transfer->error);
  curl_->curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, settings_.connect_timeout_ms);
  curl_->curl_easy_setopt(easy, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_->curl_easy_setopt(easy, CURLOPT_LOW_SPEED_TIME, settings_.stall_seconds);
  curl_->curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);  // a redirect must not carry the token elsewhere
  curl_->curl_easy_setopt(easy, CURLOPT_USERAGENT, "dgxpx");
  auto add_header = [this, &transfer](const std::string& header) {
    transfer->headers = curl_->curl_slist_append(transfer->headers, header.c_str());
  };
  if (const std::optional<AwsSigning>& aws = settings_.aws) {
    // curl 7.88 signs the headers we add but does not hash the payload for S3 itself.
    curl_->curl_easy_setopt(easy, CURLOPT_AWS_SIGV4, ("aws:amz:" + aws->region + ":s3").c_str());
    curl_->curl_easy_setopt(easy, CURLOPT_USERNAME, aws->access_key_id.c_str());
    curl_->curl_easy_setopt(easy, CURLOPT_PASSWORD, aws->secret_access_key.c_str());
    add_header("x-amz-content-sha256: " + sha256_hex(*curl_, transfer->upload));
    if (!aws->session_token.empty()) add_header("x-amz-security-token: " + aws->session_token);
  } else {
    if (settings_.use_netrc) curl_->curl_easy_setopt(easy, CURLOPT_NETRC, long(CURL_NETRC_OPTIONAL));
    if (!settings_.bearer_token.empty()) add_header("Authorization: Bearer " + settings_.bearer_token);
  }
  if (transfer->headers) curl_->curl_easy_setopt(easy, CURLOPT_HTTPHEADER, transfer->headers);

  // The body sink also takes PUT and HEAD answers (error pages), bounded, so nothing goes to stdout.
  transfer->body_limit = transfer->request.method == HttpMethod::get ? transfer->request.max_body_bytes : 64 * 1024;
  using Callback = size_t (*)(char*, size_t, size_t, void*);
  const Callback on_body = [](char* data, size_t size, size_t count, void* user) -> size_t {
    auto& t = *static_cast<Transfer*>(user);
    const size_t n = size * count;
    if (t.response.body.size() + n > t.body_limit) {
      t.response.too_long = true;
      return 0;  // aborts the transfer (CURLE_WRITE_ERROR)
    }
    t.response.body.append(data, n);
    return n;
  };
  curl_->curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_body);
  curl_->curl_easy_setopt(easy, CURLOPT_WRITEDATA, transfer.get());
  curl_->curl_easy_setopt(easy, CURLOPT_PRIVATE, transfer.get());
  switch (transfer->request.method) {
    case HttpMethod::get: curl_->curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L); break;
    case HttpMethod::head: curl_->curl_easy_setopt(easy, CURLOPT_NOBODY, 1L); break;
    case HttpMethod::put: {
      const Callback on_upload = [](char* buffer, size_t size, size_t count, void* user) -> size_t {
        auto& t = *static_cast<Transfer*>(user);
        const size_t n = std::min(size * count, t.upload.size() - t.upload_offset);
        std::memcpy(buffer, t.upload.data() + t.upload_offset, n);
        t.upload_offset += n;
        return n;
      };
      curl_->curl_easy_setopt(easy, CURLOPT_UPLOAD, 1L);
      curl_->curl_easy_setopt(easy, CURLOPT_READFUNCTION, on_upload);
      curl_->curl_easy_setopt(easy, CURLOPT_READDATA, transfer.get());
      curl_->curl_easy_setopt(easy, CURLOPT_INFILESIZE_LARGE, curl_off_t(transfer->upload.size()));
      break;
    }
  }
  curl_->curl_multi_add_handle(multi_, easy);
  in_flight_.push_back(std::move(transfer));
  ++started_;
}

void HttpPool::finish(Transfer* transfer, int curl_code) {
  HttpResponse& response = transfer->response;
  const auto code = static_cast<CURLcode>(curl_code);
  if (code == CURLE_OK) {
    curl_->curl_easy_getinfo(transfer->easy, CURLINFO_RESPONSE_CODE, &response.status);
    curl_off_t length = -1;
    if (curl_->curl_easy_getinfo(transfer->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length) == CURLE_OK)
      response.content_length = length;
    response.bytes_sent = transfer->upload_offset;
  } else if (code == CURLE_WRITE_ERROR && response.too_long) {
    response.body.clear();
  } else {
    response.too_long = false;
    response.transport_error = transfer->error[0] ? transfer->error : curl_->curl_easy_strerror(code);
  }
}

void HttpPool::run() {
  cancelled_ = false;
  if (queue_.empty()) return;
  open();
  for (;;) {
    while (!queue_.empty() && in_flight_.size() < size_t(std::max(1, settings_.max_in_flight))) {
      Queued next = std::move(queue_.front());
      queue_.pop_front();
      start(std::move(next));
    }
    if (in_flight_.empty()) {
      if (queue_.empty()) return;
      continue;  // every queued PUT dropped its body; start the next ones
    }
    int running = 0;
    curl_->curl_multi_perform(multi_, &running);
    int left = 0;
    while (CURLMsg* message = curl_->curl_multi_info_read(multi_, &left)) {
      if (message->msg != CURLMSG_DONE) continue;
      Transfer* raw = nullptr;
      curl_->curl_easy_getinfo(message->easy_handle, CURLINFO_PRIVATE, reinterpret_cast<char**>(&raw));
      const int code = message->data.result;
      curl_->curl_multi_remove_handle(multi_, message->easy_handle);
      auto it = std::find_if(in_flight_.begin(), in_flight_.end(), [raw](const auto& t) { return t.get() == raw; });
      std::unique_ptr<Transfer> transfer = std::move(*it);
      in_flight_.erase(it);
      finish(transfer.get(), code);
      transfer->done(transfer->request, transfer->response);
      if (cancelled_) {
        cancelled_ = false;
        return;
      }
    }
    if (!in_flight_.empty()) curl_->curl_multi_poll(multi_, nullptr, 0, 500, nullptr);
  }
}

}  // namespace dgxpx::cache
