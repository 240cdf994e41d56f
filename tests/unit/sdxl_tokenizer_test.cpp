// The BPE tokenizer on a small vocabulary the test writes itself.
#include "compiler/sdxl/tokenizer.h"

#include <unistd.h>

#include <fstream>

#include "tests/support/catch_torch.h"
#include <nlohmann/json.hpp>

#include "compiler/util/error.h"

using dgxpx::sdxl::ClipSpecialTokens;
using dgxpx::sdxl::ClipTokenizer;
using V = std::vector<std::string>;
using Ids = std::vector<int64_t>;

namespace {

// Merges in priority order, and a vocabulary holding every symbol they can produce.
const std::vector<std::pair<std::string, std::string>> kMerges = {
    {"h", "e"}, {"l", "l"}, {"ll", "o</w>"}, {"he", "llo</w>"}, {"l", "o</w>"}, {"w", "o"}};

std::unordered_map<std::string, int64_t> small_vocab() {
  std::unordered_map<std::string, int64_t> vocab;
  int64_t next = 0;
  for (const char* token : {"!", "a", "b", "e", "h", "l", "o", "w", "a</w>", "b</w>", "e</w>",
                            "l</w>", "o</w>", "!</w>", "he", "ll", "llo</w>", "hello</w>", "lo</w>",
                            "wo", "\xC3\x83", "\xC2\xA9</w>", "\xC3\x84", "\xC4\xA3</w>",
                            "<|startoftext|>", "<|endoftext|>"})
    vocab[token] = next++;
  return vocab;
}

ClipTokenizer small_tokenizer(int64_t max_length = 77) {
  return ClipTokenizer(small_vocab(), kMerges, ClipSpecialTokens{}, max_length);
}

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    path = std::filesystem::temp_directory_path() /
           ("dgxpx_tokenizer_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter()++));
    std::filesystem::create_directories(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  static int& counter() {
    static int n = 0;
    return n;
  }
  void write(const std::string& name, const std::string& text) const {
    std::ofstream(path / name, std::ios::binary) << text;
  }
};

void write_vocab_files(const TempDir& dir) {
  nlohmann::json vocab = nlohmann::json::object();
  for (const auto& [token, id] : small_vocab()) vocab[token] = id;
  dir.write("vocab.json", vocab.dump());
  std::string merges = "#version: 0.2\n";
  for (const auto& [a, b] : kMerges) merges += a + " " + b + "\n";
  dir.write("merges.txt", merges);
}

}  // namespace

TEST_CASE("BPE applies merges by rank until none applies", "[sdxl][tokenizer]") {
  const ClipTokenizer tok = small_tokenizer();
  // h e l l o</w> -> he l l o</w> -> he ll o</w> -> he llo</w> -> hello</w>
  REQUIRE(tok.tokenize("hello") == V{"hello</w>"});
  // "l o</w>" ranks below "l l": l l o</w> -> ll o</w> -> llo</w>, never l lo</w>.
  REQUIRE(tok.tokenize("llo") == V{"llo</w>"});
  REQUIRE(tok.tokenize("lo") == V{"lo</w>"});
  // No merge applies: one symbol per byte, the last marked word-final.
  REQUIRE(tok.tokenize("ab") == V{"a", "b</w>"});
  REQUIRE(tok.tokenize("wow") == V{"wo", "w</w>"});
  REQUIRE(tok.tokenize("a") == V{"a</w>"});
  REQUIRE(tok.tokenize("").empty());
}

TEST_CASE("text is cleaned, lower-cased and split into words before BPE", "[sdxl][tokenizer]") {
  const ClipTokenizer tok = small_tokenizer();
  REQUIRE(tok.tokenize("  HELLO\t\nhello ") == V{"hello</w>", "hello</w>"});
  REQUIRE(tok.tokenize("hello!!") == V{"hello</w>", "!", "!</w>"});
  REQUIRE(tok.tokenize("a,b") == V{"a</w>", ",</w>", "b</w>"});
}

TEST_CASE("bytes map to CLIP's byte alphabet", "[sdxl][tokenizer]") {
  const ClipTokenizer tok = small_tokenizer();
  // é = C3 A9: printable Latin-1 bytes map to themselves (Ã, ©).
  REQUIRE(tok.tokenize("\xC3\xA9") == V{"\xC3\x83", "\xC2\xA9</w>"});
  // ā = C4 81: 0x81 is not printable and maps to U+0123 (ģ).
  REQUIRE(tok.tokenize("\xC4\x81") == V{"\xC3\x84", "\xC4\xA3</w>"});
}

TEST_CASE("ids, unknown tokens, BOS/EOS, truncation and padding", "[sdxl][tokenizer]") {
  const auto vocab = small_vocab();
  const ClipTokenizer tok = small_tokenizer(6);
  const int64_t bos = vocab.at("<|startoftext|>"), eos = vocab.at("<|endoftext|>");
  REQUIRE(tok.bos_id() == bos);
  REQUIRE(tok.eos_id() == eos);
  REQUIRE(tok.pad_id() == eos);  // CLIPTokenizer's default pad token is <|endoftext|>
  REQUIRE(tok.unk_id() == eos);

  REQUIRE(tok.encode("hello ab") == Ids{vocab.at("hello</w>"), vocab.at("a"), vocab.at("b</w>")});
  REQUIRE(tok.encode("xyz") == Ids{eos, eos, eos});  // x, y, z</w> are unknown
  REQUIRE(tok.encode_padded("hello") == Ids{bos, vocab.at("hello</w>"), eos, eos, eos, eos});
  // Truncation keeps BOS, the first max_length - 2 tokens and EOS.
  REQUIRE(tok.encode_padded("a a a a a a a") ==
          Ids{bos, vocab.at("a</w>"), vocab.at("a</w>"), vocab.at("a</w>"), vocab.at("a</w>"), eos});
  REQUIRE(tok.encode_padded("") == Ids{bos, eos, eos, eos, eos, eos});

  const torch::Tensor batch = tok.encode_batch({"hello", "a"});
  REQUIRE(batch.sizes() == torch::IntArrayRef{2, 6});
  REQUIRE(batch.dtype() == torch::kInt64);
  REQUIRE(batch[1][1].item<int64_t>() == vocab.at("a</w>"));
}

TEST_CASE("special and added tokens in the text are split out before BPE", "[sdxl][tokenizer]") {
  const auto vocab = small_vocab();
  ClipSpecialTokens specials;
  specials.pad = "!";  // tokenizer_2's setting: '!' becomes an added token
  const ClipTokenizer tok(small_vocab(), kMerges, specials, 8);
  REQUIRE(tok.pad_id() == vocab.at("!"));
  REQUIRE(tok.tokenize("hello!!") == V{"hello</w>", "!", "!"});
  REQUIRE(tok.tokenize("a!b") == V{"a</w>", "!", "b</w>"});
  REQUIRE(tok.encode_padded("a!") ==
          Ids{vocab.at("<|startoftext|>"), vocab.at("a</w>"), vocab.at("!"), vocab.at("<|endoftext|>"),
              vocab.at("!"), vocab.at("!"), vocab.at("!"), vocab.at("!")});

  // Special tokens written in the prompt are recognised, exactly...
  REQUIRE(tok.tokenize("a<|startoftext|>b") == V{"a</w>", "<|startoftext|>", "b</w>"});
  // ...and, lower-cased by the clean-up, the BPE stage keeps them whole too.
  REQUIRE(tok.tokenize("a <|ENDOFTEXT|>") == V{"a</w>", "<|endoftext|>"});
  REQUIRE(tok.encode("<|ENDOFTEXT|>") == Ids{vocab.at("<|endoftext|>")});

  // Added tokens from tokenizer_config.json take their own ids.
  ClipSpecialTokens extra;
  extra.added = {{"wow", 4242}};
  const ClipTokenizer with_added(small_vocab(), kMerges, extra);
  REQUIRE(with_added.encode("a wow") == Ids{vocab.at("a</w>"), 4242});
}

TEST_CASE("a special token without an id is an input error", "[sdxl][tokenizer]") {
  ClipSpecialTokens specials;
  specials.pad = "<pad>";
  REQUIRE_THROWS_AS(ClipTokenizer(small_vocab(), kMerges, specials), dgxpx::util::InputError);
  REQUIRE_THROWS_AS(ClipTokenizer(small_vocab(), kMerges, ClipSpecialTokens{}, 1),
                    dgxpx::util::InputError);
}

TEST_CASE("load reads a tokenizer folder", "[sdxl][tokenizer]") {
  const TempDir dir;
  write_vocab_files(dir);
  const auto vocab = small_vocab();

  SECTION("vocabulary and merges only: CLIPTokenizer defaults") {
    const ClipTokenizer tok = ClipTokenizer::load(dir.path);
    REQUIRE(tok.max_length() == 77);
    REQUIRE(tok.pad_id() == vocab.at("<|endoftext|>"));
    REQUIRE(tok.tokenize("hello") == V{"hello</w>"});
    REQUIRE(tok.vocab_size() == vocab.size());
  }
  SECTION("special_tokens_map.json overrides tokenizer_config.json") {
    dir.write("tokenizer_config.json",
              R"({"model_max_length": 10, "pad_token": "<|endoftext|>",
                  "added_tokens_decoder": {"0": {"content": "!", "special": true}}})");
    dir.write("special_tokens_map.json",
              R"({"pad_token": "!", "bos_token": {"content": "<|startoftext|>"}})");
    const ClipTokenizer tok = ClipTokenizer::load(dir.path);
    REQUIRE(tok.max_length() == 10);
    REQUIRE(tok.pad_id() == 0);
    REQUIRE(tok.tokenize("a!") == V{"a</w>", "!"});
    REQUIRE(tok.encode_padded("a").back() == 0);
  }
  SECTION("malformed files name the file") {
    dir.write("vocab.json", "{\"a\": ");
    try {
      ClipTokenizer::load(dir.path);
      FAIL("expected an error");
    } catch (const dgxpx::util::InputError& e) {
      REQUIRE(e.where().file.find("vocab.json") != std::string::npos);
    }
  }
  SECTION("a merges line with three fields names its line") {
    dir.write("merges.txt", "#version: 0.2\nh e\na b c\n");
    try {
      ClipTokenizer::load(dir.path);
      FAIL("expected an error");
    } catch (const dgxpx::util::InputError& e) {
      REQUIRE(e.where().file.find("merges.txt") != std::string::npos);
      REQUIRE(e.where().line == 3);
    }
  }
  SECTION("a missing folder is an input error") {
    REQUIRE_THROWS_AS(ClipTokenizer::load(dir.path / "nope"), dgxpx::util::InputError);
  }
}
