// `dgxpx watch`: build, then wait for a planning input to change (inotify), let the edits
// settle, and build again, until Ctrl-C. The generation worker outlives each build while the
// watch runs, so the model stays loaded between rebuilds.
#include <poll.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <memory>
#include <set>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "compiler/cli/build_command.h"
#include "compiler/cli/command.h"
#include "compiler/cli/project_context.h"
#include "compiler/util/error.h"

namespace dgxpx::cli {
namespace fs = std::filesystem;

namespace {

struct WatchOptions {
  BuildOptions build;
  int debounce_ms = 300;
};

// What to watch: folders, each with the names in it that matter ("" = anything in it).
// Editors save by writing a temp file and renaming it over the old one, so files are watched
// through their folder, never by their own inode.
using WatchSet = std::map<fs::path, std::set<std::string>>;

WatchSet watch_set_of(const manifest::Workspace& ws) {
  WatchSet set;
  // Hidden folders and what builds write are left out, or each build would trigger the next.
  auto skipped = [&ws](const fs::path& dir) {
    return dir.filename().string().front() == '.' || dir == ws.project.output_dir || dir == ws.project.state_dir;
  };
  auto add_tree = [&](const fs::path& dir) {
    std::error_code ec;
    set[dir].insert("");
    for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
      if (!it->is_directory(ec)) continue;
      if (skipped(it->path())) it.disable_recursion_pending();
      else set[it->path()].insert("");
    }
  };
  auto add = [&](const fs::path& path) {
    std::error_code ec;
    if (fs::is_directory(path, ec)) add_tree(path);
    else set[path.parent_path()].insert(path.filename().string());
  };
  add(ws.project.root / manifest::kProjectFile);
  for (const auto& dir : {ws.project.presets_dir, ws.project.rules_dir})
    if (fs::is_directory(dir)) add_tree(dir);
  for (const auto& path : ws.project.manifests) add(path);
  for (const auto& path : ws.inputs) add(path);  // models, LoRAs and palettes included
  return set;
}

class Watcher {
 public:
  Watcher() : fd_(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) {
    if (fd_ < 0) throw util::RuntimeFailure(std::string("cannot start inotify: ") + std::strerror(errno));
  }
  ~Watcher() { ::close(fd_); }
  int fd() const { return fd_; }

  void watch(WatchSet set) {
    for (const auto& [wd, _] : folders_) ::inotify_rm_watch(fd_, wd);
    folders_.clear();
    set_ = std::move(set);
    for (const auto& [dir, _] : set_) {
      const int wd = ::inotify_add_watch(fd_, dir.c_str(),
                                         IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE | IN_ATTRIB);
      if (wd < 0) spdlog::warn("cannot watch {}: {}", dir.string(), std::strerror(errno));
      else folders_[wd] = dir;
    }
  }
  size_t folder_count() const { return folders_.size(); }

  /// Reads what is queued; returns the watched paths that changed.
  std::set<fs::path> drain() {
    std::set<fs::path> changed;
    alignas(inotify_event) char buffer[16384];
    while (true) {
      const ssize_t n = ::read(fd_, buffer, sizeof buffer);
      if (n <= 0) break;
      for (ssize_t at = 0; at < n;) {
        const auto* event = reinterpret_cast<const inotify_event*>(buffer + at);
        at += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
        auto folder = folders_.find(event->wd);
        if (folder == folders_.end()) continue;
        const std::string name = event->len ? event->name : "";
        if (!name.empty() && name.front() == '.') continue;  // editors' and our own temp files
        const auto& names = set_[folder->second];
        if (names.count("") || names.count(name)) changed.insert(folder->second / name);
      }
    }
    return changed;
  }

