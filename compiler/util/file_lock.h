#pragma once
// An advisory whole-file lock (flock) held for the object's lifetime. Released by the kernel
// when the process dies, so a killed holder never leaves a stale lock.
#include <filesystem>

namespace dgxpx::util {

class FileLock {
 public:
  /// Opens `path` (read-only, created if missing: any file can carry the lock); the lock is not
  /// taken yet. Throws RuntimeFailure on I/O errors.
  explicit FileLock(const std::filesystem::path& path);
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

  /// Takes the lock if free; false when another process holds it.
  bool try_lock();
  /// Waits for the lock.
  void lock();

 private:
  std::filesystem::path path_;
  int fd_ = -1;
};

}  // namespace dgxpx::util
