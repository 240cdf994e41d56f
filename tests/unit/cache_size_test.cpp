#include "cache/size.h"

#include <catch2/catch.hpp>

#include <string>

using dgxpx::cache::format_size;
using dgxpx::cache::parse_size;
using dgxpx::util::InputError;

TEST_CASE("parse_size reads human sizes", "[cache][size]") {
  struct Case {
    const char* text;
    uint64_t bytes;
  };
  const Case cases[] = {
      {"0", 0},
      {"4096", 4096},
      {"12B", 12},
      {"500M", 500000000},
      {"500MB", 500000000},
      {"500m", 500000000},
      {"2G", 2000000000},
      {"2g", 2000000000},
      {"2 GB", 2000000000},
      {"10GiB", 10737418240ull},
      {"10gib", 10737418240ull},
      {"10Gi", 10737418240ull},
      {"1K", 1000},
      {"1KiB", 1024},
      {"3MiB", 3145728},
      {"1.5G", 1500000000},
      {"1.5GiB", 1610612736},
      {"0.5K", 500},
      {"0.0001K", 0},  // rounds down to whole bytes
      {"1T", 1000000000000ull},
      {"2TiB", 2199023255552ull},
      {"  64M  ", 64000000},
      {"18446744073709551615", 18446744073709551615ull},
      {"16777215.5TiB", 18446743523953737728ull},
      {"1.99999999999999999999999999K", 1999},  // extra fraction digits are read, not overflowed
  };
  for (const Case& c : cases) {
    INFO(c.text);
    CHECK(parse_size(c.text) == c.bytes);
  }
}

TEST_CASE("parse_size rejects what is not a size", "[cache][size]") {
  const char* bad[] = {"", " ", "M", "-1", "-5G", "+5G", "5X", "5 G B", "5GG", "5.G", ".5G",
                       "1e9", "0x10", "5,5G", "18446744073709551616", "16777216TiB", "5G extra", "5\n"};
  for (const char* text : bad) {
    INFO("\"" << text << "\"");
    CHECK_THROWS_AS(parse_size(text), InputError);
  }
}

TEST_CASE("parse_size errors say what was expected and where", "[cache][size]") {
  try {
    parse_size("lots", {"dgxpx.yaml", 7, 15});
    FAIL("no exception");
  } catch (const InputError& e) {
    CHECK(e.message() == "expected a size like 500M or 2G, got \"lots\"");
    CHECK(e.diagnostic() == "dgxpx.yaml:7:15: error: expected a size like 500M or 2G, got \"lots\"");
  }
}

TEST_CASE("format_size prints decimal units", "[cache][size]") {
  CHECK(format_size(0) == "0 B");
  CHECK(format_size(999) == "999 B");
  CHECK(format_size(1000) == "1.0 kB");
  CHECK(format_size(1500) == "1.5 kB");
  CHECK(format_size(999999) == "1.0 MB");
  CHECK(format_size(2000000000) == "2.0 GB");
  CHECK(format_size(10737418240ull) == "10.7 GB");
  CHECK(format_size(UINT64_MAX) == "18.4 EB");
}
