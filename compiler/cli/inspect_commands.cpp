// `dgxpx status` (what would run and why) and `dgxpx explain ASSET` (why it rebuilt or would).
// Both plan in memory and write nothing.
#include <cstdio>
#include <memory>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "compiler/backend/step_log.h"
#include "compiler/cli/command.h"
#include "compiler/cli/project_context.h"
#include "compiler/cli/work_summary.h"
#include "compiler/plan/pending_work.h"
#include "compiler/util/error.h"

namespace dgxpx::cli {
namespace fs = std::filesystem;

namespace {

struct StatusOptions {
  bool json = false;
};

int run_status(const GlobalOptions& global, const StatusOptions& options) {
  fs::path root = project_root(global);
  manifest::ProjectConfig project = manifest::load_project(root);
  Planned planned = plan_in_memory(root, plan::RecordDetail::all, plan::CacheWrites::none);
  const plan::PendingWork work = plan::pending_work(project, planned.plan, planned.specs);
  if (options.json) {
    std::printf("%s\n", pending_work_json(work, planned.plan).dump().c_str());
    return kExitOk;
  }
  print_pending_work(work, planned.plan, global.verbose);
  return kExitOk;
}

struct ExplainOptions {
  std::string asset;
};

void print_lines(const std::vector<std::string>& lines) {
  for (const auto& line : lines) std::printf("  %s\n", line.c_str());
}

int run_explain(const GlobalOptions& global, const ExplainOptions& options) {
  const std::string& asset = options.asset;
  fs::path root = project_root(global);
  manifest::ProjectConfig project = manifest::load_project(root);
  auto stored = plan::read_record(project, asset);
  Planned now = plan_in_memory(root, plan::RecordDetail::all, plan::CacheWrites::none);
  const plan::AssetRecord* current = nullptr;
  for (const auto& r : now.plan.records)
    if (r.asset == asset) current = &r;
  if (!current && !stored) {
    std::string known;
    for (size_t i = 0; i < now.plan.records.size() && i < 8; ++i)
      known += (i ? ", " : "") + now.plan.records[i].asset;
    if (now.plan.records.size() > 8) known += ", ...";
    throw util::InputError(util::expected_got("an asset of this project (" + known + ")", "'" + asset + "'"));
  }
  if (!current) {
    std::printf("%s: removed from the manifests; the next build deletes its outputs\n", asset.c_str());
    return kExitOk;
  }
  size_t frames = 0;
  for (const auto& step : current->steps) frames += step.kind == plan::StepKind::gen;
  const auto pending = plan::diff_records(stored ? &stored->record : nullptr, *current);
  if (!pending.empty()) {
    std::printf("%s would rebuild now: %s\n", asset.c_str(), plan::summarize_changes(pending, asset, frames).c_str());
    print_lines(plan::describe_changes(pending, asset));
    return kExitOk;
  }
  for (const auto& step : now.plan.steps) {
    if (step.kind != plan::StepKind::pack || step.name != asset) continue;
    for (const auto& out : step.outputs)
      if (!fs::exists(root / out))
        std::printf("%s would rebuild now: %s is missing (restored from the cache when it is there)\n", asset.c_str(),
                    out.c_str());
  }
  // What the last build did for this asset, and why it was planned that way.
  std::vector<std::string> ran;
  for (const auto& e : backend::read_step_log(project.state_dir / "logs" / "last-build.log")) {
    if (e.event != backend::StepEvent::ran && e.event != backend::StepEvent::from_cache) continue;
    if (e.name == asset || e.name.rfind(asset + "/", 0) == 0)
      ran.push_back(e.kind + " " + e.name + (e.event == backend::StepEvent::ran ? " (ran)" : " (from cache)"));
  }
  if (ran.empty()) {
    std::printf("%s: up to date; nothing ran for it in the last build\n", asset.c_str());
  } else {
    std::printf("%s: the last build ran %zu of its steps:\n", asset.c_str(), ran.size());
    const size_t shown = global.verbose ? ran.size() : std::min<size_t>(ran.size(), 6);
    print_lines(std::vector<std::string>(ran.begin(), ran.begin() + static_cast<std::ptrdiff_t>(shown)));
    if (shown < ran.size()) std::printf("  ... and %zu more (-v lists them all)\n", ran.size() - shown);
  }
  if (stored && !stored->last_changes.empty()) {
    std::printf("because, when it was last planned: %s\n",
                plan::summarize_changes(stored->last_changes, asset, frames).c_str());
    print_lines(plan::describe_changes(stored->last_changes, asset));
  }
  return kExitOk;
}

}  // namespace

CommandBody define_status(CLI::App& app, const GlobalOptions& global) {
  auto options = std::make_shared<StatusOptions>();
  app.add_flag("--json", options->json, "one JSON object: the assets that would rebuild, their steps and reasons");
  return [&global, options] { return run_status(global, *options); };
}

CommandBody define_explain(CLI::App& app, const GlobalOptions& global) {
  auto options = std::make_shared<ExplainOptions>();
  app.add_option("asset", options->asset, "the asset's name, as in its manifest")->required();
  return [&global, options] { return run_explain(global, *options); };
}

}  // namespace dgxpx::cli
