#include "compiler/worker/protocol.h"

#include <unistd.h>

#include <cerrno>
#include <stdexcept>

namespace dgxpx::worker {
namespace {

// Reads exactly n bytes; false on EOF or error. `got` (0 or not) tells a clean EOF from a cut frame.
bool read_exactly(int fd, char* data, size_t n, size_t& got) {
  got = 0;
  while (got < n) {
    const ssize_t r = ::read(fd, data + got, n - got);
    if (r > 0) {
      got += static_cast<size_t>(r);
    } else if (r == 0) {
      return false;
    } else if (errno != EINTR) {
      return false;
    }
  }
  return true;
}

bool write_all(int fd, const char* data, size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(fd, data, n);
    if (w > 0) {
      data += w;
      n -= static_cast<size_t>(w);
    } else if (w < 0 && errno != EINTR) {
      return false;
    }
  }
  return true;
}

}  // namespace

FrameStream::ReadResult FrameStream::read(std::string& out, uint32_t max_bytes) {
  unsigned char prefix[4];
  size_t got = 0;
  if (!read_exactly(read_fd_, reinterpret_cast<char*>(prefix), 4, got))
    return {got == 0 ? ReadStatus::closed : ReadStatus::failed};
  const uint32_t length = uint32_t{prefix[0]} << 24 | uint32_t{prefix[1]} << 16 |
                          uint32_t{prefix[2]} << 8 | uint32_t{prefix[3]};
  if (length > max_bytes) return {ReadStatus::too_large, length};
  out.resize(length);
  if (!read_exactly(read_fd_, out.data(), length, got)) return {ReadStatus::failed, length};
  return {ReadStatus::ok, length};
}

bool FrameStream::write(const std::string& payload) {
  if (payload.size() > UINT32_MAX) return false;
  const uint32_t n = static_cast<uint32_t>(payload.size());
  const char prefix[4] = {static_cast<char>(n >> 24), static_cast<char>(n >> 16),
                          static_cast<char>(n >> 8), static_cast<char>(n)};
  return write_all(write_fd_, prefix, 4) && write_all(write_fd_, payload.data(), payload.size());
}

std::string encode_request(const Request& request) {
  nlohmann::json j = {{"protocol", kProtocolVersion}, {"type", request.type}};
  if (request.type == "generate") j["spec"] = request.spec;
  if (request.build_pid) j["build_pid"] = *request.build_pid;
  return j.dump();
}

Request decode_request(const std::string& payload) {
  const nlohmann::json j = nlohmann::json::parse(payload, nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw std::invalid_argument("expected a JSON object");
  const auto version = j.find("protocol");
  if (version == j.end() || !version->is_number_integer())
    throw std::invalid_argument("expected \"protocol\": " + std::to_string(kProtocolVersion));
  if (version->get<int64_t>() != kProtocolVersion)
    throw std::invalid_argument("protocol " + version->dump() + " is not spoken here (this worker speaks " +
                                std::to_string(kProtocolVersion) + ")");
  Request request;
  const auto type = j.find("type");
  if (type == j.end() || !type->is_string()) throw std::invalid_argument("expected a string \"type\"");
  request.type = type->get<std::string>();
  if (request.type != "generate" && request.type != "status" && request.type != "stop")
    throw std::invalid_argument("expected type generate, status or stop, got '" + request.type + "'");
  if (const auto pid = j.find("build_pid"); pid != j.end()) {
    if (!pid->is_number_integer() || pid->get<int64_t>() <= 0)
      throw std::invalid_argument("expected a positive integer \"build_pid\"");
    request.build_pid = pid->get<int64_t>();
  }
  if (request.type == "generate") {
    const auto spec = j.find("spec");
    if (spec == j.end() || !spec->is_object()) throw std::invalid_argument("expected a \"spec\" object");
    try {
      request.spec = spec->get<backend::GenSpec>();
    } catch (const nlohmann::json::exception& e) {
      throw std::invalid_argument(std::string("malformed spec: ") + e.what());
    }
    const auto& s = request.spec;
    if (s.width <= 0 || s.height <= 0 || s.width > 16384 || s.height > 16384)
      throw std::invalid_argument("expected a size within 1..16384, got " + std::to_string(s.width) + "x" +
                                  std::to_string(s.height));
    if (s.steps <= 0 || s.steps > 1000)
      throw std::invalid_argument("expected steps within 1..1000, got " + std::to_string(s.steps));
  }
  return request;
}

nlohmann::json ok_header() { return {{"protocol", kProtocolVersion}, {"ok", true}}; }

nlohmann::json error_header(const std::string& error_kind, const std::string& message) {
  return {{"protocol", kProtocolVersion}, {"ok", false}, {"error_kind", error_kind}, {"error", message}};
}

}  // namespace dgxpx::worker
