#pragma once
// Digests of big input files (models, LoRAs, palettes), remembered by (device, inode, size,
// mtime_ns, ctime_ns) so an unchanged 7 GB checkpoint is read once, not on every plan.
#include <filesystem>
#include <map>
#include <string>

#include "compiler/util/file_signature.h"
#include "compiler/util/hash.h"

namespace dgxpx::plan {

class FileDigestCache {
 public:
  /// Loads the remembered digests from `state_file` (missing or damaged lines are ignored).
  explicit FileDigestCache(std::filesystem::path state_file);

  /// XXH3-128 of the file's bytes; re-reads the file only when its stat identity changed.
  /// A folder (a diffusers model) digests as the tagged list of its files' relative paths and
  /// digests, in sorted order. Throws util::RuntimeFailure when a file cannot be read.
  util::Digest digest(const std::filesystem::path& file);

  /// How many files were actually hashed by this object (for tests and logs).
  int files_hashed() const { return files_hashed_; }

  /// Writes the remembered digests back atomically, if anything changed.
  void save() const;

 private:
  struct Entry {
    util::FileIdentity identity;
    util::Digest digest;
  };
  std::filesystem::path state_file_;
  std::map<std::string, Entry> entries_;
  bool dirty_ = false;
  int files_hashed_ = 0;
};

/// Digest of the sorted names of a folder's entries (not their contents): what a lookup in
/// the folder saw. A missing folder has a digest of its own.
util::Digest folder_listing_digest(const std::filesystem::path& folder);

}  // namespace dgxpx::plan
