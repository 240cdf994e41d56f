#pragma once
// Fills the visual build report (.dgxpx/report/index.html) from the plan and what ran.
#include <set>
#include <string>
#include <vector>

#include "cache/store.h"
#include "compiler/cli/project_context.h"
#include "compiler/report/report.h"

namespace dgxpx::cli {

struct BuildActivity {
  std::set<std::string> touched;  // "<kind> <step name>" that ran or came from the cache
  report::BuildSummary summary;
};

/// Writes the report: every frame's sprite and every sheet, regenerated ones highlighted, with
/// the previous sprite (fetched from the cache by its old key) beside a regenerated one.
void write_build_report(const Planned& planned, const std::vector<plan::AssetRecord>& previous,
                        const BuildActivity& activity, cache::Store& store);

}  // namespace dgxpx::cli
