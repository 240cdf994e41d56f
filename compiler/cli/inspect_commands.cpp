// `dgxpx status` (what would run and why) and `dgxpx explain ASSET` (why it rebuilt or would).
#include <cstdio>
#include <map>

#include "compiler/backend/step_log.h"
#include "compiler/cli/command.h"
#include "compiler/cli/ninja_process.h"
#include "compiler/cli/project_context.h"
#include "compiler/util/error.h"

namespace dgxpx::cli {
namespace fs = std::filesystem;

namespace {

// The asset a step name belongs to: the longest asset name that prefixes it.
std::string asset_of(const std::string& step_name, const std::vector<plan::AssetRecord>& records) {
  std::string best;
  for (const auto& r : records)
    if ((step_name == r.asset || step_name.rfind(r.asset + "/", 0) == 0) && r.asset.size() > best.size()) best = r.asset;
  return best;
}

}  // namespace

int run_status(const GlobalOptions& global, const std::vector<std::string>& args) {
  if (!args.empty()) throw util::InputError(util::expected_got("no arguments to status", "'" + args[0] + "'"));
  fs::path root = project_root(global);
  manifest::ProjectConfig project = manifest::load_project(root);
  // Status needs asset names only, not the fields behind their keys.
  PlanUpdate update = ensure_plan_current(project, plan::RecordDetail::changed);
  Planned planned = update.planned ? std::move(*update.planned) : plan_in_memory(root, plan::RecordDetail::changed);
  std::map<std::string, std::vector<std::string>> dirty;  // asset → steps that would run
  std::string build_file = manifest::display_path(project, project.state_dir / "build.ninja");
  run_ninja({root, {"-f", build_file, "-n"}, {{"NINJA_STATUS", "[%f/%t] "}}}, [&](const std::string& line) {
    size_t close = line.find("] ");
    if (line.empty() || line[0] != '[' || close == std::string::npos) return;
    std::string step = line.substr(close + 2);               // "gen hero/walk/down/3"
    std::string name = step.substr(step.find(' ') + 1);
    dirty[asset_of(name, planned.plan.records)].push_back(step);
  });
  if (dirty.empty()) {
    std::printf("up to date: %zu assets, %zu steps\n", planned.plan.records.size(), planned.plan.steps.size());
    return kExitOk;
  }
  for (const auto& [asset, steps] : dirty) {
    std::printf("%s: %zu step%s to run\n", asset.c_str(), steps.size(), steps.size() == 1 ? "" : "s");
    auto stored = plan::read_record(project, asset);
    bool explained = false;
    if (stored)
      for (const auto& reason : stored->last_changes) {
        std::printf("  %s\n", reason.c_str());
        explained = true;
      }
    if (!explained) std::printf("  outputs missing or never built\n");
  }
  return kExitOk;
}

int run_explain(const GlobalOptions& global, const std::vector<std::string>& args) {
  if (args.size() != 1) throw util::InputError(util::expected_got("one asset name", std::to_string(args.size()) + " arguments"));
  const std::string& asset = args[0];
  fs::path root = project_root(global);
  manifest::ProjectConfig project = manifest::load_project(root);
  auto stored = plan::read_record(project, asset);
  Planned now = plan_in_memory(root);
  const plan::AssetRecord* current = nullptr;
  for (const auto& r : now.plan.records)
    if (r.asset == asset) current = &r;
  if (!current && !stored) throw util::InputError("no asset named '" + asset + "' in this project");
  if (!current) {
    std::printf("%s: removed from the manifests; the next build deletes its outputs\n", asset.c_str());
    return kExitOk;
  }
  auto pending = plan::diff_records(stored ? &stored->record : nullptr, *current);
  if (!pending.empty()) {
    std::printf("%s would rebuild now:\n", asset.c_str());
    for (const auto& r : pending) std::printf("  %s\n", r.c_str());
    return kExitOk;
  }
  for (const auto& step : now.plan.steps) {
    if (step.kind != plan::StepKind::pack || step.name != asset) continue;
    for (const auto& out : step.outputs)
      if (!fs::exists(root / out)) std::printf("%s would rebuild now: %s is missing (restored from the cache when it is there)\n", asset.c_str(), out.c_str());
  }
  // What the last build did for this asset, and why it was planned that way.
  std::vector<std::string> ran;
  for (const auto& e : backend::read_step_log(project.state_dir / "logs" / "last-build.log")) {
    if (e.event != backend::StepEvent::ran && e.event != backend::StepEvent::from_cache) continue;
    if (e.name == asset || e.name.rfind(asset + "/", 0) == 0)
      ran.push_back(e.kind + " " + e.name + (e.event == backend::StepEvent::ran ? " (ran)" : " (from cache)"));
  }
  if (ran.empty()) std::printf("%s: up to date; nothing ran for it in the last build\n", asset.c_str());
  else {
    std::printf("%s: the last build ran %zu of its steps:\n", asset.c_str(), ran.size());
    for (const auto& r : ran) std::printf("  %s\n", r.c_str());
  }
  if (stored && !stored->last_changes.empty()) {
    std::printf("because, when it was last planned:\n");
    for (const auto& r : stored->last_changes) std::printf("  %s\n", r.c_str());
  }
  return kExitOk;
}

}  // namespace dgxpx::cli
