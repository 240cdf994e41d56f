#pragma once
// Logging goes through spdlog to stderr; stdout is kept for machine-readable output
// (`dgxpx build --json`).
#include <spdlog/spdlog.h>

namespace dgxpx::util {

enum class Verbosity { quiet, normal, verbose };

/// Configures the process-wide logger (stderr, "dgxpx: level: message").
void init_logging(Verbosity verbosity);

}  // namespace dgxpx::util
