#include "compiler/plan/file_digests.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <vector>
#include <cstring>
#include <sstream>

#include "compiler/util/atomic_file.h"
#include "compiler/util/error.h"

namespace dgxpx::plan {
namespace fs = std::filesystem;

bool FileDigestCache::Entry::operator==(const Entry& o) const {
  return dev == o.dev && ino == o.ino && size == o.size && mtime_ns == o.mtime_ns && ctime_ns == o.ctime_ns;
}

FileDigestCache::FileDigestCache(fs::path state_file) : state_file_(std::move(state_file)) {
  auto text = util::read_file(state_file_);
  if (!text) return;
  std::istringstream in(*text);
  std::string line;
  // Line: <digest> <dev> <ino> <size> <mtime_ns> <ctime_ns> <absolute path>
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string hex;
    Entry e;
    if (!(fields >> hex >> e.dev >> e.ino >> e.size >> e.mtime_ns >> e.ctime_ns)) continue;
    auto digest = util::Digest::from_hex(hex);
    std::string path;
    std::getline(fields, path);
    if (!digest || path.size() < 2) continue;
    e.digest = *digest;
    entries_[path.substr(1)] = e;
  }
}

util::Digest FileDigestCache::digest(const fs::path& file) {
  std::error_code ec;
  if (fs::is_directory(file, ec)) {
    std::vector<fs::path> files;
    for (auto it = fs::recursive_directory_iterator(file, ec); it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (ec) break;
      if (it->is_regular_file()) files.push_back(it->path());
    }
    std::sort(files.begin(), files.end());
    util::KeyHasher folder;
    folder.add("folder-files", static_cast<int64_t>(files.size()));
    for (const auto& f : files) folder.add(f.lexically_relative(file).generic_string(), digest(f));
    return folder.finish();
  }
  struct stat st;
  if (::stat(file.c_str(), &st) != 0)
    throw util::RuntimeFailure("cannot stat " + file.string() + ": " + std::strerror(errno));
  Entry now;
  now.dev = st.st_dev;
  now.ino = st.st_ino;
  now.size = static_cast<uint64_t>(st.st_size);
  now.mtime_ns = int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  now.ctime_ns = int64_t(st.st_ctim.tv_sec) * 1000000000 + st.st_ctim.tv_nsec;
  auto it = entries_.find(file.string());
  if (it != entries_.end() && it->second == now) return it->second.digest;
  now.digest = util::digest_file(file);
  ++files_hashed_;
  entries_[file.string()] = now;
  dirty_ = true;
  return now.digest;
}

void FileDigestCache::save() const {
  if (!dirty_) return;
  std::ostringstream out;
  for (const auto& [path, e] : entries_)
    out << e.digest.hex() << ' ' << e.dev << ' ' << e.ino << ' ' << e.size << ' ' << e.mtime_ns << ' ' << e.ctime_ns
        << ' ' << path << '\n';
  util::write_file_atomic(state_file_, out.str());
}

}  // namespace dgxpx::plan
