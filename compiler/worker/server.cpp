#include "compiler/worker/server.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <csignal>
#include <deque>
#include <list>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <spdlog/spdlog.h>

#include "compiler/backend/gen_batch_key.h"
#include "compiler/pixel/png_io.h"
#include "compiler/util/atomic_file.h"
#include "compiler/util/error.h"
#include "compiler/worker/protocol.h"
#include "compiler/worker/unix_socket.h"

namespace dgxpx::worker {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

std::atomic<bool> g_stop_signal{false};

void on_stop_signal(int) { g_stop_signal = true; }

int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool process_alive(int64_t pid) { return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM; }

// One generate request, shared by its connection thread and the generation thread.
struct Job {
  backend::GenSpec spec;
  std::string batch_key;
  std::atomic<bool> cancelled{false};
  bool done = false;  // guarded by State::mutex
  std::string png;
  std::optional<nlohmann::json> error;  // an error header instead of a PNG
};

}  // namespace

struct Server::State {
  ServerOptions options;
  GeneratorFactory factory;

  std::mutex mutex;
  std::condition_variable work_ready;  // queue changed, or stopping
  std::condition_variable job_done;
  std::deque<std::shared_ptr<Job>> queue;
  bool generating = false;
  bool stopping = false;
  int connections = 0;
  std::set<int> client_fds;  // open connections, shut down when the worker stops
  std::set<int64_t> builds;  // pids of the `dgxpx build`s whose steps used this worker
  // Counters for "status" and the exit event.
  int64_t requests = 0, batches = 0, model_loads = 0, cancelled = 0, failed = 0;
  std::map<int, int64_t> batch_sizes;

  std::mutex log_mutex;
  std::map<std::string, std::unique_ptr<backend::Generator>> generators;  // by backend and model

  void log_event(nlohmann::json event) {
    if (options.event_log.empty()) return;
    event["time_ms"] = unix_ms();
    event["pid"] = static_cast<int64_t>(::getpid());
    const std::string line = event.dump() + "\n";
    std::lock_guard lock(log_mutex);
    const int fd = ::open(options.event_log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) return;
    ssize_t ignored = ::write(fd, line.data(), line.size());
    (void)ignored;
    ::close(fd);
  }

  nlohmann::json status_locked() const {
    nlohmann::json sizes = nlohmann::json::object();
    for (const auto& [size, count] : batch_sizes) sizes[std::to_string(size)] = count;
    return {{"pid", static_cast<int64_t>(::getpid())}, {"requests", requests}, {"batches", batches},
            {"batch_sizes", sizes}, {"model_loads", model_loads}, {"cancelled", cancelled},
            {"failed", failed}, {"queued", queue.size()}, {"connections", connections},
            {"max_batch", options.max_batch}};
  }

  // The generator holding spec's model, made on first use. It keeps the model loaded (and
  // reloads it itself should its files change on disk).
  backend::Generator& generator_for(const backend::GenSpec& spec) {
    const std::string identity = spec.backend + "\n" + spec.model.value_or("");
    auto it = generators.find(identity);
    if (it != generators.end()) return *it->second;
    const auto started = Clock::now();
    auto generator = factory(spec);
    const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
    {
      std::lock_guard lock(mutex);
      ++model_loads;
    }
    log_event({{"event", "model_load"}, {"backend", spec.backend}, {"model", spec.model.value_or("")},
               {"seconds", seconds}});
    return *generators.emplace(identity, std::move(generator)).first->second;
  }

  // Takes the next batch off the queue: the oldest live job and the compatible jobs queued
  // after it, waiting up to batch_wait for the batch to fill. Empty when stopping.
  std::vector<std::shared_ptr<Job>> next_batch() {
    std::unique_lock lock(mutex);
    auto drop_cancelled = [&] {
      for (auto it = queue.begin(); it != queue.end();) {
        if ((*it)->cancelled) {
          ++cancelled;
          (*it)->done = true;
          it = queue.erase(it);
        } else {
          ++it;
        }
      }
    };
    for (;;) {
      drop_cancelled();
      if (!queue.empty()) break;
      if (stopping) return {};
      work_ready.wait(lock);
    }
    const std::string key = queue.front()->batch_key;
    auto compatible = [&] {
      return static_cast<int>(std::count_if(queue.begin(), queue.end(),
                                            [&](const auto& job) { return job->batch_key == key && !job->cancelled; }));
    };
    const auto deadline = Clock::now() + options.batch_wait;
    while (compatible() < options.max_batch && !stopping)
      if (work_ready.wait_until(lock, deadline) == std::cv_status::timeout) break;
    drop_cancelled();
    std::vector<std::shared_ptr<Job>> batch;
    for (auto it = queue.begin(); it != queue.end() && static_cast<int>(batch.size()) < options.max_batch;) {
      if ((*it)->batch_key == key) {
        batch.push_back(*it);
        it = queue.erase(it);
      } else {
        ++it;
      }
    }
    generating = !batch.empty();
    return batch;
  }

