#include "compiler/plan/plan_store.h"

#include <dirent.h>
#include <sys/stat.h>

#include <map>
#include <set>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

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
  if (const auto settings = j.find("settings"); settings != j.end() && settings->is_array())
    for (const auto& f : *settings) r.settings.push_back({f.at(0).get<std::string>(), f.at(1).get<std::string>(), ""});
  return r;
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

json settings_json(const AssetRecord& r) {
  json settings = json::array();
  for (const auto& f : r.settings) settings.push_back({f.name, f.value});
  return settings;
}

json changes_json(const std::vector<FieldChange>& changes) {
  json out = json::array();
  for (const auto& c : changes) {
    json change = {{"kind", to_string(c.kind)}, {"step", c.step}, {"what", static_cast<int>(c.what)},
                   {"field", c.field}, {"before", c.before}, {"after", c.after}};
    if (c.asset_setting) change["setting"] = true;
    out.push_back(std::move(change));
  }
  return out;
}

// Entries this version cannot read (older formats) are left out: they only explain.
std::vector<FieldChange> changes_from_json(const json& j) {
  std::vector<FieldChange> changes;
  if (!j.is_array()) return changes;
  for (const auto& c : j) {
    if (!c.is_object()) continue;
    auto kind = kind_from(c.value("kind", ""));
    const int what = c.value("what", -1);
    if (!kind || what < 0 || what > static_cast<int>(FieldChange::What::key_format)) continue;
    changes.push_back({*kind, c.value("step", ""), static_cast<FieldChange::What>(what), c.value("field", ""),
                       c.value("before", ""), c.value("after", ""), c.value("setting", false)});
  }
  return changes;
}

}  // namespace

fs::path record_path(const manifest::ProjectConfig& project, const std::string& asset) {
  return project.state_dir / "records" / (asset + ".json");
}

// "<record digest> <asset>" per line.
std::unordered_map<std::string, util::Digest> read_records_index(const manifest::ProjectConfig& project) {
  std::unordered_map<std::string, util::Digest> index;
  auto text = util::read_file(project.state_dir / "records.index");
  if (!text) return index;
  std::string_view rest = *text;
  while (!rest.empty()) {
    size_t end = rest.find('\n');
    std::string_view line = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    if (line.size() < 34 || line[32] != ' ') continue;
    if (auto digest = util::Digest::from_hex(line.substr(0, 32))) index.emplace(std::string(line.substr(33)), *digest);
  }
  return index;
}

std::optional<StoredRecord> read_record(const manifest::ProjectConfig& project, const std::string& asset) {
  auto text = util::read_file(record_path(project, asset));
  if (!text) return std::nullopt;
  json j = json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return std::nullopt;
  try {
    auto record = record_from_json(j);
    if (!record) return std::nullopt;
    record->digest = record_digest(*record);
    StoredRecord stored{std::move(*record), {}};
    stored.last_changes = changes_from_json(j.value("last_changes", json::array()));
    return stored;
  } catch (const json::exception&) {
    return std::nullopt;
  }
}

SpecFiles SpecFiles::list(const fs::path& state_dir) {
  SpecFiles specs;
  for (StepKind kind : {StepKind::gen, StepKind::pixel, StepKind::pack}) {
    // readdir itself: 30,000 directory_iterator entries cost more than the rest of a re-plan's
    // bookkeeping.
    DIR* dir = ::opendir((state_dir / "steps" / to_string(kind)).c_str());
    if (!dir) continue;
    while (const dirent* entry = ::readdir(dir)) {
      std::string_view name = entry->d_name;
      if (name == "." || name == "..") continue;
      std::optional<util::Digest> key;
      if (name.size() == 32 + 5 && name.substr(32) == ".json") key = util::Digest::from_hex(name.substr(0, 32));
      if (key) specs.keys_[index(kind)].insert(*key);
      else specs.strays_[index(kind)].emplace_back(name);
    }
    ::closedir(dir);
  }
  return specs;
}

