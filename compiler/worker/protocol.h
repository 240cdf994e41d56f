#pragma once
// The generation worker's wire protocol (PROTOCOL.md): length-prefixed frames over a Unix
// stream socket (or a pipe pair for a private worker). Both sides treat the other as untrusted:
// every frame length is checked against a limit before anything is allocated.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "compiler/backend/step_spec.h"

namespace dgxpx::worker {

inline constexpr int kProtocolVersion = 1;
/// A request is a gen spec in JSON: a few hundred bytes; anything near this is an error.
inline constexpr uint32_t kMaxRequestBytes = 1u << 20;
/// Response headers are small JSON objects.
inline constexpr uint32_t kMaxHeaderBytes = 1u << 20;
/// A PNG of the largest image decode_png accepts (64 Mpixel RGBA), uncompressed.
inline constexpr uint32_t kMaxImageBytes = 300u << 20;

/// A connected stream: read and write whole frames. The fd is not owned.
class FrameStream {
 public:
  FrameStream(int read_fd, int write_fd) : read_fd_(read_fd), write_fd_(write_fd) {}
  explicit FrameStream(int fd) : FrameStream(fd, fd) {}

  enum class ReadStatus { ok, closed, too_large, failed };
  struct ReadResult {
    ReadStatus status;
    uint32_t length = 0;  // the announced length (for too_large)
  };
  /// Reads one frame of at most `max_bytes` into `out`. `closed`: the peer closed cleanly
  /// before a frame began; `failed`: I/O error or a frame cut short.
  ReadResult read(std::string& out, uint32_t max_bytes);
  /// Writes one frame. False when the peer is gone (no SIGPIPE: callers ignore it).
  bool write(const std::string& payload);

  int read_fd() const { return read_fd_; }

 private:
  int read_fd_, write_fd_;
};

/// Request types: "generate" (a gen spec), "status" (counters), "stop" (the worker exits when
/// its queue is empty).
struct Request {
  std::string type;
  backend::GenSpec spec;             // for generate
  std::optional<int64_t> build_pid;  // the `dgxpx build` this request is part of
};

/// Encodes a request as its JSON frame payload.
std::string encode_request(const Request& request);

/// Decodes a request payload. Throws std::invalid_argument with a message for the client
/// (not JSON, wrong protocol version, unknown type, malformed spec).
Request decode_request(const std::string& payload);

/// The JSON header of a response: {"protocol":1,"ok":true,...} or {"ok":false,"error":...}.
/// `error_kind` is "input" (the spec is bad: the step's input error), "runtime" (the backend
/// failed) or "protocol" (the request was malformed).
nlohmann::json ok_header();
nlohmann::json error_header(const std::string& error_kind, const std::string& message);

}  // namespace dgxpx::worker