  void run_batch(const std::vector<std::shared_ptr<Job>>& batch) {
    std::vector<backend::GenSpec> specs;
    for (const auto& job : batch) specs.push_back(job->spec);
    std::vector<std::string> pngs;
    std::optional<nlohmann::json> error;
    bool abandoned = false;
    const auto started = Clock::now();
    try {
      backend::Generator& generator = generator_for(specs.front());
      // Abandon the batch once every client waiting for it has gone away.
      const backend::CancelCheck all_gone = [&batch] {
        return std::all_of(batch.begin(), batch.end(), [](const auto& job) { return job->cancelled.load(); });
      };
      std::vector<pixel::Image> images = generator.generate_batch(specs, all_gone);
      if (images.size() != specs.size())
        throw util::RuntimeFailure("the backend returned " + std::to_string(images.size()) + " images for " +
                                   std::to_string(specs.size()) + " requests");
      for (const auto& image : images) pngs.push_back(pixel::encode_png(image));
    } catch (const backend::GenerationCancelled& e) {
      error = error_header("runtime", e.what());
      abandoned = true;
    } catch (const util::InputError& e) {
      error = error_header("input", e.diagnostic());
    } catch (const std::exception& e) {
      error = error_header("runtime", e.what());
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
    log_event({{"event", "batch"}, {"size", batch.size()}, {"seconds", seconds}, {"ok", !error},
               {"first", specs.front().name}});
    if (error && !abandoned) spdlog::warn("batch of {} ({}...) failed: {}", batch.size(), specs.front().name, (*error)["error"].get<std::string>());
    std::lock_guard lock(mutex);
    ++batches;
    ++batch_sizes[static_cast<int>(batch.size())];
    for (size_t i = 0; i < batch.size(); ++i) {
      if (abandoned) {
        ++cancelled;
        batch[i]->error = error;
      } else if (error) {
        ++failed;
        batch[i]->error = error;
      } else {
        batch[i]->png = std::move(pngs[i]);
      }
      batch[i]->done = true;
    }
    generating = false;
    job_done.notify_all();
  }

  void generation_loop() {
    for (;;) {
      std::vector<std::shared_ptr<Job>> batch = next_batch();
      if (batch.empty()) return;
      run_batch(batch);
    }
  }

  // Waits for the job, watching the client: one that hangs up cancels its job (dropped
  // if still queued; a running batch finishes, its result unused). False when cancelled.
  bool wait_for(const std::shared_ptr<Job>& job, int client_fd) {
    std::unique_lock lock(mutex);
    while (!job->done) {
      job_done.wait_for(lock, std::chrono::milliseconds(50));
      if (job->done) break;
      pollfd p{client_fd, POLLRDHUP, 0};
      if (::poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR))) {
        job->cancelled = true;
        work_ready.notify_all();
        return false;
      }
    }
    return true;
  }

  // One client's requests, in order, until it closes the connection.
  void serve_connection(int in_fd, int out_fd) {
    FrameStream stream(in_fd, out_fd);
    std::string payload;
    for (;;) {
      const auto got = stream.read(payload, kMaxRequestBytes);
      if (got.status == FrameStream::ReadStatus::closed || got.status == FrameStream::ReadStatus::failed) return;
      if (got.status == FrameStream::ReadStatus::too_large) {
        stream.write(error_header("protocol", "request of " + std::to_string(got.length) + " bytes exceeds the limit of " +
                                                  std::to_string(kMaxRequestBytes))
                         .dump());
        return;  // the rest of the frame is unread: the stream cannot be resynchronised
      }
      Request request;
      try {
        request = decode_request(payload);
      } catch (const std::invalid_argument& e) {
        stream.write(error_header("protocol", std::string("malformed request: ") + e.what()).dump());
        return;
      }
      if (request.build_pid) {
        std::lock_guard lock(mutex);
        builds.insert(*request.build_pid);
      }
      if (request.type == "status") {
        nlohmann::json header = ok_header();
        {
          std::lock_guard lock(mutex);
          header["status"] = status_locked();
        }
        if (!stream.write(header.dump())) return;
        continue;
      }
      if (request.type == "stop") {
        stream.write(ok_header().dump());
        stop_serving();
        return;
      }
      auto job = std::make_shared<Job>();
      job->spec = std::move(request.spec);
      job->batch_key = backend::gen_batch_key(job->spec);
      {
        std::lock_guard lock(mutex);
        if (stopping) {
          stream.write(error_header("runtime", "the generation worker is shutting down").dump());
          return;
        }
        ++requests;
        queue.push_back(job);
      }
      work_ready.notify_all();
      if (!wait_for(job, in_fd)) return;
      if (job->error) {
        if (!stream.write(job->error->dump())) return;
        continue;
      }
      nlohmann::json header = ok_header();
      header["png_bytes"] = job->png.size();
      if (!stream.write(header.dump()) || !stream.write(job->png)) return;
    }
  }

  // Ends every queued job with an error (a running batch still finishes).
  void fail_queued(const std::string& why) {
    std::lock_guard lock(mutex);
    for (auto& job : queue) {
      job->error = error_header("runtime", why);
      job->done = true;
      ++failed;
    }
    queue.clear();
    job_done.notify_all();
  }

  void stop_serving() {
    std::lock_guard lock(mutex);
    stopping = true;
    work_ready.notify_all();
  }

  bool idle_locked() const { return connections == 0 && queue.empty() && !generating; }

  bool builds_alive_locked() {
    for (auto it = builds.begin(); it != builds.end();) {
      if (process_alive(*it)) return true;
      it = builds.erase(it);
    }
    return false;
  }
};

