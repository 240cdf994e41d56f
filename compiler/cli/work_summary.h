#pragma once
// How `dgxpx status` and `dgxpx build -n` tell what a build would do: one line per asset with
// its reason, a total, and the same as JSON.
#include <nlohmann/json_fwd.hpp>

#include "compiler/plan/pending_work.h"

namespace dgxpx::cli {

/// Prints "hero: 17 steps to run (8 gen) — prompt of idle changed" per asset and a total line
/// to stdout; `details` adds each asset's grouped field changes.
void print_pending_work(const plan::PendingWork& work, const plan::Plan& plan, bool details);

/// {"up_to_date": bool, "steps": N, "gen_steps": N, "total_steps": N, "assets": [{"asset",
/// "steps", "gen_steps", "reason", "changes": [...]}]}
nlohmann::json pending_work_json(const plan::PendingWork& work, const plan::Plan& plan);

}  // namespace dgxpx::cli
