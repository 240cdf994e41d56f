#pragma once
// Little-endian binary formats (cache entries, plan-cache entries): appending fields to a byte
// string, and a reading cursor over untrusted bytes that never steps past the end and remembers
// its first failure, so a parser reads on and checks ok() once.
#include <cstdint>
#include <string>
#include <string_view>

#include "compiler/util/hash.h"

namespace dgxpx::util {

/// Appends `value` as `bytes` little-endian bytes.
void put_uint(std::string& out, uint64_t value, int bytes);
/// Appends a digest: high, then low, 8 bytes each.
void put_digest(std::string& out, const Digest& d);
/// Appends `s` after its length in `length_bytes` bytes.
void put_string(std::string& out, std::string_view s, int length_bytes);

class ByteReader {
 public:
  explicit ByteReader(std::string_view bytes) : bytes_(bytes) {}

  bool ok() const { return error_.empty(); }
  /// The first failure ("truncated: ..."), empty while ok().
  const std::string& error() const { return error_; }
  size_t offset() const { return pos_; }
  size_t left() const { return bytes_.size() - pos_; }
  bool at_end() const { return pos_ == bytes_.size(); }

  /// Records a failure (the first one is kept); later reads return zeros.
  void fail(const std::string& why);

  /// `bytes` little-endian bytes; 0 after a failure.
  uint64_t uint(int bytes, const char* what);
  /// A count of items that take at least one byte each: more than the bytes left is a failure.
  uint64_t count(int bytes, const char* what);
  Digest digest(const char* what);
  /// The next `n` bytes, in place; empty after a failure.
  std::string_view view(uint64_t n, const char* what);
  /// A length-prefixed string whose length must lie in [min_length, max_length].
  std::string string(int length_bytes, size_t min_length, size_t max_length, const char* what);

 private:
  bool need(uint64_t n, const char* what);

  std::string_view bytes_;
  size_t pos_ = 0;
  std::string error_;
};

}  // namespace dgxpx::util
