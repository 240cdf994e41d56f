#pragma once
// The Unicode text handling CLIP's tokenizer needs, with the semantics of the Python reference
// (transformers' slow CLIPTokenizer without ftfy): UTF-8 <-> code points, general categories,
// Python's str.lower() and str.isspace(), BERT's BasicTokenizer clean-up, and CLIP's
// pre-tokenizer regex. Categories and case mappings come from ICU.
#include <string>
#include <string_view>
#include <vector>

namespace dgxpx::sdxl::unicode {

/// Decodes UTF-8. Malformed sequences (bad lead/continuation bytes, overlongs, surrogates,
/// code points above U+10FFFF, truncation) become U+FFFD, one per maximal bad subpart.
std::u32string decode_utf8(std::string_view bytes);

/// Encodes code points as UTF-8 (values that are not scalar values are written as U+FFFD).
std::string encode_utf8(std::u32string_view text);

/// Unicode general category L* (Lu, Ll, Lt, Lm, Lo), as the regex `\p{L}`.
bool is_letter(char32_t c);
/// Unicode general category N* (Nd, Nl, No), as the regex `\p{N}`.
bool is_number(char32_t c);
/// Python's str.isspace() for one code point (bidi class WS/B/S or category Zs).
bool is_python_space(char32_t c);
/// BERT's _is_whitespace: space, \t, \n, \r or category Zs.
bool is_bert_whitespace(char32_t c);
/// BERT's _is_control: any category C* (Cc, Cf, Cs, Co, Cn) except \t, \n, \r.
bool is_bert_control(char32_t c);
/// BERT's _is_chinese_char: the CJK Unified Ideograph blocks (not kana, not hangul).
bool is_cjk_ideograph(char32_t c);

/// Python's str.lower(): full case mapping, including one-to-many mappings (U+0130 -> "i̇")
/// and the final-sigma context rule.
std::u32string to_lower(std::u32string_view text);

/// transformers' BasicTokenizer(do_lower_case=True, strip_accents=False,
/// do_split_on_punc=False).tokenize(text) joined by single spaces: drops NUL, U+FFFD and
/// control/format characters, maps whitespace to spaces, puts spaces around CJK ideographs,
/// splits on whitespace and lower-cases each word. No NFC/NFKC normalisation.
std::u32string basic_clean(std::u32string_view text);

/// CLIP's pre-tokenizer: every match, left to right, of
/// `<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|\p{L}+|\p{N}|[^\s\p{L}\p{N}]+`
/// (case-insensitive), as Python's regex.findall returns them.
std::vector<std::u32string> clip_pretokenize(std::u32string_view text);

}  // namespace dgxpx::sdxl::unicode
