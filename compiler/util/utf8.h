#pragma once
// UTF-8 validation for text that came from users' files (prompts, names): JSON, HTML and the
// tokenizer all need valid UTF-8, so it is checked once, where the text is read.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace dgxpx::util {

/// The byte offset of the first byte that does not start or continue a well-formed UTF-8
/// sequence (RFC 3629: no overlong forms, no surrogates, nothing past U+10FFFF); nullopt when
/// `text` is all valid.
std::optional<size_t> first_invalid_utf8(std::string_view text);

/// Two lowercase hex digits: "ff".
std::string hex_byte(char byte);

}  // namespace dgxpx::util
