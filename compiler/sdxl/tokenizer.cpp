#include "compiler/sdxl/tokenizer.h"

#include <algorithm>
#include <array>
#include <climits>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>

#include <nlohmann/json.hpp>

#include "compiler/sdxl/unicode_text.h"
#include "compiler/util/error.h"

namespace dgxpx::sdxl {
namespace {

using nlohmann::json;

// CLIPTokenizer reads merges.txt lines [1, 49152 - 256 - 2 + 1): the header line is skipped and
// at most 48894 merges are used, whatever the file holds.
constexpr size_t kMaxMerges = 49152 - 256 - 2;

// GPT-2/CLIP's reversible byte -> code point table: printable Latin-1 bytes map to themselves,
// the others to U+0100 onwards, so that no byte maps to whitespace or a control character.
const std::array<std::string, 256>& byte_symbols() {
  static const std::array<std::string, 256> table = [] {
    std::array<std::string, 256> t;
    char32_t next = 256;
    for (int b = 0; b < 256; ++b) {
      const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
      const char32_t c = printable ? static_cast<char32_t>(b) : next++;
      t[b] = unicode::encode_utf8(std::u32string(1, c));
    }
    return t;
  }();
  return table;
}

std::string read_text_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw util::InputError({path.string()}, "cannot open tokenizer file");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) throw util::RuntimeFailure("error reading " + path.string());
  return buffer.str();
}

json read_json_file(const std::filesystem::path& path) {
  const std::string text = read_text_file(path);
  try {
    return json::parse(text);
  } catch (const json::parse_error& e) {
    throw util::InputError({path.string()}, std::string("malformed JSON: ") + e.what());
  }
}

std::unordered_map<std::string, int64_t> read_vocab(const std::filesystem::path& path) {
  const json doc = read_json_file(path);
  if (!doc.is_object())
    throw util::InputError({path.string()}, util::expected_got("a JSON object", doc.type_name()));
  std::unordered_map<std::string, int64_t> vocab;
  vocab.reserve(doc.size());
  for (const auto& [token, id] : doc.items()) {
    if (!id.is_number_integer() || id.get<int64_t>() < 0 || id.get<int64_t>() > INT32_MAX)
      throw util::InputError({path.string()}, "token \"" + token + "\": " +
                                                  util::expected_got("a non-negative id", id.dump()));
    vocab.emplace(token, id.get<int64_t>());
  }
  return vocab;
}

std::vector<std::pair<std::string, std::string>> read_merges(const std::filesystem::path& path) {
  const std::string text = read_text_file(path);
  std::vector<std::pair<std::string, std::string>> merges;
  std::istringstream lines(text);
  std::string line;
  int line_number = 0;
  while (std::getline(lines, line) && merges.size() < kMaxMerges) {
    ++line_number;
    if (line_number == 1) continue;  // "#version: ..." header
    std::istringstream fields(line);
    std::string first, second, extra;
    fields >> first >> second;
    if (first.empty() && second.empty() && fields.eof()) {
      // Python strips the file's trailing whitespace, so only trailing blank lines are allowed.
      std::string rest;
      while (std::getline(lines, rest))
        if (rest.find_first_not_of(" \t\r") != std::string::npos)
          throw util::InputError({path.string(), line_number}, "blank line inside merges");
      break;
    }
    if (second.empty() || (fields >> extra))
      throw util::InputError({path.string(), line_number},
                             util::expected_got("two symbols separated by a space", line));
    merges.emplace_back(std::move(first), std::move(second));
  }
  return merges;
}

// A special-token entry is a string or an AddedToken object {"content": ...}.
std::optional<std::string> token_text(const json& doc, const char* key,
                                       const std::filesystem::path& path) {
  if (!doc.contains(key) || doc.at(key).is_null()) return std::nullopt;
  const json& value = doc.at(key);
  if (value.is_string()) return value.get<std::string>();
  if (value.is_object() && value.contains("content") && value.at("content").is_string())
    return value.at("content").get<std::string>();
  throw util::InputError({path.string()}, std::string("\"") + key + "\": " +
                                              util::expected_got("a token string", value.dump()));
}

void apply_special_tokens(const json& doc, const std::filesystem::path& path,
                          ClipSpecialTokens& specials) {
  if (!doc.is_object())
    throw util::InputError({path.string()}, util::expected_got("a JSON object", doc.type_name()));
  if (auto t = token_text(doc, "bos_token", path)) specials.bos = *t;
  if (auto t = token_text(doc, "eos_token", path)) specials.eos = *t;
  if (auto t = token_text(doc, "unk_token", path)) specials.unk = *t;
  if (auto t = token_text(doc, "pad_token", path)) specials.pad = *t;
}

