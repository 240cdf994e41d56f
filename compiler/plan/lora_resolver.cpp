#include "compiler/plan/lora_resolver.h"

#include <algorithm>

#include "compiler/lora/registry.h"
#include "compiler/lora/sidecar.h"

namespace dgxpx::plan {
namespace fs = std::filesystem;

const util::Digest& LoraResolver::listing(const fs::path& folder) {
  auto it = listings_.find(folder.string());
  if (it == listings_.end()) it = listings_.emplace(folder.string(), folder_listing_digest(folder)).first;
  return it->second;
}

fs::path LoraResolver::registry_file(const manifest::LoraRef& ref, std::map<std::string, util::Digest>& folders_listed) {
  auto swap = project_.registry_status_swaps.find(ref.registry_status);
  const std::string& status = swap != project_.registry_status_swaps.end() ? swap->second : ref.registry_status;
  const fs::path folder = project_.lora_registry_dir / status;
  folders_listed[folder.string()] = listing(folder);
  const std::string id = status + "/" + ref.registry_name;
  auto hit = registry_hits_.find(id);
  if (hit != registry_hits_.end()) return hit->second;
  fs::path file = lora::resolve_registry_lora(project_.lora_registry_dir, manifest::display_path(project_, project_.lora_registry_dir),
                                              ref.registry_name, status, ref.where);
  return registry_hits_.emplace(id, file.lexically_normal()).first->second;
}

const lora::LoraInfo& LoraResolver::info(const fs::path& file, std::map<std::string, util::Digest>& files_used,
                                         std::map<std::string, util::Digest>& folders_listed) {
  const fs::path sidecar = lora::sidecar_path(file);
  auto it = known_.find(file.string());
  if (it == known_.end()) {
    Known known;
    std::error_code ec;
    if (fs::is_regular_file(sidecar, ec)) known.sidecar_digest = digests_.digest(sidecar);
    known.info = lora::read_lora_info(file, manifest::display_path(project_, file), sidecar, manifest::display_path(project_, sidecar));
    it = known_.emplace(file.string(), std::move(known)).first;
  }
  // Whether a sidecar exists is decided by the folder's listing; its content by its digest.
  folders_listed[file.parent_path().string()] = listing(file.parent_path());
  if (it->second.sidecar_digest) files_used[sidecar.string()] = *it->second.sidecar_digest;
  return it->second.info;
}

ResolvedLoras LoraResolver::resolve(const manifest::Preset& style, bool loads_weights,
                                    std::map<std::string, util::Digest>& files_used,
                                    std::map<std::string, util::Digest>& folders_listed) {
  ResolvedLoras out;
  std::vector<std::string> sources;
  for (const manifest::LoraRef& ref : style.loras) {
    fs::path file = ref.registry_name.empty() ? ref.file : registry_file(ref, folders_listed);
    if (auto swap = project_.lora_swaps.find(file.lexically_normal()); swap != project_.lora_swaps.end()) file = swap->second;
    const util::Digest digest = digests_.digest(file);
    files_used[file.string()] = digest;
    const lora::LoraInfo& meta = info(file, files_used, folders_listed);
    if (auto wrong = meta.non_sdxl_base())
      throw util::InputError(ref.where, util::expected_got("a LoRA trained for SDXL", "one for '" + wrong->value + "' (" +
                                                                                         wrong->source + ")"));
    if (loads_weights && !meta.header_read)
      throw util::InputError(ref.where, util::expected_got("a LoRA in safetensors format", meta.header_error));

    double weight = 1.0;
    std::string weight_source;
    if (ref.weight) {
      weight = *ref.weight;
    } else if (meta.recommended_weight) {
      weight = *meta.recommended_weight;
      weight_source = meta.weight_source;
    }
    out.specs.push_back({manifest::display_path(project_, file), weight});
    out.digests.push_back(digest);
    out.notes.weight_sources.push_back(weight_source);
    bool added = false;
    for (const auto& word : meta.trigger_words)
      if (std::find(out.trigger_words.begin(), out.trigger_words.end(), word) == out.trigger_words.end()) {
        out.trigger_words.push_back(word);
        added = true;
      }
    if (added) sources.push_back(meta.trigger_words_source);
  }
  out.notes.trigger_words = out.trigger_words;
  for (const auto& source : sources) out.notes.trigger_words_source += (out.notes.trigger_words_source.empty() ? "" : "; ") + source;
  return out;
}

}  // namespace dgxpx::plan
