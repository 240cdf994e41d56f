#include "compiler/plan/plan_store.h"

#include <sys/stat.h>

#include <map>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "compiler/plan/ninja_writer.h"
#include "compiler/util/atomic_file.h"

namespace dgxpx::plan {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::optional<StepKind> kind_from(const std::string& s) {
  if (s == "gen") return StepKind::gen;
  if (s == "pixel") return StepKind::pixel;
  if (s == "pack") return StepKind::pack;
  return std::nullopt;
}

json record_steps_json(const AssetRecord& r) {
  json steps = json::array();
  for (const auto& s : r.steps) {
    json fields = json::array();
    for (const auto& f : s.fields) fields.push_back({f.name, f.value, f.display});
    steps.push_back({{"kind", to_string(s.kind)}, {"name", s.name}, {"key", s.key.hex()}, {"fields", fields}});
  }
  return steps;
}

std::optional<AssetRecord> record_from_json(const json& j) {
  AssetRecord r;
  if (!j.is_object() || !j.contains("asset") || !j.contains("steps")) return std::nullopt;
  r.asset = j.at("asset").get<std::string>();
  r.kind = j.value("kind", "");
  for (const auto& s : j.at("steps")) {
    auto kind = kind_from(s.at("kind").get<std::string>());
    auto key = util::Digest::from_hex(s.at("key").get<std::string>());
    if (!kind || !key) return std::nullopt;
    StepRecord step{*kind, s.at("name").get<std::string>(), *key, {}};
    for (const auto& f : s.at("fields"))
      step.fields.push_back({f.at(0).get<std::string>(), f.at(1).get<std::string>(), f.at(2).get<std::string>()});
    r.steps.push_back(std::move(step));
  }
  return r;
}

fs::path record_path(const manifest::ProjectConfig& p, const std::string& asset) {
  return p.state_dir / "records" / (asset + ".json");
}

std::string stat_line(const fs::path& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return "missing " + path.string();
  // Folders: only their mtime matters (a file added or removed); their size is noise.
  long long size = S_ISDIR(st.st_mode) ? 0 : static_cast<long long>(st.st_size);
  long long mtime = static_cast<long long>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  return std::to_string(size) + " " + std::to_string(mtime) + " " + path.string();
}

std::string stamp_text(const std::vector<fs::path>& inputs, const std::string& dgxpx_command) {
  std::string out = "dgxpx-stamp 1\n" + stat_line(dgxpx_command) + "\n";
  for (const auto& p : inputs) out += stat_line(p) + "\n";
  return out;
}

std::string quote_value(const std::string& s) {
  std::string shown = s.size() > 80 ? s.substr(0, 77) + "..." : s;
  return "'" + shown + "'";
}

void prune_folder(const fs::path& dir, const std::set<std::string>& keep) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return;
  for (const auto& entry : fs::directory_iterator(dir, ec))
    if (!keep.count(entry.path().filename().string())) fs::remove(entry.path(), ec);
}

}  // namespace

std::vector<std::string> diff_records(const AssetRecord* before, const AssetRecord& now) {
  std::vector<std::string> reasons;
  std::map<std::string, const StepRecord*> old_steps;
  if (before)
    for (const auto& s : before->steps) old_steps[std::string(to_string(s.kind)) + " " + s.name] = &s;
  for (const auto& s : now.steps) {
    std::string label = std::string(to_string(s.kind)) + " " + s.name;
    auto it = old_steps.find(std::string(to_string(s.kind)) + " " + s.name);
    if (it == old_steps.end()) {
      reasons.push_back(label + ": new step");
      continue;
    }
    const StepRecord& old = *it->second;
    if (old.key == s.key) continue;
    std::map<std::string, const KeyField*> old_fields;
    for (const auto& f : old.fields) old_fields[f.name] = &f;
    std::set<std::string> seen;
    for (const auto& f : s.fields) {
      seen.insert(f.name);
      auto of = old_fields.find(f.name);
      if (of == old_fields.end()) reasons.push_back(label + ": " + f.name + " added: " + quote_value(f.shown()));
      else if (of->second->value != f.value)
        reasons.push_back(label + ": " + f.name + " changed: " + quote_value(of->second->shown()) + " → " + quote_value(f.shown()));
    }
    for (const auto& f : old.fields)
      if (!seen.count(f.name)) reasons.push_back(label + ": " + f.name + " removed (was " + quote_value(f.shown()) + ")");
    if (reasons.empty() || reasons.back().rfind(label, 0) != 0) reasons.push_back(label + ": key format changed");
  }
  return reasons;
}

std::optional<StoredRecord> read_record(const manifest::ProjectConfig& project, const std::string& asset) {
  auto text = util::read_file(record_path(project, asset));
  if (!text) return std::nullopt;
  json j = json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return std::nullopt;
  try {
    auto record = record_from_json(j);
    if (!record) return std::nullopt;
    StoredRecord stored{std::move(*record), {}};
    for (const auto& c : j.value("last_changes", json::array())) stored.last_changes.push_back(c.get<std::string>());
    return stored;
  } catch (const json::exception&) {
    return std::nullopt;
  }
}

