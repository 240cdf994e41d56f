#pragma once
// The plan cache: what planning one manifest file produced (a FilePlan), kept under
// .dgxpx/plan-cache/<key>.plan so that after an edit only the edited files are read and planned.
//
// The key covers the file's bytes and path and a context digest of everything else a file's
// plan depends on (dgxpx.yaml, every rule and preset file, the dgxpx binary); the model, LoRA
// and palette digests the keys used (and the listings of the folders a LoRA was looked up
// in) are stored in the entry and checked by the caller.
//
// Entry grammar (integers little-endian; str = u32 length + bytes; digest = 16 bytes):
//   "dgxpx-plan-cache 2\n"  key:digest  payload_size:u64  checksum:digest (XXH3-128 of payload)
//   payload = u32 n, n × (path:str digest)                       files used
//             u32 n, n × (path:str digest)                       folders listed
//             u32 n, n × asset                                   in file order
//   asset   = where.line where.col name.line name.col (u32 each)
//             name:str kind:str record_digest:digest u32 n, n × step
//   step    = kind:u8 name:str key:digest u32 n, n × (field name, value, display: str)
//             spec_path:str u32 n, n × input:str u32 n, n × output:str model_pool:u8
// An entry is untrusted input: any mismatch, truncation or checksum error makes it a miss.
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "compiler/plan/planner.h"

namespace dgxpx::plan {

/// Version of the grammar above; part of every key.
inline constexpr int kPlanCacheFormat = 3;

/// Key of one manifest file's entry: the context digest, the file's path as shown in errors
/// and its bytes.
util::Digest plan_cache_key(const util::Digest& context, const std::string& display_file, std::string_view bytes);

/// The entry's bytes (steps' spec_json is not kept).
std::string encode_file_plan(const util::Digest& key, const FilePlan& plan);

/// How much of an entry's records to decode: their fields are most of an entry, and a build
/// whose records are already on disk needs only the keys.
enum class RecordFields { decode, skip };

/// Decodes an entry; nullopt unless it is well formed, intact and stored under `key`. Source
/// locations get `display_file` as their file. With RecordFields::skip every record comes back
/// with fields_loaded false and no fields (the whole entry is still checked).
std::optional<FilePlan> decode_file_plan(std::string_view bytes, const util::Digest& key,
                                         const std::string& display_file,
                                         RecordFields fields = RecordFields::decode);

/// The folder of entries.
class PlanCache {
 public:
  explicit PlanCache(std::filesystem::path dir) : dir_(std::move(dir)) {}

  /// The entry for `key`; nullopt when there is none or it is damaged.
  std::optional<FilePlan> load(const util::Digest& key, const std::string& display_file,
                               RecordFields fields = RecordFields::decode) const;

  /// Writes an entry (encode_file_plan's bytes) atomically. An I/O failure is logged, not
  /// thrown: it only costs a re-plan.
  void store(const util::Digest& key, std::string_view entry) const;

  /// Removes every entry whose key is not in `live` (other files in the folder are left alone).
  void prune(const std::set<util::Digest>& live) const;

 private:
  std::filesystem::path entry_path(const util::Digest& key) const;
  std::filesystem::path dir_;
  mutable std::string buffer_;  // entries are read into one buffer: a hundred of them per plan
};

}  // namespace dgxpx::plan
