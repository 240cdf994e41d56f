#pragma once
// Small helpers for writing HTML by hand: every user string goes through html_escape, every
// file path used as a URL through url_path.
#include <string>
#include <string_view>

namespace dgxpx::report {

/// Escapes & < > " ' so the result is safe in text and in double- or single-quoted attributes.
std::string html_escape(std::string_view text);

/// Percent-encodes a relative file path for an href/src: every byte outside
/// [A-Za-z0-9-._~/] becomes %XX, so spaces, '#', '?' and '%' in file names survive.
std::string url_path(std::string_view path);

}  // namespace dgxpx::report
