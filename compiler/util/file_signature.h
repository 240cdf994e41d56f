#pragma once
// Whether a file changed on disk, from stat alone (cheap, unlike a content digest): the stat
// cache of file digests and a resident model's reload check both ask it.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace dgxpx::util {

/// What stat says about a file that moves when its bytes are replaced or rewritten.
struct FileIdentity {
  uint64_t dev = 0, ino = 0, size = 0;
  int64_t mtime_ns = 0, ctime_ns = 0;
  bool operator==(const FileIdentity& o) const {
    return dev == o.dev && ino == o.ino && size == o.size && mtime_ns == o.mtime_ns && ctime_ns == o.ctime_ns;
  }
};

/// The identity of `path` (followed through symlinks); nullopt when stat fails.
std::optional<FileIdentity> file_identity(const std::filesystem::path& path);

/// "size:mtime_ns:inode" of a file, joined over a folder's files in path order; "" when the
/// path does not exist.
std::string file_signature(const std::filesystem::path& path);

}  // namespace dgxpx::util
