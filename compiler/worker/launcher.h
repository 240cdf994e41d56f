#pragma once
// Finding or starting the project's generation worker. A step that needs the model connects
// to .dgxpx/worker.sock; when nobody listens there it takes .dgxpx/worker.lock (so parallel
// steps and concurrent builds start one worker, not several), removes a stale socket, starts
// `dgxpx-sdxl serve --idle-exit` detached from the build, and waits until it accepts.
#include <chrono>
#include <filesystem>

#include "compiler/manifest/project.h"
#include "compiler/worker/connection.h"

namespace dgxpx::worker {

/// A project's worker files, all under its state folder.
struct WorkerPaths {
  std::filesystem::path socket;      // .dgxpx/worker.sock
  std::filesystem::path lock;        // .dgxpx/worker.lock: held while one starts
  std::filesystem::path pid_file;    // .dgxpx/worker.pid
  std::filesystem::path event_log;   // .dgxpx/logs/worker-events.jsonl
  std::filesystem::path output_log;  // .dgxpx/logs/worker.log: its messages

  static WorkerPaths of(const manifest::ProjectConfig& project);
};

struct LaunchOptions {
  std::filesystem::path sdxl_binary;  // dgxpx-sdxl, which serves
  std::filesystem::path project_root;
  WorkerPaths paths;
  std::chrono::milliseconds start_timeout{120000};  // libtorch alone takes seconds to load
};

/// The project's shared worker, started when none is running. Throws util::RuntimeFailure
/// saying why when one cannot be started or reached.
WorkerConnection connect_shared_worker(const LaunchOptions& options);

/// A worker for this process alone, over a pipe pair (`dgxpx-sdxl serve --stdio`): in-process
/// generation as far as the build is concerned, the model loaded for this step only. Throws
/// util::RuntimeFailure when it cannot be started.
WorkerConnection start_private_worker(const LaunchOptions& options);

}  // namespace dgxpx::worker
