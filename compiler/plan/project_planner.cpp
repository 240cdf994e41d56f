#include "compiler/plan/project_planner.h"

#include <sys/stat.h>

#include <optional>
#include <set>
#include <unordered_map>

#include <spdlog/spdlog.h>

#include "compiler/util/atomic_file.h"
#include "compiler/util/error.h"

namespace dgxpx::plan {
namespace fs = std::filesystem;

namespace {

// What every manifest file's plan depends on besides its own bytes and the files its assets
// name: the program, the project's place, and every settings, rule and preset file.
// nullopt when the program cannot be identified: then no entry can be trusted or written.
std::optional<util::Digest> context_digest(const manifest::Workspace& ws, const fs::path& dgxpx_binary,
                                           FileDigestCache& digests) {
  util::KeyHasher h;
  h.add("dgxpx-plan-context", static_cast<int64_t>(kPlanCacheFormat));
  h.add("key-format", static_cast<int64_t>(kKeyFormatVersion));
  try {
    h.add("binary", digests.digest(dgxpx_binary));
  } catch (const util::RuntimeFailure& e) {
    spdlog::debug("plan cache off: {}", e.what());
    return std::nullopt;
  }
  h.add("root", ws.project.root.string());
  // A compare variant's LoRA and status swaps change what its files plan to.
  for (const auto& [old_file, new_file] : ws.project.lora_swaps) h.add("lora-swap", old_file.string() + "=" + new_file.string());
  for (const auto& [old_status, new_status] : ws.project.registry_status_swaps) h.add("status-swap", old_status + "=" + new_status);
  h.add("settings-files", static_cast<int64_t>(ws.settings_files.size()));
  for (const auto& file : ws.settings_files) h.add(file.string(), digests.digest(file));
  return h.finish();
}

// A cached file plan holds while the files its keys hashed still have those digests, the
// folders it looked LoRAs up in list the same names, and every step's spec file is there (the entry keeps no spec JSON to rewrite one).
// `listings` remembers folder listings within one plan: many files name the same LoRA folder.
bool still_valid(const FilePlan& cached, FileDigestCache& digests, const SpecFiles& specs,
                 std::map<std::string, util::Digest>& listings) {
  for (const auto& [path, digest] : cached.files_used) {
    try {
      if (digests.digest(path) != digest) return false;
    } catch (const util::RuntimeFailure&) {
      return false;  // gone: re-reading the manifest reports it where it is named
    }
  }
  for (const auto& [folder, listing] : cached.folders_listed) {
    auto seen = listings.find(folder);
    if (seen == listings.end()) seen = listings.emplace(folder, folder_listing_digest(folder)).first;
    if (seen->second != listing) return false;
  }
  for (const auto& asset : cached.assets)
    for (const auto& step : asset.steps)
      if (!specs.has(step.kind, step.key)) return false;
  return true;
}

// Whether every record of a cached file is on disk as it is now, so write_plan will not need
// its fields.
bool records_current(const FilePlan& cached, const std::unordered_map<std::string, util::Digest>& index,
                     const fs::path& state_dir) {
  std::string path = (state_dir / "records").string() + "/";  // one buffer: 10,000 stats a plan
  const size_t folder = path.size();
  for (const auto& asset : cached.assets) {
    auto it = index.find(asset.record.asset);
    if (it == index.end() || it->second != asset.record.digest) return false;
    path.resize(folder);
    path.append(asset.record.asset).append(".json");
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return false;
  }
  return true;
}

struct FileSlot {
  util::Digest key;
  std::optional<FilePlan> plan;          // from the cache, or planned below
  std::vector<manifest::Asset> assets;   // read this time (cache miss)
  bool replanned = false;
};

}  // namespace

ProjectPlan plan_project(const fs::path& root, const fs::path& builtin_dir, const fs::path& dgxpx_binary,
                         FileDigestCache& digests, RecordDetail detail, CacheWrites writes) {
  ProjectPlan result;
  manifest::Workspace& ws = result.workspace;
  ws = manifest::load_workspace_settings(root, builtin_dir);
  const std::optional<util::Digest> context = context_digest(ws, dgxpx_binary, digests);
  result.specs = SpecFiles::list(ws.project.state_dir);
  const SpecFiles& specs = result.specs;
  const PlanCache cache(ws.project.state_dir / "plan-cache");
  std::unordered_map<std::string, util::Digest> records_index;
  if (detail == RecordDetail::changed) records_index = read_records_index(ws.project);

  // Read in file order, so that errors (and duplicate names) come out as loading from scratch
  // reports them: a cached file's names are claimed where its text would have been read.
  manifest::AssetNames names;
  std::map<std::string, util::Digest> listings;
  std::vector<FileSlot> slots(ws.manifest_files.size());
  for (size_t i = 0; i < ws.manifest_files.size(); ++i) {
    const fs::path& file = ws.manifest_files[i];
    const std::string display = manifest::display_path(ws.project, file);
    const std::string text = util::read_file_or_throw(file);
    FileSlot& slot = slots[i];
    if (context) {
      slot.key = plan_cache_key(*context, display, text);
      if (detail == RecordDetail::changed) {
        slot.plan = cache.load(slot.key, display, RecordFields::skip);
        if (slot.plan && !records_current(*slot.plan, records_index, ws.project.state_dir))
          slot.plan = cache.load(slot.key, display, RecordFields::decode);
      } else {
        slot.plan = cache.load(slot.key, display);
      }
    }
    if (slot.plan && !still_valid(*slot.plan, digests, specs, listings)) slot.plan.reset();
    if (slot.plan) {
      for (const auto& asset : slot.plan->assets) names.claim(asset.record.asset, asset.name_where);
      continue;
    }
    slot.assets = manifest::load_manifest_file(ws, file, text, names);
    slot.replanned = true;
  }

  const SpecExists spec_exists = [&specs](StepKind kind, const util::Digest& key) { return specs.has(kind, key); };
  std::set<fs::path> used_files;
  for (auto& slot : slots) {
    if (slot.replanned) slot.plan = plan_assets(ws.project, slot.assets, digests, spec_exists);
    for (const auto& [path, _] : slot.plan->files_used) used_files.insert(path);
    // A folder's mtime moves when a file appears in it (a sidecar, a promoted version); a
    // missing one cannot be an input of the generator edge.
    std::error_code ec;
    for (const auto& [folder, _] : slot.plan->folders_listed)
      if (fs::is_directory(folder, ec)) used_files.insert(folder);
  }
  ws.inputs.insert(ws.inputs.end(), used_files.begin(), used_files.end());

  // Entries hold no spec JSON, so encode before assembly moves the steps away.
  std::vector<std::pair<util::Digest, std::string>> new_entries;
  std::set<util::Digest> live;
  std::vector<FilePlan> files;
  for (auto& slot : slots) {
    live.insert(slot.key);
    if (slot.replanned) {
      if (context) new_entries.emplace_back(slot.key, encode_file_plan(slot.key, *slot.plan));
      ++result.files_replanned;
    }
    files.push_back(std::move(*slot.plan));
  }
  result.manifest_files = static_cast<int>(slots.size());
  result.plan = assemble_plan(std::move(files));

  // Only now is the plan known good (bad input writes nothing).
  if (!context || writes == CacheWrites::none) return result;
  for (const auto& [key, entry] : new_entries) cache.store(key, entry);
  cache.prune(live);
  return result;
}

}  // namespace dgxpx::plan
