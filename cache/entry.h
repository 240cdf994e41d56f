#pragma once
// An action entry: what one build step produced, filed under the step's key. It lists the step's
// named outputs by content digest (the bytes live in the store as blobs) plus a little metadata
// for humans. The on-disk encoding is a binary grammar with a magic, a version and a trailing
// XXH3-128 checksum; cache/FORMAT.md is its reference and entry_test pins it byte for byte.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/util/hash.h"

namespace dgxpx::cache {

/// One named output of a step ("image", "sheet", "atlas") and the blob that holds its bytes.
struct OutputRef {
  std::string name;
  util::Digest digest;  ///< XXH3-128 of the output's bytes
  uint64_t size = 0;    ///< byte count of the output

  bool operator==(const OutputRef& o) const {
    return name == o.name && digest == o.digest && size == o.size;
  }
};

/// Plain data: step key -> outputs, with the step kind, a label such as "gen hero/walk/down/3"
/// and the creation time (Unix seconds, supplied by the caller).
struct ActionEntry {
  util::Digest key;
  std::string kind;
  std::string label;
  int64_t created_unix = 0;
  std::vector<OutputRef> outputs;

  /// The output called `name`, or nullptr.
  const OutputRef* find(std::string_view name) const;

  bool operator==(const ActionEntry& o) const {
    return key == o.key && kind == o.kind && label == o.label &&
           created_unix == o.created_unix && outputs == o.outputs;
  }
};

/// Bounds of the format; parse rejects anything outside them, serialize refuses to write it.
struct EntryLimits {
  static constexpr uint16_t kFormatVersion = 1;
  static constexpr size_t kMaxKindBytes = 32;       // [a-z0-9_-]+
  static constexpr size_t kMaxLabelBytes = 4096;    // any bytes but NUL and line breaks
  static constexpr size_t kMaxOutputs = 1024;
  static constexpr size_t kMaxNameBytes = 256;      // no NUL, '/', '\\' or control characters
  static constexpr uint64_t kMaxOutputSize = uint64_t(1) << 40;
  static constexpr size_t kMaxFileBytes = 1 << 20;  // an entry file never exceeds this
};

/// Returns what makes `entry` unstorable (a field out of bounds, an empty or duplicate output
/// name, a bad kind character), or nullopt when it is valid.
std::optional<std::string> validate_entry(const ActionEntry& entry);

/// Encodes `entry` per FORMAT.md. Same entry -> same bytes. Throws std::invalid_argument with
/// validate_entry's reason when the entry is invalid.
std::string serialize_entry(const ActionEntry& entry);

/// The result of decoding an entry file: the entry, or why the bytes are not one.
struct ParsedEntry {
  std::optional<ActionEntry> entry;
  std::string error;  ///< set iff !entry, e.g. "checksum mismatch"
};

/// Decodes untrusted bytes. Never throws for bad input and never reads out of bounds: a wrong
/// magic, version or checksum, a truncated field, a field out of bounds or trailing bytes all
/// come back as an error message.
ParsedEntry parse_entry(std::string_view bytes);

}  // namespace dgxpx::cache
