#include "compiler/util/atomic_file.h"

#include <signal.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <limits>

#include "compiler/util/error.h"

namespace dgxpx::util {
namespace fs = std::filesystem;

static std::string errno_text() { return std::strerror(errno); }

fs::path temp_path_for(const fs::path& target) {
  static std::atomic<unsigned> counter{0};
  return target.parent_path() /
         ("." + target.filename().string() + ".tmp." + std::to_string(::getpid()) + "." +
          std::to_string(counter++));
}

// The writer's pid in ".NAME.tmp.PID.N", or 0 when `name` is not of that form.
static pid_t temp_file_writer(const std::string& name) {
  if (name.size() < 8 || name[0] != '.') return 0;
  const size_t last_dot = name.rfind('.');
  const size_t pid_dot = last_dot == std::string::npos || last_dot == 0 ? std::string::npos : name.rfind('.', last_dot - 1);
  if (pid_dot == std::string::npos || pid_dot < 5 || name.compare(pid_dot - 4, 4, ".tmp") != 0) return 0;
  const std::string pid = name.substr(pid_dot + 1, last_dot - pid_dot - 1), n = name.substr(last_dot + 1);
  auto digits = [](const std::string& s) {
    return !s.empty() && s.size() <= 10 && s.find_first_not_of("0123456789") == std::string::npos;
  };
  if (!digits(pid) || !digits(n)) return 0;
  const long long value = std::stoll(pid);
  return value <= std::numeric_limits<pid_t>::max() ? static_cast<pid_t>(value) : 0;
}

int remove_stale_temp_files(const fs::path& dir, const fs::path& skip) {
  int removed = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (!skip.empty() && it->path() == skip) {
      it.disable_recursion_pending();
      continue;
    }
    const pid_t writer = temp_file_writer(it->path().filename().string());
    if (writer <= 0 || !it->is_regular_file(ec)) continue;
    if (::kill(writer, 0) == 0 || errno != ESRCH) continue;  // alive (or not ours to ask)
    if (fs::remove(it->path(), ec)) ++removed;
  }
  return removed;
}

void fsync_path(const fs::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) throw RuntimeFailure("cannot open " + path.string() + ": " + errno_text());
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) throw RuntimeFailure("cannot fsync " + path.string() + ": " + errno_text());
}

void write_file_atomic(const fs::path& path, std::string_view bytes) {
  if (path.has_parent_path()) fs::create_directories(path.parent_path());
  fs::path temp = temp_path_for(path);
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw RuntimeFailure("cannot create " + temp.string() + ": " + errno_text());
  const char* data = bytes.data();
  size_t left = bytes.size();
  while (left > 0) {
    ssize_t n = ::write(fd, data, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      std::string why = errno_text();
      ::close(fd);
      ::unlink(temp.c_str());
      throw RuntimeFailure("cannot write " + path.string() + ": " + why);
    }
    data += n;
    left -= static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    std::string why = errno_text();
    ::unlink(temp.c_str());
    throw RuntimeFailure("cannot write " + path.string() + ": " + why);
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    std::string why = errno_text();
    ::unlink(temp.c_str());
    throw RuntimeFailure("cannot rename into " + path.string() + ": " + why);
  }
}

// Whether `path` holds exactly `bytes`, read in blocks: build.ninja is megabytes, and a copy
// of it in fresh memory costs more than the comparison.
static bool file_holds(const fs::path& path, std::string_view bytes) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char block[1 << 16];
  size_t done = 0;
  bool same = true;
  for (;;) {
    const ssize_t n = ::read(fd, block, sizeof block);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      same = same && n == 0 && done == bytes.size();
      break;
    }
    if (done + static_cast<size_t>(n) > bytes.size() || std::memcmp(block, bytes.data() + done, n) != 0) {
      same = false;
      break;
    }
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  return same;
}

bool write_file_if_changed(const fs::path& path, std::string_view bytes) {
  if (file_holds(path, bytes)) return false;
  write_file_atomic(path, bytes);
  return true;
}

bool read_file_into(const fs::path& path, std::string& bytes) {
  // Sized from fstat plus one byte, so that end of file shows without growing the buffer: the
  // planner reads multi-megabyte state files (build.ninja, plan-cache entries) on every re-plan.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR) return false;
    throw RuntimeFailure("cannot read " + path.string() + ": " + errno_text());
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const std::string why = errno_text();
    ::close(fd);
    throw RuntimeFailure("cannot read " + path.string() + ": " + why);
  }
  bytes.resize(static_cast<size_t>(st.st_size) + 1);
  size_t done = 0;
  for (;;) {  // the size is a hint: the file may grow or shrink while it is read
    if (done == bytes.size()) bytes.resize(bytes.size() + 4096);
    const ssize_t n = ::read(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const std::string why = errno_text();
      ::close(fd);
      throw RuntimeFailure("error while reading " + path.string() + ": " + why);
    }
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  bytes.resize(done);
  return true;
}

std::optional<std::string> read_file(const fs::path& path) {
  std::string bytes;
  if (!read_file_into(path, bytes)) return std::nullopt;
  return bytes;
}

std::string read_file_or_throw(const fs::path& path) {
  auto content = read_file(path);
  if (!content) throw RuntimeFailure("cannot read " + path.string() + ": no such file");
  return std::move(*content);
}

}  // namespace dgxpx::util
