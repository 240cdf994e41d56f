#pragma once
// The storage layer under one interface (the local store now; HTTP/S3 stores later). A lookup
// is never an exception: it returns hit, miss, corrupt or failure, and every non-hit means
// "regenerate" to the caller. Only the reason differs, for logs and `dgxpx explain`.
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "cache/entry.h"
#include "compiler/util/hash.h"

namespace dgxpx::cache {

enum class GetStatus {
  hit,      ///< the value is present and verified
  miss,     ///< not stored (or no longer complete)
  corrupt,  ///< stored but damaged; the store has warned and removed it, so it is a miss now
  failure,  ///< the store could not be asked (I/O error, unreachable remote); treat as a miss
};

/// "hit", "miss", "corrupt" or "failure".
const char* to_string(GetStatus status);

/// What a get returns: `value` is set iff status == hit; `reason` says why it is not a hit.
template <typename T>
struct GetResult {
  GetStatus status = GetStatus::miss;
  std::optional<T> value;
  std::string reason;

  bool hit() const { return status == GetStatus::hit; }

  static GetResult make_hit(T value) { return {GetStatus::hit, std::move(value), {}}; }
  static GetResult make_miss(std::string why = {}) { return {GetStatus::miss, std::nullopt, std::move(why)}; }
  static GetResult make_corrupt(std::string why) { return {GetStatus::corrupt, std::nullopt, std::move(why)}; }
  static GetResult make_failure(std::string why) { return {GetStatus::failure, std::nullopt, std::move(why)}; }
};

enum class PutStatus { stored, failure };

/// What a put returns. A failed put leaves the store as it was; the build goes on without it.
struct PutResult {
  PutStatus status = PutStatus::stored;
  util::Digest digest;  ///< the blob's digest (put_blob) or the entry's key (put_entry)
  std::string reason;   ///< set iff status == failure

  bool ok() const { return status == PutStatus::stored; }
};

/// A content-addressed store of blobs and action entries. Implementations verify what they
/// return: a hit is never wrong bytes. Corruption is logged once, by the store, as a warning.
class Store {
 public:
  virtual ~Store() = default;

  /// A short description for messages, e.g. "local cache /home/me/.cache/dgxpx".
  virtual std::string describe() const = 0;

  /// The bytes whose XXH3-128 is `digest`, re-hashed before they are returned.
  virtual GetResult<std::string> get_blob(const util::Digest& digest) = 0;

  /// Stores `bytes` under their digest (returned in PutResult::digest). Idempotent; safe when
  /// several processes put the same blob at once.
  [[nodiscard]] virtual PutResult put_blob(std::string_view bytes) = 0;

  /// The entry filed under `key`. A hit means the entry is intact, names `key`, and every blob
  /// it lists is present (its bytes are verified when read with get_blob / materialize).
  virtual GetResult<ActionEntry> get_entry(const util::Digest& key) = 0;

  /// Files `entry` under entry.key, replacing any previous one atomically. Fails (without
  /// storing) when the entry is invalid or one of its blobs is not in the store, so put the
  /// blobs first.
  [[nodiscard]] virtual PutResult put_entry(const ActionEntry& entry) = 0;
};

}  // namespace dgxpx::cache
