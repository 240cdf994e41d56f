#include "compiler/cli/work_summary.h"

#include <cstdio>

#include <nlohmann/json.hpp>

namespace dgxpx::cli {

namespace {

std::string plural(int n, const char* word) { return std::to_string(n) + " " + word + (n == 1 ? "" : "s"); }

}  // namespace

void print_pending_work(const plan::PendingWork& work, const plan::Plan& plan, bool details) {
  if (work.assets.empty()) {
    std::printf("up to date: %s, %s\n", plural(static_cast<int>(plan.records.size()), "asset").c_str(),
                plural(static_cast<int>(plan.steps.size()), "step").c_str());
    return;
  }
  for (const auto& asset : work.assets) {
    std::printf("%s: %s to run (%d gen) — %s\n", asset.asset.c_str(), plural(asset.steps, "step").c_str(),
                asset.gen_steps, asset.reason().c_str());
    if (details)
      for (const auto& line : plan::describe_changes(asset.changes, asset.asset)) std::printf("  %s\n", line.c_str());
  }
  std::printf("%zu of %s would rebuild: %s (%d gen); %d steps up to date\n", work.assets.size(),
              plural(static_cast<int>(plan.records.size()), "asset").c_str(), plural(work.steps, "step").c_str(),
              work.gen_steps, static_cast<int>(plan.steps.size()) - work.steps);
}

nlohmann::json pending_work_json(const plan::PendingWork& work, const plan::Plan& plan) {
  nlohmann::json assets = nlohmann::json::array();
  for (const auto& asset : work.assets) {
    nlohmann::json changes = nlohmann::json::array();
    for (const auto& c : asset.changes) changes.push_back(c.text());
    assets.push_back({{"asset", asset.asset},
                      {"steps", asset.steps},
                      {"gen_steps", asset.gen_steps},
                      {"reason", asset.reason()},
                      {"missing_outputs", asset.missing_outputs},
                      {"changes", changes}});
  }
  return {{"up_to_date", work.assets.empty()},
          {"steps", work.steps},
          {"gen_steps", work.gen_steps},
          {"total_steps", plan.steps.size()},
          {"assets", assets}};
}

}  // namespace dgxpx::cli