Server::Server(ServerOptions options, GeneratorFactory factory) : state_(std::make_unique<State>()) {
  if (options.max_batch < 1) options.max_batch = 1;
  state_->options = std::move(options);
  state_->factory = std::move(factory);
}

Server::~Server() = default;

void Server::stop() { state_->stop_serving(); }

void Server::serve_stream(int in_fd, int out_fd) {
  State& s = *state_;
  std::thread generation([&s] { s.generation_loop(); });
  s.serve_connection(in_fd, out_fd);
  s.stop_serving();
  generation.join();
}

bool Server::serve_socket(const fs::path& socket_path) {
  State& s = *state_;
  std::optional<UnixListener> listener = UnixListener::open(socket_path);
  if (!listener) return false;  // a live worker already serves this socket
  if (!s.options.pid_file.empty()) util::write_file_atomic(s.options.pid_file, std::to_string(::getpid()) + "\n");
  s.log_event({{"event", "start"}, {"socket", socket_path.string()}, {"max_batch", s.options.max_batch}});
  spdlog::info("generation worker {} serving {} (max batch {})", ::getpid(), socket_path.string(), s.options.max_batch);

  std::thread generation([&s] { s.generation_loop(); });
  // Connection threads, joined as they finish so a long-lived worker does not pile them up.
  std::list<std::pair<std::thread, std::shared_ptr<std::atomic<bool>>>> connections;
  auto reap = [&connections](bool all) {
    for (auto it = connections.begin(); it != connections.end();) {
      if (all || *it->second) {
        it->first.join();
        it = connections.erase(it);
      } else {
        ++it;
      }
    }
  };
  auto start_connection = [&s, &connections](int client) {
    {
      std::lock_guard lock(s.mutex);
      ++s.connections;
      s.client_fds.insert(client);
    }
    auto finished = std::make_shared<std::atomic<bool>>(false);
    connections.emplace_back(std::thread([&s, client, finished] {
      s.serve_connection(client, client);
      std::lock_guard lock(s.mutex);
      s.client_fds.erase(client);
      ::close(client);
      --s.connections;
      *finished = true;
    }), finished);
  };
  auto idle_since = Clock::now();
  std::string exit_reason = "stopped";
  for (;;) {
    if (g_stop_signal) {
      exit_reason = "signal";
      s.fail_queued("the generation worker was stopped (signal)");
      break;
    }
    reap(false);
    {
      std::lock_guard lock(s.mutex);
      if (s.stopping) break;
      const bool idle = s.idle_locked() && !s.builds_alive_locked();
      if (!idle) idle_since = Clock::now();
      else if (s.options.idle_exit && Clock::now() - idle_since >= *s.options.idle_exit) {
        exit_reason = "idle";
      }
    }
    if (exit_reason == "idle") {
      // A client may have connected just now: take the path away so nobody else can, then
      // serve whoever is already in the backlog before leaving.
      listener->unlink_path();
      for (int client; (client = listener->accept(std::chrono::milliseconds(0))) >= 0;) start_connection(client);
      reap(true);
      break;
    }
    if (!listener->still_owns_path()) {
      exit_reason = "socket removed or taken over";
      break;
    }
    const int client = listener->accept(std::chrono::milliseconds(200));
    if (client >= 0) start_connection(client);
  }
  listener->close();  // new clients now start a new worker instead of queueing here
  s.stop_serving();
  generation.join();  // every queued job has its answer now
  {
    std::lock_guard lock(s.mutex);  // wake connections idling between requests
    for (int fd : s.client_fds) ::shutdown(fd, SHUT_RD);
  }
  reap(true);
  {
    std::lock_guard lock(s.mutex);
    nlohmann::json exit_event = s.status_locked();
    exit_event["event"] = "exit";
    exit_event["reason"] = exit_reason;
    s.log_event(exit_event);
  }
  if (!s.options.pid_file.empty()) {
    const auto pid = util::read_file(s.options.pid_file);
    if (pid && *pid == std::to_string(::getpid()) + "\n") fs::remove(s.options.pid_file);
  }
  spdlog::info("generation worker {} exiting ({})", ::getpid(), exit_reason);
  return true;
}

void install_stop_signals() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGINT, &action, nullptr);
  ::sigaction(SIGTERM, &action, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
}

}  // namespace dgxpx::worker
