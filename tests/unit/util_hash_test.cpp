#include <catch2/catch.hpp>
#include <xxhash.h>

#include "compiler/util/hash.h"

using dgxpx::util::Digest;
using dgxpx::util::KeyHasher;

TEST_CASE("KeyHasher frames each field as <len><tag><type><len><value>", "[util][hash]") {
  // The byte stream written for add("a", "xy"), built by hand.
  std::string expected;
  auto length = [&](uint64_t n) { for (int i = 0; i < 8; ++i) expected += char(n >> (8 * i)); };
  length(1); expected += "a"; expected += 's'; length(2); expected += "xy";
  XXH128_hash_t h = XXH3_128bits(expected.data(), expected.size());
  KeyHasher k;
  k.add("a", "xy");
  CHECK(k.finish() == Digest{h.high64, h.low64});
}

TEST_CASE("KeyHasher known answers pin the key format", "[util][hash]") {
  KeyHasher k;
  k.add("prompt", "a knight").add("seed", int64_t(42)).add("guidance", 6.5).add("tiling", false);
  CHECK(k.finish().hex() == "9b37b65045ea7d52355ce1ad658ab3e8");
  CHECK(dgxpx::util::digest_bytes("dgxpx").hex() == "8df051ad23c29fdac961fa1ba209e13c");
}

TEST_CASE("KeyHasher never confuses re-split or re-typed fields", "[util][hash]") {
  KeyHasher a, b, c;
  a.add("ab", "c");
  b.add("a", "bc");
  c.add("ab", int64_t(0));
  KeyHasher d;
  d.add("ab", "0");
  CHECK(a.finish() != b.finish());
  CHECK(c.finish() != d.finish());
}

TEST_CASE("Digest hex round-trips and rejects junk", "[util][hash]") {
  Digest d = dgxpx::util::digest_bytes("x");
  CHECK(Digest::from_hex(d.hex()) == d);
  CHECK_FALSE(Digest::from_hex("xyz"));
  CHECK_FALSE(Digest::from_hex(std::string(32, 'G')));
}
