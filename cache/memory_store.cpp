#include "cache/memory_store.h"

namespace dgxpx::cache {
namespace {
const char* const kUnreachable = "memory cache is set unreachable";
}

GetResult<std::string> MemoryStore::get_blob(const util::Digest& digest) {
  using Result = GetResult<std::string>;
  calls_.get_blob++;
  if (unreachable_) return Result::make_failure(kUnreachable);
  auto it = blobs_.find(digest);
  if (it == blobs_.end()) return Result::make_miss("blob " + digest.short_hex() + " not in memory cache");
  if (util::digest_bytes(it->second) != digest) {
    blobs_.erase(it);
    return Result::make_corrupt("blob " + digest.short_hex() + ": content does not match its digest");
  }
  return Result::make_hit(it->second);
}

PutResult MemoryStore::put_blob(std::string_view bytes) {
  calls_.put_blob++;
  PutResult result;
  result.digest = util::digest_bytes(bytes);
  if (unreachable_) {
    result.status = PutStatus::failure;
    result.reason = kUnreachable;
    return result;
  }
  blobs_[result.digest] = std::string(bytes);
  return result;
}

GetResult<ActionEntry> MemoryStore::get_entry(const util::Digest& key) {
  using Result = GetResult<ActionEntry>;
  calls_.get_entry++;
  if (unreachable_) return Result::make_failure(kUnreachable);
  auto it = entries_.find(key);
  if (it == entries_.end()) return Result::make_miss("entry " + key.short_hex() + " not in memory cache");
  ParsedEntry parsed = parse_entry(it->second);
  if (!parsed.entry || parsed.entry->key != key) {
    entries_.erase(it);
    return Result::make_corrupt("entry " + key.short_hex() + ": " +
                                (parsed.entry ? "names another key" : parsed.error));
  }
  for (const OutputRef& out : parsed.entry->outputs)
    if (!blobs_.count(out.digest)) {
      entries_.erase(it);
      return Result::make_miss("entry " + key.short_hex() + ": blob of output \"" + out.name + "\" is missing");
    }
  return Result::make_hit(std::move(*parsed.entry));
}

PutResult MemoryStore::put_entry(const ActionEntry& entry) {
  calls_.put_entry++;
  PutResult result;
  result.digest = entry.key;
  auto fail = [&result](std::string why) {
    result.status = PutStatus::failure;
    result.reason = std::move(why);
    return result;
  };
  if (unreachable_) return fail(kUnreachable);
  if (auto why = validate_entry(entry)) return fail("invalid entry: " + *why);
  for (const OutputRef& out : entry.outputs) {
    auto blob = blobs_.find(out.digest);
    if (blob == blobs_.end() || blob->second.size() != out.size)
      return fail("blob of output \"" + out.name + "\" is not in the store; put blobs before their entry");
  }
  entries_[entry.key] = serialize_entry(entry);
  return result;
}

void MemoryStore::damage_blob(const util::Digest& digest, std::string bytes) {
  auto it = blobs_.find(digest);
  if (it != blobs_.end()) it->second = std::move(bytes);
}

}  // namespace dgxpx::cache
