#include "compiler/worker/worker_generator.h"

#include <csignal>
#include <cstdlib>

#include <spdlog/spdlog.h>

#include "compiler/util/error.h"

namespace dgxpx::worker {

namespace {

std::optional<int64_t> build_pid_from_env() {
  const char* text = std::getenv(kBuildPidEnv);
  if (!text || !*text) return std::nullopt;
  char* end = nullptr;
  const long long pid = std::strtoll(text, &end, 10);
  if (*end != '\0' || pid <= 0) return std::nullopt;
  return pid;
}

}  // namespace

WorkerGenerator::WorkerGenerator(LaunchOptions launch, manifest::WorkerSettings settings)
    : launch_(std::move(launch)), settings_(std::move(settings)) {}

pixel::Image WorkerGenerator::generate(const backend::GenSpec& spec) {
  std::signal(SIGPIPE, SIG_IGN);  // a worker that dies mid-request is an error, not a signal
  if (settings_.enabled) {
    std::optional<WorkerConnection> shared;
    try {
      shared.emplace(connect_shared_worker(launch_));
    } catch (const util::RuntimeFailure& e) {
      spdlog::warn("gen {}: no generation worker ({}); generating in-process, loading the model for this step only",
                   spec.name, e.what());
    }
    if (shared) return shared->generate(spec, build_pid_from_env());
  }
  WorkerConnection own = start_private_worker(launch_);
  return own.generate(spec, std::nullopt);
}

}  // namespace dgxpx::worker
