// `dgxpx build`: re-plan if any input changed, run ninja on the graph with our own progress
// line, then summarise what ran, what came from the cache and what was up to date.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <future>
#include <map>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "compiler/backend/step_log.h"
#include "compiler/cli/build_report.h"
#include "compiler/cli/command.h"
#include "compiler/cli/ninja_process.h"
#include "compiler/cli/project_context.h"
#include "compiler/plan/new_work.h"
#include "compiler/plan/ninja_writer.h"
#include "compiler/util/atomic_file.h"
#include "compiler/util/error.h"
#include "compiler/util/file_lock.h"
#include "compiler/worker/launcher.h"
#include "compiler/worker/worker_activity.h"
#include "compiler/worker/worker_generator.h"

namespace dgxpx::cli {
namespace fs = std::filesystem;

namespace {

struct BuildOptions {
  std::vector<std::string> ninja_args;
  bool json = false;
  bool dry_run = false;
  bool keep_going = false;
};

BuildOptions parse_build_args(const std::vector<std::string>& args) {
  BuildOptions o;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](const char* flag) {
      if (i + 1 >= args.size()) throw util::InputError(util::expected_got(std::string("a number after ") + flag, "nothing"));
      const std::string& v = args[++i];
      if (v.empty() || v.find_first_not_of("0123456789") != std::string::npos)
        throw util::InputError(util::expected_got(std::string("a number after ") + flag, "'" + v + "'"));
      return v;
    };
    if (a == "--json") o.json = true;
    else if (a == "-n" || a == "--dry-run") { o.dry_run = true; o.ninja_args.push_back("-n"); }
    else if (a == "-j") { o.ninja_args.push_back("-j"); o.ninja_args.push_back(value("-j")); }
    else if (a == "-k") { o.keep_going = true; o.ninja_args.push_back("-k"); o.ninja_args.push_back(value("-k")); }
    else if (a.rfind("-j", 0) == 0 || a.rfind("-k", 0) == 0) {
      std::string n = a.substr(2);
      if (n.empty() || n.find_first_not_of("0123456789") != std::string::npos)
        throw util::InputError(util::expected_got("-jN or -kN", "'" + a + "'"));
      o.keep_going = o.keep_going || a[1] == 'k';
      o.ninja_args.push_back(a.substr(0, 2));
      o.ninja_args.push_back(n);
    } else {
      throw util::InputError(util::expected_got("--json, -n, -j N or -k N", "'" + a + "'"));
    }
  }
  return o;
}

// Renders ninja's "[f/t] description" lines as one updating line on a terminal.
class ProgressPrinter {
 public:
  explicit ProgressPrinter(bool quiet) : tty_(::isatty(STDERR_FILENO)), quiet_(quiet) {}
  ~ProgressPrinter() { finish(); }

  void line(const std::string& text) {
    if (!text.empty() && text[0] == '[' && text.find("] ") != std::string::npos) {
      ++progress_lines_;
      if (quiet_) return;
      if (tty_) {
        std::fprintf(stderr, "\r%s\033[K", text.c_str());
        open_ = true;
      } else {
        std::fprintf(stderr, "%s\n", text.c_str());
      }
      return;
    }
    if (text == "ninja: no work to do." || text.rfind("ninja: Entering directory", 0) == 0) return;
    finish();
    std::fprintf(stderr, "%s\n", text.c_str());
  }

  void finish() {
    if (open_) std::fprintf(stderr, "\n");
    open_ = false;
  }
  int progress_lines() const { return progress_lines_; }

 private:
  bool tty_, quiet_, open_ = false;
  int progress_lines_ = 0;
};

// An edit's new steps go first, from a graph of just their assets (.dgxpx/new-work.ninja):
// ninja loads and stats the whole graph (0.6 s for 10,000 assets) before it starts anything.
// Returns that run's exit status to come, or no future when there is no such part (nothing is
// new, or everything is).
std::future<int> start_new_work(const manifest::ProjectConfig& project, const Planned& planned, NinjaRun run,
                                const std::function<void(const std::string&)>& print) {
  const plan::Plan part = plan::new_work(planned.plan, planned.specs);
  if (part.steps.empty() || part.steps.size() == planned.plan.steps.size()) return {};
  plan::write_step_specs(project, part, planned.specs);
  const fs::path part_file = project.state_dir / "new-work.ninja";
  plan::NinjaFileOptions options = plan::ninja_file_options(project, self_command());
  options.build_file.clear();  // no re-plan edge: this graph is used once
  util::write_file_atomic(part_file, plan::render_ninja_file(part, options));
  run.args[1] = manifest::display_path(project, part_file);  // after "-f", in place of build.ninja
  spdlog::debug("{} new steps first ({} gen, {} pixel, {} pack)", part.steps.size(), part.gen_steps, part.pixel_steps,
                part.pack_steps);
  return std::async(std::launch::async, [run, print] { return run_ninja(run, print); });
}

}  // namespace

