#include "compiler/backend/learned_palette_file.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "compiler/pixel/learned_palette.h"
#include "compiler/util/atomic_file.h"
#include "compiler/util/error.h"

namespace dgxpx::backend {
namespace fs = std::filesystem;

namespace {

// An exclusive flock on a file beside the palette, released when it goes.
class FileLock {
 public:
  explicit FileLock(const fs::path& path) : fd_(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644)) {
    if (fd_ < 0) throw util::RuntimeFailure("cannot open " + path.string() + ": " + std::strerror(errno));
    while (::flock(fd_, LOCK_EX) != 0)
      if (errno != EINTR) throw util::RuntimeFailure("cannot lock " + path.string() + ": " + std::strerror(errno));
  }
  ~FileLock() { ::close(fd_); }
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_;
};

}  // namespace

void ensure_learned_palette(const PixelSpec& spec) {
  if (spec.learn_from.empty()) return;
  const fs::path palette = spec.palette;
  std::error_code ec;
  if (fs::exists(palette, ec)) return;
  fs::create_directories(palette.parent_path());
  const FileLock lock(palette.string() + ".lock");
  if (fs::exists(palette, ec)) return;  // learned while this step waited
  const std::vector<fs::path> art(spec.learn_from.begin(), spec.learn_from.end());
  const pixel::LearnedPalette learned = pixel::learn_palette(art, spec.learn_colors);
  util::write_file_atomic(palette, pixel::format_palette_text(learned.palette, "hex", ""));
}

}  // namespace dgxpx::backend