NinjaFileOptions ninja_file_options(const manifest::ProjectConfig& project, const std::string& dgxpx_command) {
  NinjaFileOptions options;
  options.dgxpx_command = dgxpx_command;
  options.build_file = manifest::display_path(project, project.state_dir / "build.ninja");
  options.build_dir = manifest::display_path(project, project.state_dir);
  options.gen_launcher = project.gen_launcher;
  // Through the worker, requests in flight cost nothing but a queue slot: let a full batch wait
  // while another runs. Without it each gen step loads its own model: gen_jobs bounds that.
  options.gen_jobs = project.worker.enabled ? std::max(project.gen_jobs, 2 * project.worker.max_batch)
                                            : project.gen_jobs;
  return options;
}

int write_step_specs(const manifest::ProjectConfig& project, const Plan& plan, const SpecFiles& existing) {
  int written = 0;
  for (const auto& step : plan.steps) {
    // Keyed names, so existing ones are already right.
    if (existing.has(step.kind, step.key)) continue;
    // The planner skips the JSON of specs that existed when it looked.
    if (step.spec_json.empty())
      throw util::RuntimeFailure(step.spec_path + " disappeared while planning; run the command again");
    std::error_code ec;
    if (fs::exists(project.root / step.spec_path, ec)) continue;  // an earlier call wrote it
    util::write_file_atomic(project.root / step.spec_path, step.spec_json);
    ++written;
  }
  return written;
}

PlanWriteResult write_plan(const manifest::Workspace& ws, const Plan& plan, const SpecFiles& existing,
                           const std::string& dgxpx_command) {
  const auto& project = ws.project;
  PlanWriteResult result;
  std::error_code ec;

  result.specs_written = write_step_specs(project, plan, existing);
  std::array<std::unordered_set<util::Digest, DigestHash>, 3> live_specs;
  for (const auto& step : plan.steps) live_specs[static_cast<size_t>(step.kind)].insert(step.key);
  for (StepKind kind : {StepKind::gen, StepKind::pixel, StepKind::pack}) {
    const fs::path dir = project.state_dir / "steps" / to_string(kind);
    for (const auto& key : existing.keys(kind))
      if (!live_specs[static_cast<size_t>(kind)].count(key)) fs::remove(dir / (key.hex() + ".json"), ec);
    for (const auto& stray : existing.strays(kind)) fs::remove(dir / stray, ec);
  }

  // Records: compare each asset's record digest with the index; rewrite only changed ones.
  std::unordered_map<std::string, util::Digest> old_index = read_records_index(project);
  std::string new_index;
  new_index.reserve(plan.records.size() * 48);
  const std::string records_dir = (project.state_dir / "records").string() + "/";
  for (const auto& record : plan.records) {
    new_index.append(record.digest.hex()).append(" ").append(record.asset).append("\n");
    auto it = old_index.find(record.asset);
    const bool unchanged = it != old_index.end() && it->second == record.digest;
    if (it != old_index.end()) old_index.erase(it);  // what is left at the end was removed
    // A record without fields was, when the planner looked, on disk and indexed as it is.
    if (!record.fields_loaded) continue;
    struct stat st;
    if (unchanged && ::stat((records_dir + record.asset + ".json").c_str(), &st) == 0) continue;
    auto before = read_record(project, record.asset);
    if (before) result.previous.push_back(before->record);
    std::vector<FieldChange> changes = diff_records(before ? &before->record : nullptr, record);
    // No key changed (only what explain shows, or the index format): the last reasons still hold.
    if (changes.empty() && before) changes = before->last_changes;
    json file = {{"asset", record.asset}, {"kind", record.kind}, {"steps", record_steps_json(record)},
                 {"settings", settings_json(record)}, {"last_changes", changes_json(changes)}};
    util::write_file_atomic(record_path(project, record.asset), file.dump(1));
    ++result.assets_changed;
  }
  for (const auto& [asset, _] : old_index) {
    fs::remove(record_path(project, asset), ec);
    ++result.assets_changed;
  }
  util::write_file_if_changed(project.state_dir / "records.index", new_index);

  NinjaFileOptions options = ninja_file_options(project, dgxpx_command);
  for (const auto& input : ws.inputs) options.regenerate_inputs.push_back(manifest::display_path(project, input));
  std::string rendered = render_ninja_file(plan, options);
  result.ninja_file_changed = util::write_file_if_changed(project.state_dir / "build.ninja", rendered);

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