// Splits symbols of a UTF-8 string into one string per code point.
std::vector<std::string> split_code_points(const std::string& word) {
  std::vector<std::string> symbols;
  for (size_t i = 0; i < word.size();) {
    size_t length = 1;
    while (i + length < word.size() && (static_cast<unsigned char>(word[i + length]) & 0xC0) == 0x80)
      ++length;
    symbols.push_back(word.substr(i, length));
    i += length;
  }
  return symbols;
}

}  // namespace

ClipTokenizer ClipTokenizer::load(const std::filesystem::path& dir) {
  ClipSpecialTokens specials;
  int64_t max_length = 77;
  const auto config_path = dir / "tokenizer_config.json";
  if (std::filesystem::exists(config_path)) {
    const json config = read_json_file(config_path);
    apply_special_tokens(config, config_path, specials);
    if (config.contains("added_tokens_decoder")) {
      const json& added = config.at("added_tokens_decoder");
      if (!added.is_object())
        throw util::InputError({config_path.string()},
                               "\"added_tokens_decoder\": " +
                                   util::expected_got("an object", added.type_name()));
      for (const auto& [id_text, entry] : added.items()) {
        int64_t id = -1;
        try {
          size_t used = 0;
          id = std::stoll(id_text, &used);
          if (used != id_text.size()) id = -1;
        } catch (const std::exception&) {
        }
        auto content = token_text(json{{"token", entry}}, "token", config_path);
        if (id < 0 || id > INT32_MAX || !content)
          throw util::InputError({config_path.string()},
                                 "\"added_tokens_decoder\": " +
                                     util::expected_got("id -> {\"content\": ...}",
                                                        id_text + " -> " + entry.dump()));
        specials.added.emplace_back(*content, id);
      }
    }
    if (config.contains("model_max_length")) {
      const json& value = config.at("model_max_length");
      // transformers writes a huge sentinel when there is no limit; CLIP always has one.
      if (!value.is_number_integer() || value.get<int64_t>() < 2 || value.get<int64_t>() > 4096)
        throw util::InputError({config_path.string()},
                               "\"model_max_length\": " +
                                   util::expected_got("an integer in [2, 4096]", value.dump()));
      max_length = value.get<int64_t>();
    }
  }
  const auto map_path = dir / "special_tokens_map.json";
  if (std::filesystem::exists(map_path)) apply_special_tokens(read_json_file(map_path), map_path, specials);
  return load_files(dir / "vocab.json", dir / "merges.txt", specials, max_length);
}

ClipTokenizer ClipTokenizer::load_files(const std::filesystem::path& vocab_json,
                                        const std::filesystem::path& merges_txt,
                                        const ClipSpecialTokens& specials, int64_t max_length) {
  try {
    return ClipTokenizer(read_vocab(vocab_json), read_merges(merges_txt), specials, max_length);
  } catch (const util::InputError& e) {
    if (!e.where().file.empty()) throw;
    throw util::InputError({vocab_json.string()}, e.message());
  }
}

