#pragma once
// Unix domain stream sockets for the worker: a listener that replaces a stale socket file (one
// no process listens on) but never a live one, and a client connect. Socket paths longer than
// sun_path (108 bytes) are reached through a path relative to the working directory.
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

namespace dgxpx::worker {

class UnixListener {
 public:
  /// Binds and listens at `path`. A stale socket file there is removed first; nullopt when a
  /// live process already listens on it. Throws util::RuntimeFailure on other failures.
  static std::optional<UnixListener> open(const std::filesystem::path& path);
  UnixListener(UnixListener&& other) noexcept;
  UnixListener& operator=(UnixListener&&) = delete;
  ~UnixListener();

  /// The next client (a blocking fd with a 30 s receive timeout), or -1 after `timeout`.
  int accept(std::chrono::milliseconds timeout);
  /// False once the socket file was removed or replaced (another worker took over).
  bool still_owns_path() const;
  /// Removes the socket file if it is still ours; connections already made can still be
  /// accepted, new ones fail.
  void unlink_path();
  /// Stops listening and removes the socket file if it is still ours.
  void close();

 private:
  UnixListener(int fd, std::filesystem::path path, ino_t inode) : fd_(fd), path_(std::move(path)), inode_(inode) {}
  int fd_;
  std::filesystem::path path_;
  ino_t inode_;
};

/// Connects to the socket at `path`. Returns the fd, or -1 with `errno` set (ENOENT: no socket
/// file; ECONNREFUSED: a stale one nobody listens on).
int connect_unix(const std::filesystem::path& path);

}  // namespace dgxpx::worker
