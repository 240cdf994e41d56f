#include "compiler/worker/launcher.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

#include "compiler/util/atomic_file.h"
#include "compiler/util/error.h"
#include "compiler/util/file_lock.h"
#include "compiler/util/hash.h"
#include "compiler/worker/unix_socket.h"

namespace dgxpx::worker {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

fs::path node_runtime_dir(const fs::path& project_root) {
  fs::path base = "/tmp";
  for (const char* name : {"XDG_RUNTIME_DIR", "TMPDIR"}) {
    const char* value = std::getenv(name);
    std::error_code ec;
    if (value && *value && fs::is_directory(value, ec)) {
      base = value;
      break;
    }
  }
  // The host name too: should $TMPDIR be shared after all, nodes still get folders of their own.
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  std::error_code ec;
  const fs::path root = fs::weakly_canonical(project_root, ec);
  const std::string key = util::digest_bytes(std::string(host) + "\n" + (ec ? project_root : root).string()).short_hex();
  return base / ("dgxpx-" + std::to_string(::getuid()) + "-" + key);
}

WorkerPaths WorkerPaths::of(const manifest::ProjectConfig& project) {
  const fs::path logs = project.state_dir / "logs";
  const fs::path runtime = node_runtime_dir(project.root);
  return {runtime / "worker.sock", runtime / "worker.lock", runtime / "worker.pid", logs / "worker-events.jsonl",
          logs / "worker.log"};
}

void create_worker_folders(const WorkerPaths& paths) {
  const fs::path runtime = paths.socket.parent_path();
  if (::mkdir(runtime.c_str(), 0700) != 0 && errno != EEXIST)
    throw util::RuntimeFailure("cannot create " + runtime.string() + ": " + std::strerror(errno));
  struct stat st {};
  // In a /tmp shared by users, a folder someone else made must not hold our socket.
  if (::lstat(runtime.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != ::getuid())
    throw util::RuntimeFailure(runtime.string() + " is not a folder of this user's: the generation worker cannot use it");
  fs::create_directories(paths.output_log.parent_path());
}

namespace {

std::string errno_text() { return std::strerror(errno); }

// Closes every descriptor from 3 up in a child about to exec: the worker must not keep
// ninja's output pipes (ninja would wait for it) or any lock open.
void close_inherited_fds() {
#ifdef SYS_close_range
  if (::syscall(SYS_close_range, 3u, ~0u, 0u) == 0) return;
#endif
  for (int fd = 3; fd < 4096; ++fd) ::close(fd);
}

// In a child about to exec: a signal mask survives exec, and `dgxpx watch` blocks SIGINT and
// SIGTERM (it reads them from a signalfd); the worker must be stoppable by them.
void unblock_signals() {
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
}

std::vector<char*> argv_of(std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  return argv;
}

std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "was killed by signal " + std::to_string(WTERMSIG(status));
  return "stopped";
}

std::string log_tail(const fs::path& log) {
  const auto text = util::read_file(log);
  if (!text || text->empty()) return "";
  std::string tail = text->size() > 600 ? text->substr(text->size() - 600) : *text;
  while (!tail.empty() && tail.back() == '\n') tail.pop_back();
  return ":\n" + tail;
}

std::string read_pid(const fs::path& pid_file) {
  const auto text = util::read_file(pid_file);
  if (!text) return "?";
  std::string pid = *text;
  while (!pid.empty() && (pid.back() == '\n' || pid.back() == '\r')) pid.pop_back();
  return pid.find_first_not_of("0123456789") == std::string::npos && !pid.empty() ? pid : "?";
}

WorkerConnection socket_connection(int fd, const WorkerPaths& paths) {
  return WorkerConnection(fd, fd, 0, "the generation worker (pid " + read_pid(paths.pid_file) + ")");
}

}  // namespace

WorkerConnection connect_shared_worker(const LaunchOptions& options) {
  const WorkerPaths& paths = options.paths;
  if (int fd = connect_unix(paths.socket); fd >= 0) return socket_connection(fd, paths);

  create_worker_folders(paths);
  util::FileLock lock(paths.lock);
  lock.lock();
  // Another step may have started one while this one waited for the lock. A stale socket
  // file left by a dead worker is the new worker's to replace (UnixListener::create).
  if (int fd = connect_unix(paths.socket); fd >= 0) return socket_connection(fd, paths);

  std::vector<std::string> args = {options.sdxl_binary.string(), "-C", options.project_root.string(), "serve",
                                   "--idle-exit"};
  std::vector<char*> argv = argv_of(args);
  const pid_t child = ::fork();
  if (child < 0) throw util::RuntimeFailure("cannot start the generation worker: fork: " + errno_text());
  if (child == 0) {
    unblock_signals();
    ::setsid();  // not in the build's process group: Ctrl-C on the build reaches it by its pid check
    const int null_fd = ::open("/dev/null", O_RDONLY);
    const int log_fd = ::open(paths.output_log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (null_fd < 0 || log_fd < 0) ::_exit(126);
    ::dup2(null_fd, 0);
    ::dup2(log_fd, 1);
    ::dup2(log_fd, 2);
    close_inherited_fds();
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  const auto deadline = Clock::now() + options.start_timeout;
  for (;;) {
    if (int fd = connect_unix(paths.socket); fd >= 0) return socket_connection(fd, paths);
    int status = 0;
    if (::waitpid(child, &status, WNOHANG) == child) {
      if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
        throw util::RuntimeFailure("cannot run " + options.sdxl_binary.string() + " (build it with the SDXL stack)");
      throw util::RuntimeFailure("the generation worker " + describe_status(status) + " while starting" +
                                 log_tail(paths.output_log));
    }
    if (Clock::now() > deadline) {
      ::kill(child, SIGTERM);
      throw util::RuntimeFailure("the generation worker did not accept connections within " +
                                 std::to_string(options.start_timeout.count() / 1000) + " s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
}

WorkerConnection start_private_worker(const LaunchOptions& options) {
  int to_worker[2], from_worker[2];
  if (::pipe2(to_worker, O_CLOEXEC) != 0) throw util::RuntimeFailure("pipe: " + errno_text());
  if (::pipe2(from_worker, O_CLOEXEC) != 0) {
    ::close(to_worker[0]);
    ::close(to_worker[1]);
    throw util::RuntimeFailure("pipe: " + errno_text());
  }
  // -q: the model's loading messages would repeat in every step's output.
  std::vector<std::string> args = {options.sdxl_binary.string(), "-q", "-C", options.project_root.string(), "serve",
                                   "--stdio"};
  std::vector<char*> argv = argv_of(args);
  const pid_t child = ::fork();
  if (child < 0) throw util::RuntimeFailure("cannot start dgxpx-sdxl: fork: " + errno_text());
  if (child == 0) {
    unblock_signals();
    ::dup2(to_worker[0], 0);   // dup2 clears close-on-exec on the copies
    ::dup2(from_worker[1], 1);
    close_inherited_fds();
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(to_worker[0]);
  ::close(from_worker[1]);
  return WorkerConnection(from_worker[0], to_worker[1], child, "dgxpx-sdxl (pid " + std::to_string(child) + ")");
}

}  // namespace dgxpx::worker
