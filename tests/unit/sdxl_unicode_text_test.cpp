#include "compiler/sdxl/unicode_text.h"

#include "tests/support/catch_torch.h"

using namespace dgxpx::sdxl::unicode;

namespace {
std::string lower_utf8(const std::string& s) { return encode_utf8(to_lower(decode_utf8(s))); }
std::string clean_utf8(const std::string& s) { return encode_utf8(basic_clean(decode_utf8(s))); }
std::vector<std::string> pretokenize_utf8(const std::string& s) {
  std::vector<std::string> out;
  for (const auto& piece : clip_pretokenize(decode_utf8(s))) out.push_back(encode_utf8(piece));
  return out;
}
}  // namespace

TEST_CASE("UTF-8 round-trips and malformed bytes become U+FFFD", "[sdxl][unicode]") {
  const std::string text = "a\xC3\xA9\xE6\x97\xA5\xF0\x9F\x98\x80";  // a é 日 😀
  const std::u32string decoded = decode_utf8(text);
  REQUIRE(decoded == std::u32string{U'a', 0xE9, 0x65E5, 0x1F600});
  REQUIRE(encode_utf8(decoded) == text);

  REQUIRE(decode_utf8("\x80") == std::u32string{0xFFFD});              // stray continuation
  REQUIRE(decode_utf8("\xC3") == std::u32string{0xFFFD});              // truncated
  REQUIRE(decode_utf8("\xC0\xAF") == std::u32string{0xFFFD, 0xFFFD});  // overlong lead byte
  REQUIRE(decode_utf8("\xED\xA0\x80x") == std::u32string{0xFFFD, U'x'});  // surrogate
  REQUIRE(decode_utf8("\xF4\x90\x80\x80") == std::u32string{0xFFFD});  // above U+10FFFF
}

TEST_CASE("character classes follow Python's and BERT's definitions", "[sdxl][unicode]") {
  REQUIRE(is_letter(U'a'));
  REQUIRE(is_letter(0x65E5));   // 日 (Lo)
  REQUIRE(is_letter(0x02B0));   // ʰ (Lm)
  REQUIRE_FALSE(is_letter(U'1'));
  REQUIRE_FALSE(is_letter(0x0301));  // combining acute (Mn)
  REQUIRE(is_number(U'7'));
  REQUIRE(is_number(0x2167));   // Ⅷ (Nl)
  REQUIRE(is_number(0x00BD));   // ½ (No)
  REQUIRE_FALSE(is_number(U'x'));

  REQUIRE(is_python_space(U' '));
  REQUIRE(is_python_space(0x1F));    // unit separator counts for str.split()
  REQUIRE(is_python_space(0x2028));  // line separator
  REQUIRE(is_python_space(0x3000));
  REQUIRE_FALSE(is_python_space(0x200B));  // zero-width space is not whitespace

  REQUIRE(is_bert_whitespace(U'\t'));
  REQUIRE(is_bert_whitespace(0xA0));   // NBSP (Zs)
  REQUIRE_FALSE(is_bert_whitespace(0x2028));
  REQUIRE(is_bert_control(0x200B));   // Cf
  REQUIRE(is_bert_control(0x07));     // Cc
  REQUIRE(is_bert_control(0xE000));   // Co
  REQUIRE_FALSE(is_bert_control(U'\n'));
  REQUIRE_FALSE(is_bert_control(U'a'));

  REQUIRE(is_cjk_ideograph(0x65E5));
  REQUIRE(is_cjk_ideograph(0x20000));
  REQUIRE_FALSE(is_cjk_ideograph(0x306E));  // hiragana の
  REQUIRE_FALSE(is_cjk_ideograph(0xD55C));  // hangul 한
}

TEST_CASE("to_lower matches Python's str.lower", "[sdxl][unicode]") {
  REQUIRE(lower_utf8("A Photo Of A CAT") == "a photo of a cat");
  REQUIRE(lower_utf8("\xC3\x9C") == "\xC3\xBC");                    // Ü -> ü
  REQUIRE(lower_utf8("\xC3\x9F") == "\xC3\x9F");                    // ß unchanged
  REQUIRE(lower_utf8("\xC4\xB0") == "i\xCC\x87");                   // İ -> i + U+0307
  REQUIRE(lower_utf8("\xEF\xBC\xA6") == "\xEF\xBD\x86");            // Ｆ -> ｆ
  REQUIRE(lower_utf8("\xCE\x9F\xCE\x94\xCE\x9F\xCE\xA3") ==         // ΟΔΟΣ -> οδος (final ς)
          "\xCE\xBF\xCE\xB4\xCE\xBF\xCF\x82");
  REQUIRE(lower_utf8("\xEF\xAC\x81") == "\xEF\xAC\x81");            // ﬁ ligature unchanged
}

TEST_CASE("basic_clean reproduces BasicTokenizer's clean-up", "[sdxl][unicode]") {
  REQUIRE(clean_utf8("a cat  \t  with   extra\nwhitespace") == "a cat with extra whitespace");
  REQUIRE(clean_utf8("   leading and trailing   ") == "leading and trailing");
  REQUIRE(clean_utf8("zero\xE2\x80\x8Bwidth and\xC2\xA0nbsp") == "zerowidth and nbsp");
  REQUIRE(clean_utf8("bell\x07 nul") == "bell nul");
  REQUIRE(clean_utf8(std::string("a\0b", 3)) == "ab");
  REQUIRE(clean_utf8("bad\xEF\xBF\xBDreplacement") == "badreplacement");
  REQUIRE(clean_utf8("line\xE2\x80\xA8sep") == "line sep");  // U+2028 splits words
  // CJK ideographs get spaces around them; kana do not.
  REQUIRE(clean_utf8("\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E\xE3\x81\xAE") ==
          "\xE6\x97\xA5 \xE6\x9C\xAC \xE8\xAA\x9E \xE3\x81\xAE");
  REQUIRE(clean_utf8("MiXeD") == "mixed");
  REQUIRE(clean_utf8("") == "");
  REQUIRE(clean_utf8(" \t\n ") == "");
}

TEST_CASE("clip_pretokenize splits like CLIP's regex", "[sdxl][unicode]") {
  using V = std::vector<std::string>;
  REQUIRE(pretokenize_utf8("hello, world!") == V{"hello", ",", "world", "!"});
  REQUIRE(pretokenize_utf8("don't we've") == V{"don", "'t", "we", "'ve"});
  REQUIRE(pretokenize_utf8("'single'") == V{"'s", "ingle", "'"});
  REQUIRE(pretokenize_utf8("''s") == V{"''", "s"});  // a punctuation run does not stop for 's
  REQUIRE(pretokenize_utf8("'S") == V{"'S"});         // case-insensitive contraction
  REQUIRE(pretokenize_utf8("3.14") == V{"3", ".", "1", "4"});  // digits one by one
  REQUIRE(pretokenize_utf8("((masterpiece)), x") == V{"((", "masterpiece", ")),", "x"});
  REQUIRE(pretokenize_utf8("a<|endoftext|>b") == V{"a", "<|endoftext|>", "b"});
  REQUIRE(pretokenize_utf8("(<|endoftext|>") == V{"(<|", "endoftext", "|>"});
  REQUIRE(pretokenize_utf8("caf\xC3\xA9") == V{"caf\xC3\xA9"});
  // A combining mark is not a letter: it starts a punctuation-like run.
  REQUIRE(pretokenize_utf8("e\xCC\x81x") == V{"e", "\xCC\x81", "x"});
  REQUIRE(pretokenize_utf8("   ").empty());
}
