#pragma once
// What tells a resident model that its files changed on disk: sizes and modification times of
// the file, or of every file under a model folder. Cheap (stat only), unlike a content digest.
#include <filesystem>
#include <string>

namespace dgxpx::util {

/// "size:mtime_ns:inode" of a file, joined over a folder's files in path order; "" when the
/// path does not exist.
std::string file_signature(const std::filesystem::path& path);

}  // namespace dgxpx::util
