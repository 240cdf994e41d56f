#pragma once
// Content digests and build keys: XXH3-128 everywhere. Keys are built by a tagged hasher that
// writes each field as <tag-length><tag><value-length><value>, so no two different field lists
// can produce the same byte stream (no bare concatenation; STYLE.md habit 5).
#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

struct XXH3_state_s;

namespace dgxpx::util {

/// A 128-bit digest. Printed as 32 lowercase hex digits (high 64 bits first).
struct Digest {
  uint64_t high = 0;
  uint64_t low = 0;

  std::string hex() const;
  /// First 12 hex digits, for messages.
  std::string short_hex() const { return hex().substr(0, 12); }
  /// Parses 32 hex digits; nullopt for anything else.
  static std::optional<Digest> from_hex(std::string_view text);

  bool operator==(const Digest& o) const { return high == o.high && low == o.low; }
  bool operator!=(const Digest& o) const { return !(*this == o); }
  bool operator<(const Digest& o) const { return high != o.high ? high < o.high : low < o.low; }
};

/// XXH3-128 of a byte range.
Digest digest_bytes(std::string_view bytes);

/// XXH3-128 of a file's bytes, streamed. Throws RuntimeFailure if it cannot be read.
Digest digest_file(const std::filesystem::path& path);

/// Streaming tagged hasher for build keys. Each add() writes the tag and the value with their
/// lengths, so reordering or re-splitting fields always changes the digest.
class KeyHasher {
 public:
  KeyHasher();
  ~KeyHasher();
  KeyHasher(const KeyHasher&) = delete;
  KeyHasher& operator=(const KeyHasher&) = delete;

  KeyHasher& add(std::string_view tag, std::string_view value);
  KeyHasher& add(std::string_view tag, const char* value) { return add(tag, std::string_view(value)); }
  KeyHasher& add(std::string_view tag, int64_t value);
  KeyHasher& add(std::string_view tag, double value);
  KeyHasher& add(std::string_view tag, bool value);
  KeyHasher& add(std::string_view tag, const Digest& value);

  Digest finish() const;

 private:
  void write_field(std::string_view tag, char type, std::string_view value);
  XXH3_state_s* state_;
};

}  // namespace dgxpx::util
