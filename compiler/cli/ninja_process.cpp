#include "compiler/cli/ninja_process.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "compiler/cli/program_run.h"
#include "compiler/util/error.h"

extern char** environ;

namespace dgxpx::cli {

int run_ninja(const NinjaRun& run, const std::function<void(const std::string&)>& on_line) {
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) throw util::RuntimeFailure(std::string("pipe: ") + std::strerror(errno));

  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e) {
    std::string entry = *e;
    std::string name = entry.substr(0, entry.find('='));
    if (!run.env.count(name)) env_strings.push_back(entry);
  }
  for (const auto& [k, v] : run.env) env_strings.push_back(k + "=" + v);
  const std::vector<char*> envp = exec_array(env_strings);

  std::vector<std::string> argv_strings = {"ninja"};
  argv_strings.insert(argv_strings.end(), run.args.begin(), run.args.end());
  const std::vector<char*> argv = exec_array(argv_strings);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addchdir_np(&actions, run.directory.c_str());
  const UnblockedSpawnAttributes attributes;  // so that Ctrl-C during `dgxpx watch` stops ninja
  pid_t pid;
  int rc = ::posix_spawnp(&pid, "ninja", &actions, attributes.get(), argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipe_fds[1]);
  if (rc != 0) {
    ::close(pipe_fds[0]);
    throw util::RuntimeFailure(std::string("cannot run ninja (install Debian's ninja-build): ") + std::strerror(rc));
  }

  std::string pending;
  char buffer[65536];
  while (true) {
    ssize_t n = ::read(pipe_fds[0], buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    pending.append(buffer, static_cast<size_t>(n));
    size_t start = 0, newline;
    while ((newline = pending.find('\n', start)) != std::string::npos) {
      on_line(pending.substr(start, newline - start));
      start = newline + 1;
    }
    pending.erase(0, start);
  }
  if (!pending.empty()) on_line(pending);
  ::close(pipe_fds[0]);

  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 1;
}

}  // namespace dgxpx::cli
