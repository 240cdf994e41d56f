#include "compiler/sdxl/unicode_text.h"

#include <unicode/locid.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

namespace dgxpx::sdxl::unicode {
namespace {

constexpr char32_t kReplacement = 0xFFFD;

bool is_scalar_value(char32_t c) { return c <= 0x10FFFF && !(c >= 0xD800 && c <= 0xDFFF); }

int8_t category(char32_t c) { return u_charType(static_cast<UChar32>(c)); }

// Simple case folding, as the `regex` module's IGNORECASE compares characters.
char32_t fold(char32_t c) {
  return static_cast<char32_t>(u_foldCase(static_cast<UChar32>(c), U_FOLD_CASE_DEFAULT));
}

// Case-insensitive match of the ASCII `literal` at text[pos...].
bool matches_at(std::u32string_view text, size_t pos, std::string_view literal) {
  if (text.size() - pos < literal.size()) return false;
  for (size_t i = 0; i < literal.size(); ++i)
    if (fold(text[pos + i]) != fold(static_cast<unsigned char>(literal[i]))) return false;
  return true;
}

bool is_regex_space(char32_t c) { return u_isUWhiteSpace(static_cast<UChar32>(c)) != 0; }

}  // namespace

std::u32string decode_utf8(std::string_view bytes) {
  std::u32string out;
  out.reserve(bytes.size());
  size_t i = 0;
  const size_t n = bytes.size();
  while (i < n) {
    const auto b0 = static_cast<unsigned char>(bytes[i]);
    if (b0 < 0x80) {
      out.push_back(b0);
      ++i;
      continue;
    }
    int length = 0;
    char32_t c = 0;
    char32_t min_value = 0;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
      length = 2, c = b0 & 0x1F, min_value = 0x80;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
      length = 3, c = b0 & 0x0F, min_value = 0x800;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
      length = 4, c = b0 & 0x07, min_value = 0x10000;
    } else {
      out.push_back(kReplacement);  // stray continuation byte or invalid lead byte
      ++i;
      continue;
    }
    int taken = 1;
    while (taken < length && i + taken < n &&
           (static_cast<unsigned char>(bytes[i + taken]) & 0xC0) == 0x80) {
      c = (c << 6) | (static_cast<unsigned char>(bytes[i + taken]) & 0x3F);
      ++taken;
    }
    if (taken < length || c < min_value || !is_scalar_value(c)) {
      out.push_back(kReplacement);
    } else {
      out.push_back(c);
    }
    i += taken;
  }
  return out;
}

std::string encode_utf8(std::u32string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char32_t c : text) {
    if (!is_scalar_value(c)) c = kReplacement;
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else if (c < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (c >> 6)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else if (c < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (c >> 12)));
      out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (c >> 18)));
      out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
  }
  return out;
}

bool is_letter(char32_t c) {
  switch (category(c)) {
    case U_UPPERCASE_LETTER:
    case U_LOWERCASE_LETTER:
    case U_TITLECASE_LETTER:
    case U_MODIFIER_LETTER:
    case U_OTHER_LETTER:
      return true;
    default:
      return false;
  }
}

bool is_number(char32_t c) {
  switch (category(c)) {
    case U_DECIMAL_DIGIT_NUMBER:
    case U_LETTER_NUMBER:
    case U_OTHER_NUMBER:
      return true;
    default:
      return false;
  }
}

bool is_python_space(char32_t c) {
  // CPython's _PyUnicode_IsWhitespace table.
  if ((c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20)) return true;
  switch (c) {
    case 0x85: case 0xA0: case 0x1680: case 0x2028: case 0x2029: case 0x202F: case 0x205F:
    case 0x3000:
      return true;
    default:
      return c >= 0x2000 && c <= 0x200A;
  }
}

bool is_bert_whitespace(char32_t c) {
  if (c == ' ' || c == '\t' || c == '\n' || c == '\r') return true;
  return category(c) == U_SPACE_SEPARATOR;
}