int run_build(const GlobalOptions& global, const std::vector<std::string>& args) {
  auto started = std::chrono::steady_clock::now();
  BuildOptions options = parse_build_args(args);
  fs::path root = project_root(global);
  manifest::ProjectConfig project = manifest::load_project(root);
  // One build at a time per project: a second one waits (its steps would race the first's).
  // The lock is on dgxpx.yaml itself, so that bad input still writes nothing.
  util::FileLock build_lock(root / manifest::kProjectFile);
  if (!build_lock.try_lock()) {
    if (!global.quiet) spdlog::info("waiting for another dgxpx build in this project to finish...");
    build_lock.lock();
  }
  // Bad input throws here: nothing written. A build rewrites only the records whose keys
  // changed, so it leaves the others' fields in the plan cache.
  std::optional<Planned> planned = plan_if_stale(project, plan::RecordDetail::changed);
  const std::string build_file = manifest::display_path(project, project.state_dir / "build.ninja");
  fs::path cache_root = cache_dir(project);

  fs::path step_log = project.state_dir / "logs" / "last-build.log";
  fs::create_directories(step_log.parent_path());
  std::FILE* truncate = std::fopen(step_log.c_str(), "w");
  if (truncate) std::fclose(truncate);

  // Model-backed steps start the project's worker on first need; it stays up while this
  // process lives (DGXPX_BUILD_PID) and its event log tells the summary what it did.
  const fs::path worker_events = worker::WorkerPaths::of(project).event_log;
  const uint64_t worker_events_start = worker::event_log_size(worker_events);
  NinjaRun run{root, {"-f", build_file}, {{backend::kStepLogEnv, step_log.string()},
                                          {"NINJA_STATUS", "[%f/%t] "},
                                          {"DGXPX_CACHE_DIR", cache_root.string()},
                                          {worker::kBuildPidEnv, std::to_string(::getpid())}}};
  run.args.insert(run.args.end(), options.ninja_args.begin(), options.ninja_args.end());
  ProgressPrinter progress(global.quiet || options.json);
  const auto print = [&progress](const std::string& line) { progress.line(line); };

  int ninja_status = 0;
  plan::PlanWriteResult written;
  if (planned) {
    // Writing the rest of the plan overlaps the new steps; the whole graph runs after them.
    std::future<int> new_work_run;
    if (!options.dry_run) new_work_run = start_new_work(project, *planned, run, print);
    written = write_planned(*planned);  // a throw waits for the run above (std::async's future)
    if (new_work_run.valid()) ninja_status = new_work_run.get();
  }
  // After a first part with failed steps (ninja's status 1; 2 is an interrupt), the whole
  // graph runs only when asked to keep going (-k).
  if (ninja_status == 0 || (options.keep_going && ninja_status == 1)) ninja_status = run_ninja(run, print);
  progress.finish();
  if (planned && !options.dry_run) {
    // Outputs of assets no longer in the manifests disappear (ninja knows them from its log).
    // After the build, not before: the first changed step starts without waiting for it.
    run_ninja({root, {"-f", build_file, "-t", "cleandead"}, {}}, [](const std::string& l) { spdlog::debug("{}", l); });
  }

  // What the steps did, from their log.
  std::map<std::string, int> ran, from_cache;
  std::set<std::string> failed;  // a step that failed in both runs counts once
  std::set<std::string> started_steps;
  BuildActivity activity;
  for (const auto& e : backend::read_step_log(step_log)) {
    std::string id = e.kind + " " + e.name;
    switch (e.event) {
      case backend::StepEvent::start: started_steps.insert(id); break;
      case backend::StepEvent::ran: ++ran[e.kind]; activity.touched.insert(id); break;
      case backend::StepEvent::from_cache: ++from_cache[e.kind]; activity.touched.insert(id); break;
      case backend::StepEvent::failed: failed.insert(id); break;
    }
  }
  plan::PlanCounts counts = plan::read_plan_counts(project);
  int would_run = options.dry_run ? progress.progress_lines() : static_cast<int>(started_steps.size());
  int up_to_date = std::max(0, counts.total() - would_run);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  bool ok = ninja_status == 0 && failed.empty();

  const worker::WorkerActivity worker_activity = worker::read_worker_activity(worker_events, worker_events_start);
  int ran_total = ran["gen"] + ran["pixel"] + ran["pack"];
  int cached_total = from_cache["gen"] + from_cache["pixel"] + from_cache["pack"];
  if (!options.dry_run && (ran_total + cached_total > 0 || planned)) {
    try {
      // The report shows every asset's prompt and seed: it needs every record's fields.
      Planned everything = planned && planned->detail == plan::RecordDetail::all ? std::move(*planned)
                                                                                 : plan_in_memory(root);
      cache::LocalStore store(cache_root);
      activity.summary.project = root.filename().string();
      activity.summary.ran = ran_total;
      activity.summary.from_cache = cached_total;
      activity.summary.up_to_date = up_to_date;
      activity.summary.failed = static_cast<int>(failed.size());
      activity.summary.seconds = seconds;
      std::time_t now = std::time(nullptr);
      char stamp[32];
      std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
      activity.summary.finished_at = stamp;
      write_build_report(everything, written.previous, activity, store);
    } catch (const std::exception& e) {
      spdlog::warn("build report not written: {}", e.what());
    }
  }

  if (!global.quiet && !options.json) {
    if (ran["gen"] > 0 && counts.placeholder_gen > 0)
      spdlog::info("{} of {} gen steps use the procedural PLACEHOLDER backend (their presets name no model)",
                   counts.placeholder_gen, counts.gen);
    if (worker_activity.requests > 0 || worker_activity.model_loads > 0)
      spdlog::info("generation worker: {} model load{}, {} images in {} batches (largest {})",
                   worker_activity.model_loads, worker_activity.model_loads == 1 ? "" : "s", worker_activity.requests,
                   worker_activity.batches, worker_activity.max_batch_size());
    spdlog::info("{}{} ran ({} gen, {} pixel, {} pack), {} from cache, {} up to date, {} failed ({:.2f} s)",
                 options.dry_run ? "dry run: " : "", options.dry_run ? would_run : ran_total, ran["gen"], ran["pixel"],
                 ran["pack"], cached_total, up_to_date, failed.size(), seconds);
  }
  if (options.json) {
    nlohmann::json j = {{"ok", ok},
                        {"ran", {{"gen", ran["gen"]}, {"pixel", ran["pixel"]}, {"pack", ran["pack"]}}},
                        {"from_cache", {{"gen", from_cache["gen"]}, {"pixel", from_cache["pixel"]}, {"pack", from_cache["pack"]}}},
                        {"up_to_date", up_to_date},
                        {"failed", failed},
                        {"seconds", seconds}};
    if (worker_activity.requests > 0 || worker_activity.model_loads > 0) {
      nlohmann::json sizes = nlohmann::json::object();
      for (const auto& [size, count] : worker_activity.batch_sizes) sizes[std::to_string(size)] = count;
      j["worker"] = {{"model_loads", worker_activity.model_loads},
                     {"images", worker_activity.requests},
                     {"batches", worker_activity.batches},
                     {"batch_sizes", sizes}};
    }
    std::printf("%s\n", j.dump().c_str());
    std::fflush(stdout);
  }
  if (ninja_status >= 128 && ninja_status - 128 == 2) return kExitInterrupted;
  return ok ? kExitOk : kExitBuildFailed;
}

int run_plan(const GlobalOptions& global, const std::vector<std::string>& args) {
  if (!args.empty()) throw util::InputError(util::expected_got("no arguments to plan", "'" + args[0] + "'"));
  manifest::ProjectConfig project = manifest::load_project(project_root(global));
  write_planned(plan_in_memory(project.root, plan::RecordDetail::changed));
  return kExitOk;
}

}  // namespace dgxpx::cli
