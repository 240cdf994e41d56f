#pragma once
// What the workers did during one build, read back from their event log
// (.dgxpx/logs/worker-events.jsonl, one JSON object a line) for the build summary.
#include <cstdint>
#include <filesystem>
#include <map>

namespace dgxpx::worker {

struct WorkerActivity {
  int model_loads = 0;
  int requests = 0;  // generated in batches
  int batches = 0;
  std::map<int, int> batch_sizes;  // size → how many batches
  int max_batch_size() const { return batch_sizes.empty() ? 0 : batch_sizes.rbegin()->first; }
};

/// The size of the log now, to read from later (0 when it does not exist).
uint64_t event_log_size(const std::filesystem::path& event_log);

/// Sums the events logged after byte `offset`. Malformed lines are skipped.
WorkerActivity read_worker_activity(const std::filesystem::path& event_log, uint64_t offset);

}  // namespace dgxpx::worker
