#include "cache/entry.h"

#include <set>
#include <stdexcept>

#include "compiler/util/byte_cursor.h"

namespace dgxpx::cache {
namespace {

constexpr char kMagic[8] = {'D', 'G', 'X', 'P', 'X', 'A', 'E', '\0'};
constexpr size_t kDigestBytes = 16;
// magic + version + checksum: the smallest thing worth checksumming.
constexpr size_t kFrameBytes = sizeof kMagic + 2 + kDigestBytes;

using util::ByteReader;
using util::put_digest;
using util::put_string;
using util::put_uint;

bool valid_kind_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

std::optional<std::string> check_kind(std::string_view kind) {
  if (kind.empty() || kind.size() > EntryLimits::kMaxKindBytes)
    return "kind must be 1.." + std::to_string(EntryLimits::kMaxKindBytes) + " bytes, got " +
           std::to_string(kind.size());
  for (char c : kind)
    if (!valid_kind_char(c)) return "kind \"" + std::string(kind) + "\" has a character outside [a-z0-9_-]";
  return std::nullopt;
}

std::optional<std::string> check_label(std::string_view label) {
  if (label.size() > EntryLimits::kMaxLabelBytes)
    return "label longer than " + std::to_string(EntryLimits::kMaxLabelBytes) + " bytes";
  for (char c : label)
    if (c == '\0' || c == '\n' || c == '\r') return "label contains NUL or a line break";
  return std::nullopt;
}

std::optional<std::string> check_name(std::string_view name) {
  if (name.empty() || name.size() > EntryLimits::kMaxNameBytes)
    return "output name must be 1.." + std::to_string(EntryLimits::kMaxNameBytes) +
           " bytes, got " + std::to_string(name.size());
  for (char c : name) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f || c == '/' || c == '\\')
      return "output name \"" + std::string(name) + "\" contains '/', '\\' or a control character";
  }
  return std::nullopt;
}

std::optional<std::string> check_outputs(const std::vector<OutputRef>& outputs) {
  if (outputs.size() > EntryLimits::kMaxOutputs)
    return "more than " + std::to_string(EntryLimits::kMaxOutputs) + " outputs";
  std::set<std::string_view> seen;
  for (const OutputRef& out : outputs) {
    if (auto why = check_name(out.name)) return why;
    if (!seen.insert(out.name).second) return "duplicate output name \"" + out.name + "\"";
    if (out.size > EntryLimits::kMaxOutputSize)
      return "output \"" + out.name + "\" size " + std::to_string(out.size) + " exceeds the limit";
  }
  return std::nullopt;
}

}  // namespace

const OutputRef* ActionEntry::find(std::string_view name) const {
  for (const OutputRef& out : outputs)
    if (out.name == name) return &out;
  return nullptr;
}

std::optional<std::string> validate_entry(const ActionEntry& entry) {
  if (auto why = check_kind(entry.kind)) return why;
  if (auto why = check_label(entry.label)) return why;
  return check_outputs(entry.outputs);
}

std::string serialize_entry(const ActionEntry& entry) {
  if (auto why = validate_entry(entry)) throw std::invalid_argument("cannot store cache entry: " + *why);
  std::string out(kMagic, sizeof kMagic);
  put_uint(out, EntryLimits::kFormatVersion, 2);
  put_digest(out, entry.key);
  put_uint(out, static_cast<uint64_t>(entry.created_unix), 8);
  put_string(out, entry.kind, 1);
  put_string(out, entry.label, 2);
  put_uint(out, entry.outputs.size(), 4);
  for (const OutputRef& o : entry.outputs) {
    put_string(out, o.name, 2);
    put_digest(out, o.digest);
    put_uint(out, o.size, 8);
  }
  put_digest(out, util::digest_bytes(out));
  // Every field is bounded, so this holds by construction; checked because readers rely on it.
  if (out.size() > EntryLimits::kMaxFileBytes) throw std::invalid_argument("cache entry too large");
  return out;
}

ParsedEntry parse_entry(std::string_view bytes) {
  auto fail = [](std::string why) { return ParsedEntry{std::nullopt, std::move(why)}; };
  if (bytes.size() > EntryLimits::kMaxFileBytes)
    return fail("file of " + std::to_string(bytes.size()) + " bytes exceeds the " +
                std::to_string(EntryLimits::kMaxFileBytes) + "-byte limit");
  if (bytes.size() < kFrameBytes)
    return fail("truncated: " + std::to_string(bytes.size()) + " bytes is shorter than any entry");
  if (bytes.substr(0, sizeof kMagic) != std::string_view(kMagic, sizeof kMagic))
    return fail("not a dgxpx cache entry (bad magic)");

  ByteReader header(bytes.substr(sizeof kMagic, 2));
  auto version = header.uint(2, "version");
  if (version != EntryLimits::kFormatVersion)
    return fail("unsupported entry format version " + std::to_string(version) + " (expected " +
                std::to_string(EntryLimits::kFormatVersion) + ")");

  // Checksum before fields: a damaged file is reported as damaged, not as its first odd field.
  std::string_view covered = bytes.substr(0, bytes.size() - kDigestBytes);
  ByteReader trailer(bytes.substr(covered.size()));
  util::Digest stored = trailer.digest("checksum");
  util::Digest actual = util::digest_bytes(covered);
  if (stored != actual)
    return fail("checksum mismatch (stored " + stored.short_hex() + ", computed " +
                actual.short_hex() + ")");

  ByteReader in(covered);
  in.uint(8, "magic");
  in.uint(2, "version");
  ActionEntry entry;
  entry.key = in.digest("key");
  entry.created_unix = static_cast<int64_t>(in.uint(8, "creation time"));
  entry.kind = in.string(1, 1, EntryLimits::kMaxKindBytes, "kind");
  entry.label = in.string(2, 0, EntryLimits::kMaxLabelBytes, "label");
  uint64_t count = in.uint(4, "output count");
  if (in.ok() && count > EntryLimits::kMaxOutputs)
    in.fail("output count " + std::to_string(count) + " exceeds " +
            std::to_string(EntryLimits::kMaxOutputs));
  for (uint64_t i = 0; in.ok() && i < count; ++i) {
    OutputRef out;
    out.name = in.string(2, 1, EntryLimits::kMaxNameBytes, "output name");
    out.digest = in.digest("output digest");
    out.size = in.uint(8, "output size");
    entry.outputs.push_back(std::move(out));
  }
  if (!in.ok()) return fail(in.error());
  if (!in.at_end())
    return fail(std::to_string(covered.size() - in.offset()) + " unexpected bytes after the outputs");
  // The checksum only proves the writer wrote these bytes; the writer may still be wrong.
  if (auto why = validate_entry(entry)) return fail(*why);
  return ParsedEntry{std::move(entry), {}};
}

}  // namespace dgxpx::cache
