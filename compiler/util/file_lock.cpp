#include "compiler/util/file_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "compiler/util/error.h"

namespace dgxpx::util {

FileLock::FileLock(const std::filesystem::path& path) : path_(path) {
  fd_ = ::open(path.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw RuntimeFailure("cannot open " + path.string() + ": " + std::strerror(errno));
}

FileLock::~FileLock() { ::close(fd_); }

bool FileLock::try_lock() {
  for (;;) {
    if (::flock(fd_, LOCK_EX | LOCK_NB) == 0) return true;
    if (errno == EWOULDBLOCK) return false;
    if (errno != EINTR) throw RuntimeFailure("cannot lock " + path_.string() + ": " + std::strerror(errno));
  }
}

void FileLock::lock() {
  while (::flock(fd_, LOCK_EX) != 0)
    if (errno != EINTR) throw RuntimeFailure("cannot lock " + path_.string() + ": " + std::strerror(errno));
}

}  // namespace dgxpx::util
