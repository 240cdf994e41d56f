#include "compiler/util/hash.h"

#include <cstdio>
#include <cstring>
#include <fstream>
#include <vector>

#include <xxhash.h>

#include "compiler/util/error.h"

namespace dgxpx::util {

std::string Digest::hex() const {
  char buffer[33];
  std::snprintf(buffer, sizeof buffer, "%016llx%016llx", static_cast<unsigned long long>(high),
                static_cast<unsigned long long>(low));
  return buffer;
}

std::optional<Digest> Digest::from_hex(std::string_view text) {
  if (text.size() != 32) return std::nullopt;
  Digest d;
  for (size_t i = 0; i < 32; ++i) {
    char c = text[i];
    uint64_t v;
    if (c >= '0' && c <= '9') v = c - '0';
    else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    else return std::nullopt;
    uint64_t& half = i < 16 ? d.high : d.low;
    half = (half << 4) | v;
  }
  return d;
}

static Digest from_xxh(XXH128_hash_t h) { return Digest{h.high64, h.low64}; }

Digest digest_bytes(std::string_view bytes) {
  return from_xxh(XXH3_128bits(bytes.data(), bytes.size()));
}

Digest digest_file(const std::filesystem::path& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw RuntimeFailure("cannot read " + path.string() + ": " + std::strerror(errno));
  XXH3_state_t* state = XXH3_createState();
  XXH3_128bits_reset(state);
  std::vector<char> buffer(1 << 20);
  size_t n;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), f)) > 0) XXH3_128bits_update(state, buffer.data(), n);
  bool failed = std::ferror(f);
  std::fclose(f);
  Digest d = from_xxh(XXH3_128bits_digest(state));
  XXH3_freeState(state);
  if (failed) throw RuntimeFailure("error while reading " + path.string());
  return d;
}

KeyHasher::KeyHasher() : state_(XXH3_createState()) { XXH3_128bits_reset(state_); }
KeyHasher::~KeyHasher() { XXH3_freeState(state_); }

void KeyHasher::write_field(std::string_view tag, char type, std::string_view value) {
  // <u64 tag length><tag><type byte><u64 value length><value>, lengths little-endian.
  auto put_length = [this](uint64_t n) {
    unsigned char le[8];
    for (int i = 0; i < 8; ++i) le[i] = static_cast<unsigned char>(n >> (8 * i));
    XXH3_128bits_update(state_, le, 8);
  };
  put_length(tag.size());
  XXH3_128bits_update(state_, tag.data(), tag.size());
  XXH3_128bits_update(state_, &type, 1);
  put_length(value.size());
  XXH3_128bits_update(state_, value.data(), value.size());
}

KeyHasher& KeyHasher::add(std::string_view tag, std::string_view value) {
  write_field(tag, 's', value);
  return *this;
}

KeyHasher& KeyHasher::add(std::string_view tag, int64_t value) {
  write_field(tag, 'i', std::to_string(value));
  return *this;
}

KeyHasher& KeyHasher::add(std::string_view tag, double value) {
  // %.17g round-trips every double, so equal values hash equal and different ones differ.
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.17g", value);
  write_field(tag, 'f', buffer);
  return *this;
}

KeyHasher& KeyHasher::add(std::string_view tag, bool value) {
  write_field(tag, 'b', value ? "1" : "0");
  return *this;
}

KeyHasher& KeyHasher::add(std::string_view tag, const Digest& value) {
  write_field(tag, 'd', value.hex());
  return *this;
}

Digest KeyHasher::finish() const { return from_xxh(XXH3_128bits_digest(state_)); }

}  // namespace dgxpx::util
