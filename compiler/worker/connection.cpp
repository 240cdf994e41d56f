#include "compiler/worker/connection.h"

#include <sys/wait.h>
#include <unistd.h>

#include "compiler/pixel/png_io.h"
#include "compiler/util/error.h"
#include "compiler/worker/protocol.h"

namespace dgxpx::worker {

WorkerConnection::WorkerConnection(int read_fd, int write_fd, pid_t child, std::string describe)
    : read_fd_(read_fd), write_fd_(write_fd), child_(child), describe_(std::move(describe)) {}

WorkerConnection::WorkerConnection(WorkerConnection&& other) noexcept
    : read_fd_(other.read_fd_), write_fd_(other.write_fd_), child_(other.child_), describe_(std::move(other.describe_)) {
  other.read_fd_ = other.write_fd_ = -1;
  other.child_ = 0;
}

WorkerConnection::~WorkerConnection() { close(); }

void WorkerConnection::close() {
  if (read_fd_ >= 0) ::close(read_fd_);
  if (write_fd_ >= 0 && write_fd_ != read_fd_) ::close(write_fd_);
  read_fd_ = write_fd_ = -1;
  if (child_ > 0) {  // a private worker exits when its input closes
    int status = 0;
    while (::waitpid(child_, &status, 0) < 0 && errno == EINTR) {
    }
    child_ = 0;
  }
}

nlohmann::json WorkerConnection::exchange(const std::string& request, const std::string& what) {
  FrameStream stream(read_fd_, write_fd_);
  const std::string gone = describe_ + " went away before answering " + what +
                           " (killed or crashed? its log is .dgxpx/logs/worker.log); nothing was written";
  if (!stream.write(request)) throw util::RuntimeFailure(gone);
  std::string payload;
  const auto got = stream.read(payload, kMaxHeaderBytes);
  if (got.status != FrameStream::ReadStatus::ok) throw util::RuntimeFailure(gone);
  nlohmann::json header = nlohmann::json::parse(payload, nullptr, false);
  if (header.is_discarded() || !header.is_object() || !header.contains("ok") || !header["ok"].is_boolean() ||
      !header.contains("protocol") || header["protocol"] != kProtocolVersion)
    throw util::RuntimeFailure(describe_ + " answered " + what + " with a malformed header");
  if (!header.value("ok", false)) {
    const auto text = [&](const char* field, const char* fallback) {
      return header.contains(field) && header[field].is_string() ? header[field].get<std::string>() : fallback;
    };
    const std::string kind = text("error_kind", "runtime");
    const std::string message = text("error", "no message");
    if (kind == "input") throw util::InputError(message);
    if (kind == "protocol") throw util::RuntimeFailure(describe_ + " rejected " + what + ": " + message);
    throw util::RuntimeFailure(what + ": " + message);
  }
  return header;
}

pixel::Image WorkerConnection::generate(const backend::GenSpec& spec, std::optional<int64_t> build_pid) {
  Request request;
  request.type = "generate";
  request.spec = spec;
  request.build_pid = build_pid;
  const std::string what = "gen " + spec.name;
  const nlohmann::json header = exchange(encode_request(request), what);
  const auto size = header.find("png_bytes");
  if (size == header.end() || !size->is_number_unsigned() || size->get<uint64_t>() > kMaxImageBytes)
    throw util::RuntimeFailure(describe_ + " answered " + what + " without a valid png_bytes");
  std::string png;
  FrameStream stream(read_fd_, write_fd_);
  const auto got = stream.read(png, kMaxImageBytes);
  if (got.status != FrameStream::ReadStatus::ok || png.size() != size->get<uint64_t>())
    throw util::RuntimeFailure(describe_ + " went away while sending the image of " + what + "; nothing was written");
  try {
    return pixel::decode_png(png, what + " (from the worker)");
  } catch (const util::InputError& e) {
    throw util::RuntimeFailure(e.message());  // the worker's fault, not the user's input
  }
}

nlohmann::json WorkerConnection::status() {
  Request request;
  request.type = "status";
  const nlohmann::json header = exchange(encode_request(request), "a status request");
  if (!header.contains("status") || !header["status"].is_object())
    throw util::RuntimeFailure(describe_ + " answered a status request without a status");
  return header["status"];
}

}  // namespace dgxpx::worker
