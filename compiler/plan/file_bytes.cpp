#include "compiler/plan/file_bytes.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "compiler/util/atomic_file.h"
#include "compiler/util/error.h"

namespace dgxpx::plan {

namespace {

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

[[noreturn]] void fail(const std::string& what, const std::filesystem::path& path) {
  throw util::RuntimeFailure("cannot " + what + " " + path.string() + ": " + std::strerror(errno));
}

}  // namespace

std::optional<std::string> read_file_bytes(const std::filesystem::path& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT || errno == ENOTDIR) return std::nullopt;
    fail("open", path);
  }
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) fail("stat", path);
  std::string bytes(static_cast<size_t>(st.st_size), '\0');
  size_t done = 0;
  for (;;) {  // the size is a hint: the file may grow or shrink while read
    if (done == bytes.size()) bytes.resize(bytes.size() + 4096);
    ssize_t n = ::read(fd.get(), bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("read", path);
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  bytes.resize(done);
  return bytes;
}

bool write_file_if_different(const std::filesystem::path& path, std::string_view bytes) {
  struct stat st;
  if (::stat(path.c_str(), &st) == 0 && static_cast<size_t>(st.st_size) == bytes.size()) {
    auto existing = read_file_bytes(path);
    if (existing && *existing == bytes) return false;
  }
  util::write_file_atomic(path, bytes);
  return true;
}

}  // namespace dgxpx::plan