bool is_bert_control(char32_t c) {
  if (c == '\t' || c == '\n' || c == '\r') return false;
  switch (category(c)) {
    case U_CONTROL_CHAR:
    case U_FORMAT_CHAR:
    case U_SURROGATE:
    case U_PRIVATE_USE_CHAR:
    case U_UNASSIGNED:
      return true;
    default:
      return false;
  }
}

bool is_cjk_ideograph(char32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
         (c >= 0x20000 && c <= 0x2A6DF) || (c >= 0x2A700 && c <= 0x2B73F) ||
         (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B820 && c <= 0x2CEAF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

std::u32string to_lower(std::u32string_view text) {
  if (text.empty()) return {};
  icu::UnicodeString s = icu::UnicodeString::fromUTF32(
      reinterpret_cast<const UChar32*>(text.data()), static_cast<int32_t>(text.size()));
  // The root locale gives Unicode's default full mappings plus the final-sigma rule, which is
  // what Python's str.lower() implements.
  s.toLower(icu::Locale::getRoot());
  std::u32string out;
  out.reserve(static_cast<size_t>(s.length()));
  for (int32_t i = 0; i < s.length(); i = s.moveIndex32(i, 1))
    out.push_back(static_cast<char32_t>(s.char32At(i)));
  return out;
}

std::u32string basic_clean(std::u32string_view text) {
  // _clean_text, then _tokenize_chinese_chars.
  std::u32string spaced;
  spaced.reserve(text.size());
  for (char32_t c : text) {
    if (c == 0 || c == kReplacement || is_bert_control(c)) continue;
    if (is_bert_whitespace(c)) {
      spaced.push_back(U' ');
    } else if (is_cjk_ideograph(c)) {
      spaced.push_back(U' ');
      spaced.push_back(c);
      spaced.push_back(U' ');
    } else {
      spaced.push_back(c);
    }
  }
  // whitespace_tokenize (str.split()), lower-case each word, join with single spaces.
  std::u32string out;
  size_t i = 0;
  while (i < spaced.size()) {
    while (i < spaced.size() && is_python_space(spaced[i])) ++i;
    size_t j = i;
    while (j < spaced.size() && !is_python_space(spaced[j])) ++j;
    if (j > i) {
      if (!out.empty()) out.push_back(U' ');
      out += to_lower(std::u32string_view(spaced).substr(i, j - i));
    }
    i = j;
  }
  return out;
}

std::vector<std::u32string> clip_pretokenize(std::u32string_view text) {
  static constexpr std::string_view kSpecials[] = {"<|startoftext|>", "<|endoftext|>"};
  static constexpr std::string_view kContractions[] = {"'s", "'t", "'re", "'ve", "'m", "'ll",
                                                       "'d"};
  std::vector<std::u32string> out;
  size_t i = 0;
  const size_t n = text.size();
  while (i < n) {
    // Alternatives in the regex's order; the first that matches at i wins.
    size_t length = 0;
    for (auto special : kSpecials)
      if (!length && matches_at(text, i, special)) length = special.size();
    for (auto contraction : kContractions)
      if (!length && matches_at(text, i, contraction)) length = contraction.size();
    if (!length && is_letter(text[i])) {
      length = 1;
      while (i + length < n && is_letter(text[i + length])) ++length;
    }
    if (!length && is_number(text[i])) length = 1;
    if (!length && !is_regex_space(text[i])) {
      auto is_other = [](char32_t c) { return !is_regex_space(c) && !is_letter(c) && !is_number(c); };
      length = 1;
      while (i + length < n && is_other(text[i + length])) ++length;
    }
    if (!length) {  // whitespace: findall skips it
      ++i;
      continue;
    }
    out.emplace_back(text.substr(i, length));
    i += length;
  }
  return out;
}

}  // namespace dgxpx::sdxl::unicode
