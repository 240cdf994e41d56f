#include "compiler/lora/lora_info.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "compiler/lora/safetensors_summary.h"
#include "compiler/util/error.h"

namespace dgxpx::lora {

std::optional<Claim> LoraInfo::non_sdxl_base() const {
  for (const auto& claim : base_models)
    if (classify_base_model(claim.value) == BaseFamily::other) return claim;
  return std::nullopt;
}

namespace {

constexpr size_t kTopTags = 10;

// ss_tag_frequency is JSON inside a metadata string: {"dataset dir": {"tag": count, ...}, ...}.
// Anything else in it is ignored: the tags are only shown.
std::vector<std::pair<std::string, int64_t>> top_tags(const std::string& text) {
  const nlohmann::json doc = nlohmann::json::parse(text, nullptr, false);
  std::map<std::string, int64_t> counts;
  if (doc.is_object())
    for (const auto& [dataset, tags] : doc.items())
      if (tags.is_object())
        for (const auto& [tag, count] : tags.items())
          if (count.is_number_integer()) counts[tag] += count.get<int64_t>();
  std::vector<std::pair<std::string, int64_t>> sorted(counts.begin(), counts.end());
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  if (sorted.size() > kTopTags) sorted.resize(kTopTags);
  return sorted;
}

// A trigger phrase from a file's own metadata, trimmed; none when it would not be usable in a
// prompt (empty, too long, control characters).
std::optional<std::string> usable_phrase(const std::string& text) {
  const size_t begin = text.find_first_not_of(" \t");
  if (begin == std::string::npos) return std::nullopt;
  const std::string phrase = text.substr(begin, text.find_last_not_of(" \t") + 1 - begin);
  if (phrase.size() > kMaxTriggerWordBytes) return std::nullopt;
  for (unsigned char c : phrase)
    if (c < 0x20 || c == 0x7f) return std::nullopt;
  return phrase;
}

}  // namespace

LoraInfo read_lora_info(const std::filesystem::path& file, const std::string& display,
                        const std::filesystem::path& sidecar, const std::string& sidecar_display) {
  LoraInfo info;
  info.file = display;
  info.sidecar_file = sidecar_display;
  try {
    SafetensorsSummary summary = read_safetensors_summary(file, display);
    info.header_read = true;
    info.tensors = summary.tensors;
    info.layout = summary.layout;
    info.metadata = std::move(summary.metadata);
  } catch (const util::InputError& e) {
    info.header_error = e.message();
  }
  info.sidecar = read_sidecar(sidecar, sidecar_display);

  auto meta = [&](const char* key) -> const std::string* {
    auto it = info.metadata.find(key);
    return it == info.metadata.end() || it->second.empty() ? nullptr : &it->second;
  };
  const std::string in_file = " in " + display;

  if (info.sidecar && info.sidecar->trigger_words) {
    info.trigger_words = *info.sidecar->trigger_words;
    info.trigger_words_source = "sidecar " + sidecar_display;
  } else if (const std::string* phrase = meta("modelspec.trigger_phrase")) {
    if (auto usable = usable_phrase(*phrase)) {
      info.trigger_words = {*usable};
      info.trigger_words_source = "modelspec.trigger_phrase" + in_file;
    }
  }
  if (info.sidecar && info.sidecar->recommended_strength) {
    info.recommended_weight = info.sidecar->recommended_strength;
    info.weight_source = "recommended_strength in " + sidecar_display;
  }
  if (info.sidecar && info.sidecar->base_model) info.base_models.push_back({*info.sidecar->base_model, "sidecar " + sidecar_display});
  for (const char* key : {"ss_base_model_version", "modelspec.architecture", "ss_sd_model_name"})
    if (const std::string* v = meta(key)) info.base_models.push_back({*v, key + in_file});
  if (const std::string* tags = meta("ss_tag_frequency")) info.top_tags = top_tags(*tags);
  return info;
}

}  // namespace dgxpx::lora
