#pragma once
// Human byte sizes for `dgxpx gc --max-size SIZE` and the cache's config key.
#include <cstdint>
#include <string>
#include <string_view>

#include "compiler/util/error.h"

namespace dgxpx::cache {

/// Parses "500M", "2G", "10GiB", "1.5 GB", "4096": a decimal number (a fraction is allowed)
/// and an optional unit, case-insensitive. B or none = bytes; K, M, G, T (also KB, MB, ...) are
/// powers of 1000; Ki, Mi, Gi, Ti (also KiB, MiB, ...) powers of 1024. Rounds down to whole
/// bytes. Throws util::InputError at `where` with "expected a size like 500M or 2G, got ..."
/// for anything else, including negative numbers and values over 2^64-1.
uint64_t parse_size(std::string_view text, const util::SourceLocation& where = {});

/// "0 B", "512 B", "1.5 kB", "2.0 GB": decimal units, one digit after the point, for reports.
std::string format_size(uint64_t bytes);

}  // namespace dgxpx::cache