 private:
  int fd_;
  std::map<int, fs::path> folders_;
  WatchSet set_;
};

// Ctrl-C and SIGTERM end the watch: read from a signalfd between builds. They are blocked in
// this thread before any other thread exists, so no thread (a build's) takes them instead;
// ninja and the worker start with nothing blocked, so Ctrl-C still stops a running build.
class StopSignals {
 public:
  StopSignals() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    ::sigprocmask(SIG_BLOCK, &set_, nullptr);
    fd_ = ::signalfd(-1, &set_, SFD_CLOEXEC | SFD_NONBLOCK);
    if (fd_ < 0) throw util::RuntimeFailure(std::string("cannot watch signals: ") + std::strerror(errno));
  }
  ~StopSignals() {
    ::close(fd_);
    ::sigprocmask(SIG_UNBLOCK, &set_, nullptr);
  }
  int fd() const { return fd_; }
  /// Consumes a queued signal (one left queued would be delivered, and kill us, on unblocking).
  bool take() {
    signalfd_siginfo info;
    return ::read(fd_, &info, sizeof info) == static_cast<ssize_t>(sizeof info);
  }

 private:
  sigset_t set_;
  int fd_ = -1;
};

// One build; bad input is reported and the watch goes on (the user is mid-edit).
int build_once(const GlobalOptions& global, const BuildOptions& options) {
  return run_reporting_errors([&] { return run_build(global, options); });
}

int run_watch(const GlobalOptions& global, const WatchOptions& options) {
  StopSignals signals;  // first: before anything starts a thread
  const fs::path root = project_root(global);
  Watcher watcher;
  WatchSet last_good;
  while (true) {
    const int status = build_once(global, options.build);
    if (status == kExitInterrupted) return status;
    try {  // watch what this plan read; after bad input, what the last good one did
      last_good = watch_set_of(plan_in_memory(root, plan::RecordDetail::changed, plan::CacheWrites::none).workspace);
    } catch (const util::InputError&) {
      if (last_good.empty()) last_good = watch_set_of(manifest::load_workspace_settings(root, manifest::builtin_data_dir()));
    }
    watcher.watch(last_good);
    if (!global.quiet)
      spdlog::info("watching {} folders for changes (Ctrl-C to stop)", watcher.folder_count());

    std::set<fs::path> changed;
    using Clock = std::chrono::steady_clock;
    std::optional<Clock::time_point> settle_until;
    while (true) {
      pollfd fds[2] = {{watcher.fd(), POLLIN, 0}, {signals.fd(), POLLIN, 0}};
      int timeout = -1;
      if (settle_until)
        timeout = static_cast<int>(std::max<int64_t>(
            0, std::chrono::duration_cast<std::chrono::milliseconds>(*settle_until - Clock::now()).count()));
      const int ready = ::poll(fds, 2, timeout);
      if (ready < 0 && errno != EINTR) throw util::RuntimeFailure(std::string("poll: ") + std::strerror(errno));
      if ((fds[1].revents & POLLIN) && signals.take()) return kExitOk;  // Ctrl-C between builds ends a watch
      if (fds[0].revents & POLLIN) {
        auto more = watcher.drain();
        if (!more.empty()) {
          changed.insert(more.begin(), more.end());
          settle_until = Clock::now() + std::chrono::milliseconds(options.debounce_ms);
        }
      } else if (settle_until && Clock::now() >= *settle_until) {
        break;
      }
    }
    if (!global.quiet) {
      const fs::path& first = *changed.begin();
      spdlog::info("changed: {}{}", manifest::display_path(manifest::load_project(root), first),
                   changed.size() > 1 ? " (+" + std::to_string(changed.size() - 1) + " more)" : "");
    }
  }
}

}  // namespace

CommandBody define_watch(CLI::App& app, const GlobalOptions& global) {
  auto options = std::make_shared<WatchOptions>();
  app.add_option("-j", options->build.jobs, "run N steps at once")->type_name("N")->check(CLI::Range(1, 100000));
  app.add_option("-k", options->build.keep_going, "keep going until N steps failed (0: never stop)")
      ->type_name("N")
      ->check(CLI::NonNegativeNumber);
  app.add_flag("--json", options->build.json, "each build's summary as one JSON line on stdout");
  app.add_option("--debounce", options->debounce_ms, "wait until no change came for MS milliseconds (default 300)")
      ->type_name("MS")
      ->check(CLI::Range(0, 60000));
  return [&global, options] { return run_watch(global, *options); };
}

}  // namespace dgxpx::cli
