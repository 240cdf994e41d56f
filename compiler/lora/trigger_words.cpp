#include "compiler/lora/trigger_words.h"

#include <algorithm>
#include <cctype>

namespace dgxpx::lora {

namespace {

std::string lower(const std::string& s) {
  std::string out = s;
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

bool word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Whether `phrase` occurs in `text` with no word character right before or after it.
bool holds_phrase(const std::string& text, const std::string& phrase) {
  for (size_t at = text.find(phrase); at != std::string::npos; at = text.find(phrase, at + 1)) {
    const bool starts = at == 0 || !word_char(text[at - 1]) || !word_char(phrase.front());
    const size_t end = at + phrase.size();
    const bool ends = end == text.size() || !word_char(text[end]) || !word_char(phrase.back());
    if (starts && ends) return true;
  }
  return false;
}

}  // namespace

std::string prompt_with_trigger_words(const std::string& prompt, const std::vector<std::string>& words) {
  std::string seen = lower(prompt);
  std::string front;
  for (const auto& word : words) {
    const std::string w = lower(word);
    if (w.empty() || holds_phrase(seen, w)) continue;
    front += word + ", ";
    seen += ", " + w;
  }
  if (front.empty()) return prompt;
  if (prompt.empty()) return front.substr(0, front.size() - 2);
  return front + prompt;
}

}  // namespace dgxpx::lora
