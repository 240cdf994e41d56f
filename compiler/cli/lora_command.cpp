// `dgxpx lora info FILE [--json]`: what a LoRA file says about how to use it (its safetensors
// metadata and sidecar), and what a build would take from it.
#include <cstdio>
#include <filesystem>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "compiler/cli/command.h"
#include "compiler/lora/lora_info.h"
#include "compiler/lora/sidecar.h"
#include "compiler/util/error.h"

namespace dgxpx::cli {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// Training details worth a line of their own, by kohya/sd-scripts' and the model spec's names.
const std::vector<std::pair<const char*, const char*>> kTrainingKeys = {
    {"ss_sd_model_name", "trained on"},     {"ss_resolution", "resolution"},
    {"ss_network_module", "network"},       {"ss_network_dim", "rank (dim)"},
    {"ss_network_alpha", "alpha"},          {"ss_num_train_images", "training images"},
    {"ss_num_epochs", "epochs"},            {"ss_max_train_steps", "steps"},
    {"ss_learning_rate", "learning rate"},  {"ss_output_name", "output name"},
    {"modelspec.title", "title"},           {"modelspec.author", "author"},
};

std::string join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : ", ") + w;
  return out;
}

json info_json(const lora::LoraInfo& info) {
  json j = {{"file", info.file}, {"safetensors", info.header_read}, {"sidecar", nullptr}};
  if (info.header_read) {
    j["tensors"] = info.tensors;
    j["layout"] = info.layout;
  } else {
    j["header_error"] = info.header_error;
  }
  json metadata = json::object();
  for (const auto& [key, value] : info.metadata)
    if (key != "ss_tag_frequency" && key != "ss_dataset_dirs") metadata[key] = value;  // both can be megabytes
  j["metadata"] = metadata;
  if (info.sidecar) {
    const lora::Sidecar& s = *info.sidecar;
    json side = {{"file", s.file}, {"other_keys", s.other_keys}};
    side["trigger_words"] = s.trigger_words ? json(*s.trigger_words) : json(nullptr);
    side["recommended_strength"] = s.recommended_strength ? json(*s.recommended_strength) : json(nullptr);
    side["base_model"] = s.base_model ? json(*s.base_model) : json(nullptr);
    side["status"] = s.status ? json(*s.status) : json(nullptr);
    j["sidecar"] = side;
  }
  j["trigger_words"] = {{"words", info.trigger_words}, {"source", info.trigger_words_source}};
  j["weight"] = info.recommended_weight ? json{{"value", *info.recommended_weight}, {"source", info.weight_source}}
                                        : json{{"value", 1.0}, {"source", "default"}};
  json bases = json::array();
  for (const auto& claim : info.base_models)
    bases.push_back({{"value", claim.value}, {"source", claim.source},
                     {"family", lora::to_string(lora::classify_base_model(claim.value))}});
  j["base_models"] = bases;
  const auto wrong = info.non_sdxl_base();
  j["usable_with_sdxl"] = !wrong && info.header_read;
  json tags = json::array();
  for (const auto& [tag, count] : info.top_tags) tags.push_back({tag, count});
  j["top_tags"] = tags;
  return j;
}

void print_info(const lora::LoraInfo& info) {
  if (info.header_read)
    std::printf("%s: safetensors, %zu tensors (%s layout)\n", info.file.c_str(), info.tensors, info.layout.c_str());
  else
    std::printf("%s: not a readable safetensors file: %s\n", info.file.c_str(), info.header_error.c_str());
  std::printf("  sidecar:        %s\n", info.sidecar ? info.sidecar_file.c_str() : ("none (" + info.sidecar_file + ")").c_str());
  if (info.base_models.empty()) std::printf("  base model:     not stated\n");
  for (const auto& claim : info.base_models)
    std::printf("  base model:     %s → %s (%s)\n", claim.value.c_str(), lora::to_string(lora::classify_base_model(claim.value)),
                claim.source.c_str());
  if (info.trigger_words.empty()) std::printf("  trigger words:  none\n");
  else std::printf("  trigger words:  %s (%s)\n", join(info.trigger_words).c_str(), info.trigger_words_source.c_str());
  if (info.recommended_weight)
    std::printf("  weight:         %g (%s)\n", *info.recommended_weight, info.weight_source.c_str());
  else
    std::printf("  weight:         1 (default; a preset's weight always wins)\n");
  if (info.sidecar && info.sidecar->status) std::printf("  status:         %s\n", info.sidecar->status->c_str());
  for (const auto& [key, label] : kTrainingKeys) {
    auto it = info.metadata.find(key);
    if (it != info.metadata.end() && !it->second.empty())
      std::printf("  %-15s %s\n", (std::string(label) + ":").c_str(), it->second.c_str());
  }
  if (!info.top_tags.empty()) {
    std::string tags;
    for (const auto& [tag, count] : info.top_tags) tags += (tags.empty() ? "" : ", ") + tag + " (" + std::to_string(count) + ")";
    std::printf("  top tags:       %s\n", tags.c_str());
  }
  if (auto wrong = info.non_sdxl_base())
    std::printf("  unusable: trained for %s, not SDXL (%s)\n", wrong->value.c_str(), wrong->source.c_str());
}

}  // namespace

CommandBody define_lora(CLI::App& app, const GlobalOptions&) {
  struct Options {
    std::string file;
    bool json = false;
  };
  auto options = std::make_shared<Options>();
  app.require_subcommand(1);
  CLI::App* info = app.add_subcommand("info", "print a LoRA file's metadata, sidecar and what a build takes from them");
  info->add_option("FILE", options->file, "a LoRA .safetensors file")->required();
  info->add_flag("--json", options->json, "print one JSON object");
  return [options]() -> int {
    const fs::path file = options->file;
    std::error_code ec;
    if (!fs::is_regular_file(file, ec))
      throw util::InputError(util::expected_got("a LoRA file", "'" + options->file + "', which does not exist"));
    const fs::path sidecar = lora::sidecar_path(file);
    const lora::LoraInfo info = lora::read_lora_info(file, file.generic_string(), sidecar, sidecar.generic_string());
    if (options->json) std::printf("%s\n", info_json(info).dump().c_str());
    else print_info(info);
    return info.header_read ? kExitOk : kExitBadInput;
  };
}

}  // namespace dgxpx::cli