ClipTokenizer::ClipTokenizer(std::unordered_map<std::string, int64_t> vocab,
                             const std::vector<std::pair<std::string, std::string>>& merges,
                             const ClipSpecialTokens& specials, int64_t max_length)
    : vocab_(std::move(vocab)), max_length_(max_length) {
  if (max_length_ < 2)
    throw util::InputError(util::expected_got("max_length >= 2", std::to_string(max_length_)));
  merge_ranks_.reserve(merges.size());
  for (size_t rank = 0; rank < merges.size(); ++rank)
    merge_ranks_[merges[rank].first + " " + merges[rank].second] = static_cast<int64_t>(rank);

  for (const auto& [text, id] : specials.added)
    if (!text.empty()) added_.emplace_back(text, id);
  // Every special token is also an added token (transformers adds them at construction).
  for (const auto& [text, role] : {std::pair{specials.bos, "bos"}, std::pair{specials.eos, "eos"},
                                   std::pair{specials.unk, "unk"}, std::pair{specials.pad, "pad"}}) {
    const int64_t id = special_id(text, role);
    const bool known = std::any_of(added_.begin(), added_.end(),
                                   [&](const auto& entry) { return entry.first == text; });
    if (!known) added_.emplace_back(text, id);
  }
  bos_id_ = special_id(specials.bos, "bos");
  eos_id_ = special_id(specials.eos, "eos");
  unk_id_ = special_id(specials.unk, "unk");
  pad_id_ = special_id(specials.pad, "pad");
  // Longest first, so that splitting takes the longest added token at each position.
  std::stable_sort(added_.begin(), added_.end(),
                   [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
  for (const auto& entry : added_) added_text_.push_back(unicode::decode_utf8(entry.first));
}

int64_t ClipTokenizer::special_id(const std::string& token, const char* role) const {
  if (token.empty()) throw util::InputError(std::string(role) + " token: expected a token, got \"\"");
  for (const auto& [text, id] : added_)
    if (text == token) return id;
  auto it = vocab_.find(token);
  if (it == vocab_.end())
    throw util::InputError(std::string(role) + " token \"" + token +
                           "\": expected a token of the vocabulary or an added token, got none");
  return it->second;
}

int64_t ClipTokenizer::token_id(const std::string& token) const {
  for (const auto& [text, id] : added_)
    if (text == token) return id;
  auto it = vocab_.find(token);
  return it == vocab_.end() ? unk_id_ : it->second;
}

void ClipTokenizer::bpe(const std::string& word, std::vector<std::string>& out) const {
  // CLIPTokenizer's cache is seeded with these two, so they bypass BPE (and get no "</w>").
  if (word == "<|startoftext|>" || word == "<|endoftext|>") {
    out.push_back(word);
    return;
  }
  std::vector<std::string> symbols = split_code_points(word);
  if (symbols.empty()) return;
  symbols.back() += "</w>";
  while (symbols.size() > 1) {
    int64_t best_rank = std::numeric_limits<int64_t>::max();
    size_t best = 0;
    for (size_t i = 0; i + 1 < symbols.size(); ++i) {
      auto it = merge_ranks_.find(symbols[i] + " " + symbols[i + 1]);
      if (it != merge_ranks_.end() && it->second < best_rank) best_rank = it->second, best = i;
    }
    if (best_rank == std::numeric_limits<int64_t>::max()) break;
    const std::string first = symbols[best];
    const std::string second = symbols[best + 1];
    // Merge every occurrence of the pair, left to right, without overlaps.
    std::vector<std::string> merged;
    merged.reserve(symbols.size());
    for (size_t i = 0; i < symbols.size();) {
      if (i + 1 < symbols.size() && symbols[i] == first && symbols[i + 1] == second) {
        merged.push_back(first + second);
        i += 2;
      } else {
        merged.push_back(std::move(symbols[i]));
        i += 1;
      }
    }
    symbols = std::move(merged);
  }
  for (auto& s : symbols) out.push_back(std::move(s));
}

std::vector<std::string> ClipTokenizer::tokenize(std::string_view text) const {
  const std::u32string decoded = unicode::decode_utf8(text);
  const std::vector<std::u32string>& added = added_text_;

  std::vector<std::string> tokens;
  auto tokenize_chunk = [&](std::u32string_view chunk) {
    const std::u32string cleaned = unicode::basic_clean(chunk);
    for (const std::u32string& piece : unicode::clip_pretokenize(cleaned)) {
      std::string word;
      for (unsigned char byte : unicode::encode_utf8(piece)) word += byte_symbols()[byte];
      bpe(word, tokens);
    }
  };
  // Split out added tokens first (longest match at the earliest position), as
  // PreTrainedTokenizer.tokenize does with its trie; the text between them is BPE-encoded.
  size_t chunk_start = 0;
  for (size_t i = 0; i < decoded.size();) {
    size_t matched = 0;
    for (size_t k = 0; k < added.size() && !matched; ++k)
      if (!added[k].empty() && decoded.compare(i, added[k].size(), added[k]) == 0) matched = k + 1;
    if (!matched) {
      ++i;
      continue;
    }
    tokenize_chunk(std::u32string_view(decoded).substr(chunk_start, i - chunk_start));
    tokens.push_back(added_[matched - 1].first);
    i += added[matched - 1].size();
    chunk_start = i;
  }
  tokenize_chunk(std::u32string_view(decoded).substr(chunk_start));
  return tokens;
}

std::vector<int64_t> ClipTokenizer::encode(std::string_view text) const {
  std::vector<int64_t> ids;
  for (const std::string& token : tokenize(text)) ids.push_back(token_id(token));
  return ids;
}

std::vector<int64_t> ClipTokenizer::encode_padded(std::string_view text) const {
  std::vector<int64_t> ids = encode(text);
  const size_t body = static_cast<size_t>(max_length_ - 2);
  if (ids.size() > body) ids.resize(body);  // truncation keeps the start
  std::vector<int64_t> out;
  out.reserve(static_cast<size_t>(max_length_));
  out.push_back(bos_id_);
  out.insert(out.end(), ids.begin(), ids.end());
  out.push_back(eos_id_);
  out.resize(static_cast<size_t>(max_length_), pad_id_);
  return out;
}

torch::Tensor ClipTokenizer::encode_batch(const std::vector<std::string>& texts) const {
  auto ids = torch::empty({static_cast<int64_t>(texts.size()), max_length_}, torch::kInt64);
  auto accessor = ids.accessor<int64_t, 2>();
  for (size_t b = 0; b < texts.size(); ++b) {
    const std::vector<int64_t> row = encode_padded(texts[b]);
    for (int64_t j = 0; j < max_length_; ++j) accessor[static_cast<int64_t>(b)][j] = row[static_cast<size_t>(j)];
  }
  return ids;
}

}  // namespace dgxpx::sdxl
