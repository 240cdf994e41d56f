#pragma once
// CLIP's byte-level BPE tokenizer, giving the ids of transformers' slow CLIPTokenizer (v4.35)
// as SDXL pipelines call it: tokenizer(prompts, padding="max_length", max_length=77,
// truncation=True). ftfy is not assumed, so text is cleaned the BasicTokenizer way (see
// unicode_text.h). Added/special tokens written in the text are split out before BPE, which is
// why tokenizer_2 (pad token "!") turns a literal "!" into id 0.
// Reference: transformers/models/clip/tokenization_clip.py, tokenization_utils.py (tokenize).
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <torch/torch.h>

namespace dgxpx::sdxl {

/// Special tokens and extra added tokens, by their text. Defaults are CLIPTokenizer's.
struct ClipSpecialTokens {
  std::string bos = "<|startoftext|>";
  std::string eos = "<|endoftext|>";
  std::string unk = "<|endoftext|>";
  std::string pad = "<|endoftext|>";
  /// Further added tokens (tokenizer_config.json "added_tokens_decoder"): text -> id.
  std::vector<std::pair<std::string, int64_t>> added;
};

/// A loaded CLIP tokenizer: vocabulary, merge ranks and special tokens (immutable, thread-safe).
class ClipTokenizer {
 public:
  /// Reads a diffusers/transformers tokenizer folder: vocab.json, merges.txt, and the special
  /// tokens from tokenizer_config.json and special_tokens_map.json (the latter wins; both are
  /// optional, CLIPTokenizer's defaults fill gaps; model_max_length gives the length, default
  /// 77). Throws util::InputError naming the file on a missing or malformed file, or on a
  /// special token that has no id.
  static ClipTokenizer load(const std::filesystem::path& dir);

  /// Reads vocab.json and merges.txt with the given special tokens (e.g. for single-file
  /// checkpoints, which carry no tokenizer). Throws util::InputError like load().
  static ClipTokenizer load_files(const std::filesystem::path& vocab_json,
                                  const std::filesystem::path& merges_txt,
                                  const ClipSpecialTokens& specials, int64_t max_length = 77);

  /// Builds from memory. `merges` in priority order (first = merged first). Throws
  /// util::InputError when a special token has no id in `vocab` or `specials.added`.
  ClipTokenizer(std::unordered_map<std::string, int64_t> vocab,
                const std::vector<std::pair<std::string, std::string>>& merges,
                const ClipSpecialTokens& specials, int64_t max_length = 77);

  /// The BPE tokens of `text` (UTF-8; malformed bytes are dropped like U+FFFD), without
  /// BOS/EOS, untruncated. Word-final tokens end in "</w>".
  std::vector<std::string> tokenize(std::string_view text) const;

  /// Ids of tokenize(text) (unknown tokens map to the unk id).
  std::vector<int64_t> encode(std::string_view text) const;

  /// BOS + the first max_length-2 ids + EOS, padded with the pad id to max_length.
  std::vector<int64_t> encode_padded(std::string_view text) const;

  /// encode_padded for each text: an int64 tensor [texts.size(), max_length] on the CPU.
  torch::Tensor encode_batch(const std::vector<std::string>& texts) const;

  int64_t bos_id() const { return bos_id_; }
  int64_t eos_id() const { return eos_id_; }
  int64_t pad_id() const { return pad_id_; }
  int64_t unk_id() const { return unk_id_; }
  int64_t max_length() const { return max_length_; }
  size_t vocab_size() const { return vocab_.size(); }

 private:
  // BPE of one pre-token given as its byte-level symbols; appends the merged symbols.
  void bpe(const std::string& word, std::vector<std::string>& out) const;
  int64_t token_id(const std::string& token) const;
  int64_t special_id(const std::string& token, const char* role) const;

  std::unordered_map<std::string, int64_t> vocab_;
  std::unordered_map<std::string, int64_t> merge_ranks_;  // "first second" -> rank
  std::vector<std::pair<std::string, int64_t>> added_;    // split out before BPE, longest first
  std::vector<std::u32string> added_text_;                // added_[k].first as code points
  int64_t bos_id_ = 0, eos_id_ = 0, pad_id_ = 0, unk_id_ = 0;
  int64_t max_length_ = 77;
};

}  // namespace dgxpx::sdxl
