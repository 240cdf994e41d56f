#include "compiler/util/byte_cursor.h"

namespace dgxpx::util {

void put_uint(std::string& out, uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

void put_digest(std::string& out, const Digest& d) {
  put_uint(out, d.high, 8);
  put_uint(out, d.low, 8);
}

void put_string(std::string& out, std::string_view s, int length_bytes) {
  put_uint(out, s.size(), length_bytes);
  out.append(s.data(), s.size());
}

void ByteReader::fail(const std::string& why) {
  if (error_.empty()) error_ = why;
}

bool ByteReader::need(uint64_t n, const char* what) {
  if (!ok()) return false;
  if (n > left()) {
    fail("truncated: " + std::string(what) + " at byte " + std::to_string(pos_) + " needs " + std::to_string(n) +
         " bytes, " + std::to_string(left()) + " left");
    return false;
  }
  return true;
}

uint64_t ByteReader::uint(int bytes, const char* what) {
  if (!need(static_cast<uint64_t>(bytes), what)) return 0;
  uint64_t value = 0;
  for (int i = 0; i < bytes; ++i) value |= uint64_t(static_cast<unsigned char>(bytes_[pos_ + i])) << (8 * i);
  pos_ += static_cast<size_t>(bytes);
  return value;
}

uint64_t ByteReader::count(int bytes, const char* what) {
  const uint64_t n = uint(bytes, what);
  if (ok() && n > left()) fail(std::string(what) + " " + std::to_string(n) + " exceeds the " + std::to_string(left()) +
                               " bytes left");
  return ok() ? n : 0;
}

Digest ByteReader::digest(const char* what) {
  Digest d;
  d.high = uint(8, what);
  d.low = uint(8, what);
  return d;
}

std::string_view ByteReader::view(uint64_t n, const char* what) {
  if (!need(n, what)) return {};
  std::string_view v = bytes_.substr(pos_, n);
  pos_ += n;
  return v;
}

std::string ByteReader::string(int length_bytes, size_t min_length, size_t max_length, const char* what) {
  const uint64_t length = uint(length_bytes, what);
  if (!ok()) return {};
  if (length < min_length || length > max_length) {
    fail(std::string(what) + " length " + std::to_string(length) + " outside " + std::to_string(min_length) + ".." +
         std::to_string(max_length));
    return {};
  }
  return std::string(view(length, what));
}

}  // namespace dgxpx::util
