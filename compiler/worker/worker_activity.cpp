#include "compiler/worker/worker_activity.h"

#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

namespace dgxpx::worker {
namespace fs = std::filesystem;

uint64_t event_log_size(const fs::path& event_log) {
  std::error_code ec;
  const auto size = fs::file_size(event_log, ec);
  return ec ? 0 : size;
}

WorkerActivity read_worker_activity(const fs::path& event_log, uint64_t offset) {
  WorkerActivity activity;
  std::ifstream in(event_log, std::ios::binary);
  if (!in) return activity;
  in.seekg(static_cast<std::streamoff>(offset));
  std::string line;
  while (std::getline(in, line)) {
    const nlohmann::json event = nlohmann::json::parse(line, nullptr, false);
    if (event.is_discarded() || !event.is_object() || !event.contains("event") || !event["event"].is_string()) continue;
    const std::string kind = event["event"];
    if (kind == "model_load") {
      ++activity.model_loads;
    } else if (kind == "batch" && event.contains("size") && event["size"].is_number_unsigned()) {
      const int size = event["size"].get<int>();
      ++activity.batches;
      activity.requests += size;
      ++activity.batch_sizes[size];
    }
  }
  return activity;
}

}  // namespace dgxpx::worker
