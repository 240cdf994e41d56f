#pragma once
// The local content-addressed store: a folder of files, shareable between repos and between
// processes that run at the same time. Layout (FORMAT.md has the details):
//   <root>/CACHEDIR.TAG
//   <root>/v1/blobs/<hex[0:2]>/<hex[2:4]>/<hex>     output bytes, named by their XXH3-128
//   <root>/v1/entries/<hex[0:2]>/<hex[2:4]>/<hex>   action entries, named by step key
//   <root>/v1/quarantine/                           damaged files moved aside, emptied by gc
// Writes are temp + fsync + rename; reads verify; last use is the file's mtime (touched on hit).
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <string>

#include "cache/store.h"

namespace dgxpx::cache {

/// What the store holds, by file kind. Sizes are file sizes in bytes.
struct StoreStats {
  uint64_t entry_files = 0, entry_bytes = 0;
  uint64_t blob_files = 0, blob_bytes = 0;
  uint64_t other_files = 0, other_bytes = 0;  ///< quarantined files and unfinished temp files

  uint64_t total_files() const { return entry_files + blob_files + other_files; }
  uint64_t total_bytes() const { return entry_bytes + blob_bytes + other_bytes; }
};

/// What one gc pass did.
struct GcStats {
  uint64_t files_before = 0, bytes_before = 0;
  uint64_t files_after = 0, bytes_after = 0;
  uint64_t evicted_entries = 0;  ///< least recently used entries removed to meet the bound
  uint64_t evicted_blobs = 0;    ///< least recently used blobs removed to meet the bound
  uint64_t removed_orphans = 0;  ///< entries removed because a blob they list is gone or they are damaged
  uint64_t removed_other = 0;    ///< quarantined files and stale temp files removed
};

/// One object may be used from several threads; many processes may use one root at once.
class LocalStore final : public Store {
 public:
  /// Largest blob the store accepts (and reads back into memory).
  static constexpr uint64_t kMaxBlobBytes = uint64_t(1) << 30;
  /// Temp files older than this are leftovers of killed writers; gc deletes them.
  static constexpr int64_t kStaleTempSeconds = 3600;

  /// A store rooted at `root`. Nothing is created on disk before the first put.
  explicit LocalStore(std::filesystem::path root);

  const std::filesystem::path& root() const { return root_; }
  /// Where the blob with this digest lives (whether or not it exists).
  std::filesystem::path blob_path(const util::Digest& digest) const;
  /// Where the entry for this step key lives (whether or not it exists).
  std::filesystem::path entry_path(const util::Digest& key) const;

  std::string describe() const override;
  /// Hit: bytes re-hashed equal to `digest`; the blob's last-use time is refreshed. Damaged
  /// blob: warning, moved to quarantine, corrupt. Unreadable: failure.
  GetResult<std::string> get_blob(const util::Digest& digest) override;
  /// Failure (never a throw) on I/O errors or a blob over kMaxBlobBytes.
  [[nodiscard]] PutResult put_blob(std::string_view bytes) override;
  /// Hit: magic, version, checksum and key verified, every listed blob present with its size;
  /// the entry's and its blobs' last-use times are refreshed. A missing blob: the dangling
  /// entry is deleted, miss. Damaged entry or blob of the wrong size: warning, quarantine,
  /// corrupt.
  GetResult<ActionEntry> get_entry(const util::Digest& key) override;
  /// Failure (never a throw) when invalid, a blob is missing, or on I/O errors.
  [[nodiscard]] PutResult put_entry(const ActionEntry& entry) override;

  /// Counts the files under the root. Never throws; unreadable folders count as empty.
  StoreStats stats() const;

  /// Evicts least recently used entries and blobs (oldest mtime first; entries before blobs on
  /// a tie) until the store holds at most `max_bytes`, then removes entries left pointing at a
  /// missing blob. Quarantined files and stale temp files are always removed. Safe to run while
  /// other processes use the store: they see misses, never wrong bytes.
  GcStats gc(uint64_t max_bytes);

 private:
  struct FileId;
  std::filesystem::path layout_dir() const;
  bool ensure_layout(std::string* why);
  void move_aside(const std::filesystem::path& path, const FileId& id, const char* what,
                  const std::string& reason);

  std::filesystem::path root_;
  std::atomic<bool> layout_ready_{false};
};

}  // namespace dgxpx::cache
