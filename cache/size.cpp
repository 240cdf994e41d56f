#include "cache/size.h"

#include <cctype>
#include <cstdio>

namespace dgxpx::cache {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

/// The multiplier for a lower-cased unit, or 0 when the unit is unknown.
uint64_t unit_multiplier(const std::string& unit) {
  struct Unit { const char* name; uint64_t multiplier; };
  static const Unit kUnits[] = {
      {"", 1},  {"b", 1},
      {"k", 1000ull},  {"kb", 1000ull},  {"ki", 1ull << 10}, {"kib", 1ull << 10},
      {"m", 1000000ull}, {"mb", 1000000ull}, {"mi", 1ull << 20}, {"mib", 1ull << 20},
      {"g", 1000000000ull}, {"gb", 1000000000ull}, {"gi", 1ull << 30}, {"gib", 1ull << 30},
      {"t", 1000000000000ull}, {"tb", 1000000000000ull}, {"ti", 1ull << 40}, {"tib", 1ull << 40},
  };
  for (const Unit& u : kUnits)
    if (unit == u.name) return u.multiplier;
  return 0;
}

}  // namespace

uint64_t parse_size(std::string_view text, const util::SourceLocation& where) {
  auto bad = [&]() {
    return util::InputError(where, util::expected_got("a size like 500M or 2G", "\"" + std::string(text) + "\""));
  };
  size_t i = 0;
  auto skip_spaces = [&]() {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
  };
  auto is_digit = [&](size_t at) { return at < text.size() && text[at] >= '0' && text[at] <= '9'; };

  skip_spaces();
  if (!is_digit(i)) throw bad();
  // Accumulate in 128 bits so overflow is detected instead of wrapping.
  unsigned __int128 whole = 0;
  for (; is_digit(i); ++i) {
    whole = whole * 10 + static_cast<unsigned>(text[i] - '0');
    if (whole > UINT64_MAX) throw bad();
  }
  unsigned __int128 fraction = 0, fraction_scale = 1;
  if (i < text.size() && text[i] == '.') {
    ++i;
    if (!is_digit(i)) throw bad();
    for (; is_digit(i); ++i) {
      // Digits past the 18th cannot change a whole-byte result; they are read and dropped.
      if (fraction_scale < 1000000000000000000ull) {
        fraction = fraction * 10 + static_cast<unsigned>(text[i] - '0');
        fraction_scale *= 10;
      }
    }
  }
  skip_spaces();
  size_t unit_start = i;
  while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
  uint64_t multiplier = unit_multiplier(lower(text.substr(unit_start, i - unit_start)));
  skip_spaces();
  if (multiplier == 0 || i != text.size()) throw bad();

  unsigned __int128 bytes = whole * multiplier + fraction * multiplier / fraction_scale;
  if (bytes > UINT64_MAX) throw bad();
  return static_cast<uint64_t>(bytes);
}

std::string format_size(uint64_t bytes) {
  static const char* kUnits[] = {"kB", "MB", "GB", "TB", "PB", "EB"};
  if (bytes < 1000) return std::to_string(bytes) + " B";
  double value = static_cast<double>(bytes) / 1000.0;
  size_t unit = 0;
  while (value >= 999.95 && unit + 1 < sizeof kUnits / sizeof kUnits[0]) {
    value /= 1000.0;
    ++unit;
  }
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f %s", value, kUnits[unit]);
  return buffer;
}

}  // namespace dgxpx::cache
