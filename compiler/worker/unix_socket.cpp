#include "compiler/worker/unix_socket.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "compiler/util/error.h"

namespace dgxpx::worker {
namespace fs = std::filesystem;

namespace {

// sun_path holds 107 characters; a deep project folder can exceed that, so fall back to the
// path relative to the working directory (steps and workers run in the project root).
std::optional<sockaddr_un> address_of(const fs::path& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::string text = path.string();
  if (text.size() >= sizeof address.sun_path) {
    std::error_code ec;
    text = fs::relative(path, fs::current_path(), ec).string();
    if (ec || text.empty() || text.size() >= sizeof address.sun_path) return std::nullopt;
  }
  std::memcpy(address.sun_path, text.c_str(), text.size() + 1);
  return address;
}

int new_socket() { return ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0); }

}  // namespace

int connect_unix(const fs::path& path) {
  const auto address = address_of(path);
  if (!address) {
    errno = ENAMETOOLONG;
    return -1;
  }
  const int fd = new_socket();
  if (fd < 0) return -1;
  for (;;) {
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&*address), sizeof *address) == 0) return fd;
    if (errno != EINTR) break;
  }
  const int saved = errno;
  ::close(fd);
  errno = saved;
  return -1;
}

std::optional<UnixListener> UnixListener::open(const fs::path& path) {
  const auto address = address_of(path);
  if (!address) throw util::RuntimeFailure("socket path too long for a Unix socket: " + path.string());
  const int fd = new_socket();
  if (fd < 0) throw util::RuntimeFailure(std::string("cannot create a Unix socket: ") + std::strerror(errno));
  for (int attempt = 0;; ++attempt) {
    if (::bind(fd, reinterpret_cast<const sockaddr*>(&*address), sizeof *address) == 0) break;
    const int bind_errno = errno;
    if (bind_errno != EADDRINUSE || attempt > 0) {
      ::close(fd);
      throw util::RuntimeFailure("cannot bind " + path.string() + ": " + std::strerror(bind_errno));
    }
    const int probe = connect_unix(path);
    if (probe >= 0) {  // somebody serves it
      ::close(probe);
      ::close(fd);
      return std::nullopt;
    }
    std::error_code ignored;
    fs::remove(path, ignored);  // stale: its worker died without cleaning up
  }
  if (::listen(fd, 64) != 0) {
    const int saved = errno;
    ::close(fd);
    throw util::RuntimeFailure("cannot listen on " + path.string() + ": " + std::strerror(saved));
  }
  struct stat st {};
  ::stat(path.c_str(), &st);
  return UnixListener(fd, path, st.st_ino);
}

UnixListener::UnixListener(UnixListener&& other) noexcept
    : fd_(other.fd_), path_(std::move(other.path_)), inode_(other.inode_) {
  other.fd_ = -1;
}

UnixListener::~UnixListener() { close(); }

int UnixListener::accept(std::chrono::milliseconds timeout) {
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return -1;
  const int client = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
  if (client < 0) return -1;
  timeval receive_timeout{30, 0};
  ::setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &receive_timeout, sizeof receive_timeout);
  return client;
}

bool UnixListener::still_owns_path() const {
  struct stat st {};
  return ::stat(path_.c_str(), &st) == 0 && st.st_ino == inode_;
}

void UnixListener::unlink_path() {
  if (still_owns_path()) ::unlink(path_.c_str());
}

void UnixListener::close() {
  if (fd_ < 0) return;
  unlink_path();
  ::close(fd_);
  fd_ = -1;
}

}  // namespace dgxpx::worker