PlanWriteResult write_plan(const manifest::Workspace& ws, const Plan& plan, const std::string& dgxpx_command) {
  const auto& project = ws.project;
  PlanWriteResult result;
  std::error_code ec;

  // Step specs: keyed names, so existing ones are already right.
  std::map<std::string, std::set<std::string>> live_specs;
  for (const auto& step : plan.steps) {
    fs::path spec = project.root / step.spec_path;
    live_specs[to_string(step.kind)].insert(spec.filename().string());
    if (fs::exists(spec, ec)) continue;
    util::write_file_atomic(spec, step.spec_json);
    ++result.specs_written;
  }

  // Records: compare each asset's record digest with the index; rewrite only changed ones.
  std::map<std::string, std::string> old_index;
  if (auto text = util::read_file(project.state_dir / "records.index")) {
    std::istringstream in(*text);
    std::string digest, asset;
    while (in >> digest >> asset) old_index[asset] = digest;
  }
  std::string new_index;
  std::set<std::string> live_assets;
  for (const auto& record : plan.records) {
    json steps = record_steps_json(record);
    std::string digest = util::digest_bytes(steps.dump()).hex();
    new_index += digest + " " + record.asset + "\n";
    live_assets.insert(record.asset);
    auto it = old_index.find(record.asset);
    if (it != old_index.end() && it->second == digest && fs::exists(record_path(project, record.asset), ec)) continue;
    auto before = read_record(project, record.asset);
    if (before) result.previous.push_back(before->record);
    json file = {{"asset", record.asset}, {"kind", record.kind}, {"steps", steps},
                 {"last_changes", diff_records(before ? &before->record : nullptr, record)}};
    util::write_file_atomic(record_path(project, record.asset), file.dump(1));
    ++result.assets_changed;
  }
  for (const auto& [asset, _] : old_index) {
    if (live_assets.count(asset)) continue;
    fs::remove(record_path(project, asset), ec);
    ++result.assets_changed;
  }
  util::write_file_if_changed(project.state_dir / "records.index", new_index);

  if (result.assets_changed > 0 || result.specs_written > 0)
    for (const char* kind : {"gen", "pixel", "pack"}) prune_folder(project.state_dir / "steps" / kind, live_specs[kind]);

  NinjaFileOptions options;
  options.dgxpx_command = dgxpx_command;
  options.dgxpx_sdxl_command = (fs::path(dgxpx_command).parent_path() / "dgxpx-sdxl").string();
  options.build_file = manifest::display_path(project, project.state_dir / "build.ninja");
  options.build_dir = manifest::display_path(project, project.state_dir);
  options.gen_jobs = project.gen_jobs;
  for (const auto& input : ws.inputs) options.regenerate_inputs.push_back(manifest::display_path(project, input));
  result.ninja_file_changed =
      util::write_file_if_changed(project.state_dir / "build.ninja", render_ninja_file(plan, options));

  json counts = {{"gen", plan.gen_steps}, {"pixel", plan.pixel_steps}, {"pack", plan.pack_steps},
                {"placeholder_gen", plan.placeholder_gen_steps}};
  util::write_file_if_changed(project.state_dir / "plan.json", counts.dump() + "\n");
  // The stamp goes last: if anything above failed, the next build plans again.
  util::write_file_if_changed(project.state_dir / "inputs.stamp", stamp_text(ws.inputs, dgxpx_command));
  return result;
}

bool plan_is_current(const manifest::ProjectConfig& project, const std::string& dgxpx_command) {
  std::error_code ec;
  if (!fs::exists(project.state_dir / "build.ninja", ec)) return false;
  auto stamp = util::read_file(project.state_dir / "inputs.stamp");
  if (!stamp) return false;
  std::istringstream in(*stamp);
  std::string line;
  if (!std::getline(in, line) || line != "dgxpx-stamp 1") return false;
  if (!std::getline(in, line) || line != stat_line(dgxpx_command)) return false;
  while (std::getline(in, line)) {
    size_t first = line.find(' ');
    size_t second = first == std::string::npos ? first : line.find(' ', first + 1);
    if (second == std::string::npos) return false;
    if (stat_line(line.substr(second + 1)) != line) return false;
  }
  // A new manifest file shows as a changed folder mtime, which the loop above caught.
  return true;
}

PlanCounts read_plan_counts(const manifest::ProjectConfig& project) {
  PlanCounts c;
  auto text = util::read_file(project.state_dir / "plan.json");
  if (!text) return c;
  json j = json::parse(*text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return c;
  c.gen = j.value("gen", 0);
  c.pixel = j.value("pixel", 0);
  c.pack = j.value("pack", 0);
  c.placeholder_gen = j.value("placeholder_gen", 0);
  return c;
}

}  // namespace dgxpx::plan
