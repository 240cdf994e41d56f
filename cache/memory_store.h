#pragma once
// An in-memory Store: the fake for tests of code that uses a cache (STYLE.md habit 4), with
// hooks to damage a blob or make the store unreachable the way a remote can be. Entries are
// kept serialized, so they go through the real entry format.
#include <cstddef>
#include <map>
#include <string>

#include "cache/store.h"

namespace dgxpx::cache {

class MemoryStore final : public Store {
 public:
  /// How often each operation was called, for tests that assert a caller's cache traffic.
  struct Calls {
    size_t get_blob = 0, put_blob = 0, get_entry = 0, put_entry = 0;
  };

  std::string describe() const override { return "memory cache"; }
  /// Same contracts as Store: a damaged blob is corrupt (and dropped); unreachable is failure.
  GetResult<std::string> get_blob(const util::Digest& digest) override;
  [[nodiscard]] PutResult put_blob(std::string_view bytes) override;
  GetResult<ActionEntry> get_entry(const util::Digest& key) override;
  [[nodiscard]] PutResult put_entry(const ActionEntry& entry) override;

  /// Replaces the bytes stored under `digest` (as disk damage would); no-op if absent.
  void damage_blob(const util::Digest& digest, std::string bytes);
  /// Drops a blob, as an eviction would.
  void drop_blob(const util::Digest& digest) { blobs_.erase(digest); }
  /// While set, every call answers failure ("unreachable"), as a remote that is down.
  void set_unreachable(bool unreachable) { unreachable_ = unreachable; }

  size_t blob_count() const { return blobs_.size(); }
  size_t entry_count() const { return entries_.size(); }
  const Calls& calls() const { return calls_; }

 private:
  std::map<util::Digest, std::string> blobs_;
  std::map<util::Digest, std::string> entries_;  // serialized
  bool unreachable_ = false;
  Calls calls_;
};

}  // namespace dgxpx::cache
