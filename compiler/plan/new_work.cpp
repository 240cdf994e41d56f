#include "compiler/plan/new_work.h"

#include <unordered_set>

namespace dgxpx::plan {

Plan new_work(const Plan& plan, const SpecFiles& existing) {
  std::unordered_set<util::Digest, DigestHash> new_keys;
  for (const auto& step : plan.steps)
    if (!existing.has(step.kind, step.key)) new_keys.insert(step.key);

  Plan part;
  if (new_keys.empty()) return part;
  // Keys hash their step kind as their domain (keys.h), so one set serves all three kinds.
  std::unordered_set<util::Digest, DigestHash> wanted;
  for (const auto& record : plan.records) {
    bool touched = false;
    for (const auto& step : record.steps) touched = touched || new_keys.count(step.key) > 0;
    if (!touched) continue;
    for (const auto& step : record.steps) wanted.insert(step.key);
    part.records.push_back(record);
  }
  for (const auto& step : plan.steps) {
    if (!wanted.count(step.key)) continue;
    part.steps.push_back(step);
    switch (step.kind) {
      case StepKind::gen:
        ++part.gen_steps;
        if (!step.model_pool) ++part.placeholder_gen_steps;
        break;
      case StepKind::pixel: ++part.pixel_steps; break;
      case StepKind::pack: ++part.pack_steps; break;
    }
  }
  return part;
}

}  // namespace dgxpx::plan
