#include "cache/entry.h"

#include <catch2/catch.hpp>

#include <random>
#include <stdexcept>
#include <string>

using dgxpx::cache::ActionEntry;
using dgxpx::cache::EntryLimits;
using dgxpx::cache::OutputRef;
using dgxpx::cache::parse_entry;
using dgxpx::cache::serialize_entry;
using dgxpx::cache::validate_entry;
using dgxpx::util::Digest;

namespace {

ActionEntry fixed_entry() {
  ActionEntry e;
  e.key = Digest{0x0123456789abcdefull, 0xfedcba9876543210ull};
  e.kind = "gen";
  e.label = "gen hero/walk/down/3";
  e.created_unix = 1700000000;
  e.outputs.push_back(OutputRef{"image", Digest{0x1111111111111111ull, 0x2222222222222222ull}, 4096});
  return e;
}

std::string hex(const std::string& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

std::string hex_of_text(const std::string& text) { return hex(text); }

}  // namespace

TEST_CASE("entry format is pinned byte for byte (known answer)", "[cache][entry]") {
  // Written from the grammar in cache/FORMAT.md, field by field, little-endian.
  std::string expected_body =
      std::string("4447585058414500") +        // magic "DGXPXAE\0"
      "0100" +                                 // version 1
      "efcdab8967452301" "1032547698badcfe" +  // key: high, low
      "00f1536500000000" +                     // created 1700000000
      "03" + hex_of_text("gen") +              // kind
      "1400" + hex_of_text("gen hero/walk/down/3") +
      "01000000" +                             // one output
      "0500" + hex_of_text("image") +
      "1111111111111111" "2222222222222222" +  // digest: high, low
      "0010000000000000";                      // size 4096
  std::string bytes = serialize_entry(fixed_entry());
  REQUIRE(bytes.size() == expected_body.size() / 2 + 16);
  CHECK(hex(bytes.substr(0, bytes.size() - 16)) == expected_body);
  // The trailing checksum: XXH3-128 of everything before it, d11191b438953e88 ac3a10e6ff4221ce,
  // checked against libxxhash directly, stored high then low, each little-endian.
  CHECK(hex(bytes.substr(bytes.size() - 16)) == "883e9538b49111d1" "ce2142ffe6103aac");
  CHECK(dgxpx::util::digest_bytes(bytes).hex() == "4b8074116303f2470d1fc6b6ddaaf76a");
}

TEST_CASE("entries round-trip through serialize and parse", "[cache][entry]") {
  ActionEntry e = fixed_entry();
  SECTION("one output") {}
  SECTION("no outputs and an empty label") {
    e.outputs.clear();
    e.label.clear();
  }
  SECTION("many outputs, negative time, limits reached") {
    e.created_unix = -5;
    e.kind = std::string(EntryLimits::kMaxKindBytes, 'k');
    e.label = std::string(EntryLimits::kMaxLabelBytes, 'l');
    e.outputs.clear();
    for (size_t i = 0; i < EntryLimits::kMaxOutputs; ++i)
      e.outputs.push_back(OutputRef{std::to_string(i) + std::string(200, 'n'), Digest{i, ~i}, i * 7});
  }
  auto parsed = parse_entry(serialize_entry(e));
  INFO(parsed.error);
  REQUIRE(parsed.entry);
  CHECK(*parsed.entry == e);
  CHECK(serialize_entry(*parsed.entry) == serialize_entry(e));
}

TEST_CASE("every truncation of an entry is rejected", "[cache][entry]") {
  std::string bytes = serialize_entry(fixed_entry());
  for (size_t n = 0; n < bytes.size(); ++n) {
    auto parsed = parse_entry(std::string_view(bytes).substr(0, n));
    INFO("length " << n);
    CHECK_FALSE(parsed.entry);
    CHECK_FALSE(parsed.error.empty());
  }
}

TEST_CASE("every single flipped bit of an entry is rejected", "[cache][entry]") {
  std::string bytes = serialize_entry(fixed_entry());
  for (size_t i = 0; i < bytes.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string damaged = bytes;
      damaged[i] = static_cast<char>(damaged[i] ^ (1 << bit));
      INFO("byte " << i << " bit " << bit);
      CHECK_FALSE(parse_entry(damaged).entry);
    }
  }
}

