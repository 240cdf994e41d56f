#pragma once
// How steps tell `dgxpx build` what they did. `dgxpx build` sets DGXPX_STEP_LOG to a file;
// each step appends one short line per event with O_APPEND (atomic for lines this short), so
// parallel steps never interleave. Without the variable (plain `ninja`), nothing is logged.
#include <filesystem>
#include <string>
#include <vector>

namespace dgxpx::backend {

inline constexpr const char* kStepLogEnv = "DGXPX_STEP_LOG";

enum class StepEvent { start, ran, from_cache, failed };

/// Appends "<event> <kind> <unix_ns> <name>" to $DGXPX_STEP_LOG, if set. Never throws.
void log_step_event(StepEvent event, const std::string& kind, const std::string& name);

struct StepLogLine {
  StepEvent event;
  std::string kind, name;
  int64_t unix_ns = 0;
};

/// Parses a step log; malformed lines are skipped.
std::vector<StepLogLine> read_step_log(const std::filesystem::path& path);

}  // namespace dgxpx::backend
