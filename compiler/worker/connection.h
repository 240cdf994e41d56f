#pragma once
// The client side of the worker protocol: one connection to a worker, shared through its Unix
// socket or private over a pipe pair, and the requests a step sends on it.
#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "compiler/backend/step_spec.h"
#include "compiler/pixel/image.h"

namespace dgxpx::worker {

class WorkerConnection {
 public:
  /// Takes ownership of the fds (the same fd twice for a socket) and of a private worker
  /// child to reap. `describe` names the worker in errors ("the generation worker (pid 12)").
  WorkerConnection(int read_fd, int write_fd, pid_t child, std::string describe);
  WorkerConnection(WorkerConnection&& other) noexcept;
  WorkerConnection& operator=(WorkerConnection&&) = delete;
  ~WorkerConnection();

  /// Renders spec on the worker. Throws util::InputError when the worker says the spec is bad,
  /// util::RuntimeFailure when generation failed, the worker went away before answering, or
  /// its answer is malformed (bounds-checked: an untrusted peer).
  pixel::Image generate(const backend::GenSpec& spec, std::optional<int64_t> build_pid);
  /// The worker's counters (requests, batches, batch_sizes, model_loads, ...).
  nlohmann::json status();

 private:
  nlohmann::json exchange(const std::string& request, const std::string& what);
  void close();
  int read_fd_, write_fd_;
  pid_t child_;
  std::string describe_;
};

}  // namespace dgxpx::worker
