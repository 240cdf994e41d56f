#pragma once
// The generation worker: keeps one generator (and so one loaded model) per model file, takes
// gen requests from any number of connections, and runs requests that share a batch key
// (backend/gen_batch_key.h) together as one network batch of up to max_batch. One thread
// generates; one thread per connection reads its request, waits for the result and notices
// when the client goes away (its queued request is then dropped).
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>

#include "compiler/backend/generator.h"

namespace dgxpx::worker {

struct ServerOptions {
  int max_batch = 4;
  /// How long a batch that is not full waits for compatible requests to arrive.
  std::chrono::milliseconds batch_wait{20};
  /// Exit after this long with no connection, no work and no live build (auto-started
  /// workers); nullopt: run until stopped.
  std::optional<std::chrono::milliseconds> idle_exit;
  /// JSON-lines event log (start, model_load, batch, exit); empty: none.
  std::filesystem::path event_log;
  /// Written with this process's pid while serving a socket; empty: none.
  std::filesystem::path pid_file;
};

/// The server calls its factory once per model (and again only when the model's files change
/// on disk); the generator it returns keeps its model loaded.
using backend::GeneratorFactory;

class Server {
 public:
  Server(ServerOptions options, GeneratorFactory factory);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Listens on the Unix socket `socket_path` (a stale one from a dead worker is replaced;
  /// a live one is left alone and this returns false) and serves until stop(), a "stop"
  /// request, SIGINT/SIGTERM, idle exit, or the socket file being removed or taken over.
  /// Removes its socket and pid file on the way out. Throws util::RuntimeFailure when the
  /// socket cannot be created.
  bool serve_socket(const std::filesystem::path& socket_path);

  /// Serves the one connection on (in_fd, out_fd) until the peer closes it: the private
  /// worker a step starts when it cannot use a shared one.
  void serve_stream(int in_fd, int out_fd);

  /// Asks serve_socket to return once queued work is done. Thread-safe.
  void stop();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

/// Makes SIGINT and SIGTERM stop every Server of this process gracefully, and ignores SIGPIPE.
void install_stop_signals();

}  // namespace dgxpx::worker
