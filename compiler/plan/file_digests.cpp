#include "compiler/plan/file_digests.h"

#include <algorithm>
#include <cerrno>
#include <vector>
#include <cstring>
#include <sstream>

#include "compiler/util/atomic_file.h"
#include "compiler/util/error.h"
#include "compiler/util/file_signature.h"

namespace dgxpx::plan {
namespace fs = std::filesystem;

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
    util::FileIdentity& id = e.identity;
    if (!(fields >> hex >> id.dev >> id.ino >> id.size >> id.mtime_ns >> id.ctime_ns)) continue;
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
  const auto identity = util::file_identity(file);
  if (!identity) throw util::RuntimeFailure("cannot stat " + file.string() + ": " + std::strerror(errno));
  Entry now{*identity, {}};
  auto it = entries_.find(file.string());
  if (it != entries_.end() && it->second.identity == now.identity) return it->second.digest;
  now.digest = util::digest_file(file);
  ++files_hashed_;
  entries_[file.string()] = now;
  dirty_ = true;
  return now.digest;
}

util::Digest folder_listing_digest(const fs::path& folder) {
  std::error_code ec;
  std::vector<std::string> names;
  fs::directory_iterator it(folder, ec);
  util::KeyHasher h;
  if (ec) return h.add("missing-folder", folder.string()).finish();
  for (fs::directory_iterator end; !ec && it != end; it.increment(ec)) names.push_back(it->path().filename().string());
  std::sort(names.begin(), names.end());
  h.add("folder-names", static_cast<int64_t>(names.size()));
  for (const auto& name : names) h.add("name", name);
  return h.finish();
}

void FileDigestCache::save() const {
  if (!dirty_) return;
  std::ostringstream out;
  for (const auto& [path, e] : entries_)
    out << e.digest.hex() << ' ' << e.identity.dev << ' ' << e.identity.ino << ' ' << e.identity.size << ' '
        << e.identity.mtime_ns << ' ' << e.identity.ctime_ns << ' ' << path << '\n';
  util::write_file_atomic(state_file_, out.str());
}

}  // namespace dgxpx::plan
