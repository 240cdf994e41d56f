#pragma once
// Finding or starting the project's generation worker. A step that needs the model connects
// to the project's worker.sock on this machine; when nobody listens there it takes worker.lock
// (so parallel steps and concurrent builds start one worker, not several), removes a stale
// socket, starts `dgxpx-sdxl serve --idle-exit` detached from the build, and waits until it
// accepts. Socket, lock and pid file live in a node-local folder (node_runtime_dir), never in
// the project: on a cluster the project folder may be shared between nodes, and a node can
// neither reach another node's socket nor tell whether another node's worker is alive.
#include <chrono>
#include <filesystem>

#include "compiler/manifest/project.h"
#include "compiler/worker/connection.h"

namespace dgxpx::worker {

/// This machine's folder for the worker of the project at `project_root`:
/// $XDG_RUNTIME_DIR (else $TMPDIR, else /tmp) / dgxpx-<uid>-<hash of host name and root path>.
std::filesystem::path node_runtime_dir(const std::filesystem::path& project_root);

/// A project's worker files: the live ones on this machine, the logs in its state folder.
struct WorkerPaths {
  std::filesystem::path socket;      // <node_runtime_dir>/worker.sock
  std::filesystem::path lock;        // <node_runtime_dir>/worker.lock: held while one starts
  std::filesystem::path pid_file;    // <node_runtime_dir>/worker.pid
  std::filesystem::path event_log;   // .dgxpx/logs/worker-events.jsonl
  std::filesystem::path output_log;  // .dgxpx/logs/worker.log: its messages

  static WorkerPaths of(const manifest::ProjectConfig& project);
};

/// Creates the folder of `paths.socket` (mode 0700) and the logs' folder. Throws
/// util::RuntimeFailure when it cannot, or when the runtime folder belongs to another user.
void create_worker_folders(const WorkerPaths& paths);

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