TEST_CASE("entry parse names what is wrong", "[cache][entry]") {
  std::string good = serialize_entry(fixed_entry());
  auto reseal = [](std::string body) {  // recompute the checksum over a hand-edited body
    Digest d = dgxpx::util::digest_bytes(body);
    for (int i = 0; i < 8; ++i) body.push_back(static_cast<char>(d.high >> (8 * i)));
    for (int i = 0; i < 8; ++i) body.push_back(static_cast<char>(d.low >> (8 * i)));
    return body;
  };
  std::string body = good.substr(0, good.size() - 16);

  SECTION("garbage") {
    CHECK_THAT(parse_entry(std::string(200, 'x')).error, Catch::Contains("bad magic"));
    CHECK_THAT(parse_entry("").error, Catch::Contains("truncated"));
  }
  SECTION("wrong version, even with a valid checksum") {
    std::string v2 = body;
    v2[8] = 2;
    CHECK_THAT(parse_entry(reseal(v2)).error, Catch::Contains("unsupported entry format version 2"));
  }
  SECTION("checksum mismatch") {
    std::string damaged = good;
    damaged[30] ^= 0x40;
    CHECK_THAT(parse_entry(damaged).error, Catch::Contains("checksum mismatch"));
  }
  SECTION("trailing bytes inside the checksum") {
    CHECK_THAT(parse_entry(reseal(body + "zz")).error, Catch::Contains("2 unexpected bytes"));
  }
  SECTION("trailing bytes after the checksum") {
    CHECK_FALSE(parse_entry(good + "z").entry);
  }
  SECTION("an output count far beyond the data is bounded, not allocated") {
    std::string huge = body.substr(0, 8 + 2 + 16 + 8 + 4 + 2 + 20);
    huge += std::string("\xff\xff\xff\x7f", 4);
    CHECK_THAT(parse_entry(reseal(huge)).error, Catch::Contains("output count 2147483647 exceeds"));
  }
  SECTION("a length field pointing past the end") {
    std::string cut = body.substr(0, 8 + 2 + 16 + 8 + 4 + 2 + 20 + 4);
    cut += std::string("\xff\x00", 2);  // name length 255, no bytes follow
    CHECK_THAT(parse_entry(reseal(cut)).error, Catch::Contains("truncated: output name"));
  }
  SECTION("a field that is well-formed but invalid") {
    std::string bad_kind = body;
    bad_kind[8 + 2 + 16 + 8 + 1] = 'G';  // "gen" -> "Gen"
    CHECK_THAT(parse_entry(reseal(bad_kind)).error, Catch::Contains("outside [a-z0-9_-]"));
  }
  SECTION("oversized input is refused before it is read") {
    CHECK_THAT(parse_entry(std::string(EntryLimits::kMaxFileBytes + 1, '\0')).error,
               Catch::Contains("exceeds"));
  }
}

TEST_CASE("random edits with a recomputed checksum parse to a valid entry or an error", "[cache][entry]") {
  // Resealing gets the edits past the checksum, so the field parser itself meets garbage
  // (run under -fsanitize=address,undefined to catch out-of-bounds reads).
  ActionEntry e = fixed_entry();
  e.outputs.push_back(OutputRef{"atlas", Digest{5, 6}, 77});
  std::string good = serialize_entry(e);
  std::string body = good.substr(0, good.size() - 16);
  std::mt19937 rng(2024);
  size_t parsed_ok = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string edited = body;
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < edits; ++k) {
      size_t at = 10 + rng() % (edited.size() - 10);  // keep magic and version
      switch (rng() % 3) {
        case 0: edited[at] = static_cast<char>(rng()); break;
        case 1: edited.erase(at, 1 + rng() % 8); break;
        case 2: edited.insert(at, std::string(1 + rng() % 8, static_cast<char>(rng()))); break;
      }
      if (edited.size() < 11) break;
    }
    Digest d = dgxpx::util::digest_bytes(edited);
    for (int i = 0; i < 8; ++i) edited.push_back(static_cast<char>(d.high >> (8 * i)));
    for (int i = 0; i < 8; ++i) edited.push_back(static_cast<char>(d.low >> (8 * i)));
    auto parsed = parse_entry(edited);
    CHECK(parsed.entry.has_value() == parsed.error.empty());
    if (parsed.entry) {
      ++parsed_ok;
      CHECK_FALSE(validate_entry(*parsed.entry));
      CHECK(serialize_entry(*parsed.entry) == edited);  // the encoding is canonical
    }
  }
  CHECK(parsed_ok > 0);  // some edits (in a label or digest) leave a valid entry
}

TEST_CASE("invalid entries are refused at serialize time", "[cache][entry]") {
  ActionEntry e = fixed_entry();
  SECTION("duplicate output name") {
    e.outputs.push_back(e.outputs[0]);
    CHECK_THAT(*validate_entry(e), Catch::Contains("duplicate output name"));
  }
  SECTION("empty kind") {
    e.kind.clear();
    CHECK(validate_entry(e));
  }
  SECTION("label with a newline") {
    e.label = "a\nb";
    CHECK(validate_entry(e));
  }
  SECTION("output name with a slash") {
    e.outputs[0].name = "../x";
    CHECK(validate_entry(e));
  }
  SECTION("too many outputs") {
    e.outputs.clear();
    for (size_t i = 0; i <= EntryLimits::kMaxOutputs; ++i)
      e.outputs.push_back(OutputRef{std::to_string(i), Digest{}, 0});
    CHECK(validate_entry(e));
  }
  CHECK_THROWS_AS(serialize_entry(e), std::invalid_argument);
}

TEST_CASE("find looks outputs up by name", "[cache][entry]") {
  ActionEntry e = fixed_entry();
  REQUIRE(e.find("image"));
  CHECK(e.find("image")->size == 4096);
  CHECK(e.find("sheet") == nullptr);
}
