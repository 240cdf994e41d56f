#include "compiler/util/file_signature.h"

#include <sys/stat.h>

#include <algorithm>
#include <vector>

namespace dgxpx::util {
namespace fs = std::filesystem;

namespace {

std::string stat_text(const fs::path& path) {
  const auto id = file_identity(path);
  if (!id) return "";
  return std::to_string(id->size) + ":" + std::to_string(id->mtime_ns) + ":" + std::to_string(id->ino);
}

}  // namespace

std::optional<FileIdentity> file_identity(const fs::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  FileIdentity id;
  id.dev = st.st_dev;
  id.ino = st.st_ino;
  id.size = static_cast<uint64_t>(st.st_size);
  id.mtime_ns = int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  id.ctime_ns = int64_t(st.st_ctim.tv_sec) * 1000000000 + st.st_ctim.tv_nsec;
  return id;
}

std::string file_signature(const fs::path& path) {
  std::error_code ec;
  if (!fs::is_directory(path, ec)) return stat_text(path);
  std::vector<fs::path> files;
  for (auto it = fs::recursive_directory_iterator(path, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec))
    if (it->is_regular_file(ec)) files.push_back(it->path());
  std::sort(files.begin(), files.end());
  std::string signature;
  for (const auto& file : files) signature += file.lexically_relative(path).string() + "=" + stat_text(file) + ";";
  return signature;
}

}  // namespace dgxpx::util
