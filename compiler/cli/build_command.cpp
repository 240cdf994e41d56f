// `dgxpx build`: re-plan if any input changed, run ninja on the graph with our own progress
// line, then summarise what ran, what came from the cache and what was up to date.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <future>
#include <map>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "compiler/backend/step_log.h"
#include "compiler/backend/step_runner.h"
#include "compiler/cli/build_command.h"
#include "compiler/cli/build_report.h"
#include "compiler/cli/command.h"
#include "compiler/cli/ninja_process.h"
#include "compiler/cli/progress_printer.h"
#include "compiler/cli/work_summary.h"
#include "compiler/cli/project_context.h"
#include "compiler/cli/remote_sync.h"
#include "compiler/cli/shard_build.h"
#include "compiler/plan/new_work.h"
#include "compiler/plan/ninja_writer.h"
#include "compiler/plan/pending_work.h"
#include "compiler/util/atomic_file.h"
#include "compiler/util/error.h"
#include "compiler/util/file_lock.h"
#include "compiler/worker/launcher.h"
#include "compiler/worker/worker_activity.h"
#include "compiler/worker/worker_generator.h"

namespace dgxpx::cli {
namespace fs = std::filesystem;

namespace {

// `dgxpx build -n`: what would run and why, from a plan made in memory; nothing is written
// and nothing runs.
int run_dry_build(const fs::path& root, const BuildOptions& options, bool details) {
  manifest::ProjectConfig project = manifest::load_project(root);
  Planned planned = plan_in_memory(root, plan::RecordDetail::all, plan::CacheWrites::none);
  const plan::PendingWork work = plan::pending_work(project, planned.plan, planned.specs);
  if (options.json) {
    nlohmann::json j = pending_work_json(work, planned.plan);
    j["ok"] = true;
    j["dry_run"] = true;
    std::printf("%s\n", j.dump().c_str());
  } else {
    print_pending_work(work, planned.plan, details);
  }
  return kExitOk;
}

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

std::vector<std::string> BuildOptions::ninja_args() const {
  std::vector<std::string> args;
  if (jobs > 0) args.insert(args.end(), {"-j", std::to_string(jobs)});
  if (keep_going >= 0) args.insert(args.end(), {"-k", std::to_string(keep_going)});
  return args;
}

int run_build(const GlobalOptions& global, const BuildOptions& given) {
  BuildOptions options = given;
  // Without images to make, a missing one fails only its own steps: the build goes on to
  // list them all.
  if (options.cached_only && options.keep_going < 0) options.keep_going = 0;
  auto started = std::chrono::steady_clock::now();
  fs::path root = project_root(global);
  if (options.dry_run) return run_dry_build(root, options, global.verbose);
  if (!options.shard.empty()) return run_shard_build(global, options, options.shard);
  manifest::ProjectConfig project = manifest::load_project(root);
  std::optional<RemoteCacheConfig> remote_config = remote_cache_config(project);
  // One build at a time per project: a second one waits (its steps would race the first's).
  // The lock is on dgxpx.yaml itself, so that bad input still writes nothing.
  util::FileLock build_lock(root / manifest::kProjectFile);
  if (!build_lock.try_lock()) {
    if (!global.quiet) spdlog::info("waiting for another dgxpx build in this project to finish...");
    build_lock.lock();
  }
  // A build killed mid-write leaves its temp files (".hero.json.tmp.PID.N"): sweep those whose
  // writer is gone. The cache has its own rule for them (FORMAT.md).
  const fs::path cache_root = cache_dir(project);
  for (const auto& dir : {project.output_dir, project.state_dir})
    if (int n = util::remove_stale_temp_files(dir, cache_root)) spdlog::debug("removed {} stale temp files in {}", n, dir.string());
  // Bad input throws here: nothing written. A build rewrites only the records whose keys
  // changed, so it leaves the others' fields in the plan cache.
  std::optional<Planned> planned = plan_if_stale(project, plan::RecordDetail::changed);
  const std::string build_file = manifest::display_path(project, project.state_dir / "build.ninja");
  // Results other machines made for the steps about to run are fetched before any starts.
  RemoteSync remote(std::move(remote_config), cache_root);
  remote.prefetch(project, planned);

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
  if (options.cached_only) run.env[backend::kCachedOnlyEnv] = "1";
  const std::vector<std::string> ninja_args = options.ninja_args();
  run.args.insert(run.args.end(), ninja_args.begin(), ninja_args.end());
  // An edit's gen steps are the new ones; without a re-plan (outputs deleted) there is no count.
  std::optional<int> gen_expected;
  if (planned) gen_expected = plan::new_work(planned->plan, planned->specs).gen_steps;
  ProgressPrinter progress(global.quiet || options.json, gen_expected);
  const auto print = [&progress](const std::string& line) { progress.line(line); };

  int ninja_status = 0;
  plan::PlanWriteResult written;
  if (planned) {
    // Writing the rest of the plan overlaps the new steps; the whole graph runs after them.
    std::future<int> new_work_run = start_new_work(project, *planned, run, print);
    written = write_planned(*planned);  // a throw waits for the run above (std::async's future)
    if (new_work_run.valid()) ninja_status = new_work_run.get();
  }
  // After a first part with failed steps (ninja's status 1; 2 is an interrupt), the whole
  // graph runs only when asked to keep going (-k).
  if (ninja_status == 0 || (options.keep_going >= 0 && ninja_status == 1)) ninja_status = run_ninja(run, print);
  progress.finish();
  const bool remote_ok = remote.upload();
  if (planned) {
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
  // In a --cached-only build a gen step that reads a missing image (a keyframe-derived frame)
  // never starts: it was not delivered either, and is named with the others.
  if (options.cached_only && ninja_status != 0) {
    std::optional<Planned> replanned;
    const Planned& now = planned ? *planned : replanned.emplace(plan_in_memory(root));
    for (const auto& step : now.plan.steps) {
      if (step.kind != plan::StepKind::gen) continue;
      const bool missing = std::any_of(step.outputs.begin(), step.outputs.end(),
                                       [&](const std::string& output) { return !fs::exists(root / output); });
      if (missing) failed.insert("gen " + step.name);
    }
  }
  plan::PlanCounts counts = plan::read_plan_counts(project);
  int up_to_date = std::max(0, counts.total() - static_cast<int>(started_steps.size()));
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  bool ok = ninja_status == 0 && failed.empty() && remote_ok;

  const worker::WorkerActivity worker_activity = worker::read_worker_activity(worker_events, worker_events_start);
  int ran_total = ran["gen"] + ran["pixel"] + ran["pack"];
  int cached_total = from_cache["gen"] + from_cache["pixel"] + from_cache["pack"];
  if (ran_total + cached_total > 0 || planned) {
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
    spdlog::info("{} ran ({} gen, {} pixel, {} pack), {} from cache, {} up to date, {} failed ({:.2f} s)", ran_total,
                 ran["gen"], ran["pixel"], ran["pack"], cached_total, up_to_date, failed.size(), seconds);
    if (remote.enabled()) spdlog::info("{}", remote.summary());
  }
  if (options.cached_only && !global.quiet) {
    int missing = 0;
    std::string names;
    for (const std::string& step : failed)
      if (step.rfind("gen ", 0) == 0) names += (missing++ ? ", " : "") + step.substr(4);
    if (missing > 0)
      spdlog::error("{} gen step{} not in the cache (a shard failed or did not run): {}", missing,
                    missing == 1 ? "" : "s", names);
  }
  if (options.json) {
    nlohmann::json j = {{"ok", ok},
                        {"ran", {{"gen", ran["gen"]}, {"pixel", ran["pixel"]}, {"pack", ran["pack"]}}},
                        {"from_cache", {{"gen", from_cache["gen"]}, {"pixel", from_cache["pixel"]}, {"pack", from_cache["pack"]}}},
                        {"up_to_date", up_to_date},
                        {"failed", failed},
                        {"seconds", seconds}};
    if (remote.enabled()) j["remote"] = remote.to_json();
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

CommandBody define_build(CLI::App& app, const GlobalOptions& global) {
  auto options = std::make_shared<BuildOptions>();
  app.add_option("-j", options->jobs, "run N steps at once (default: ninja's, from the cores)")
      ->type_name("N")
      ->check(CLI::Range(1, 100000));
  app.add_option("-k", options->keep_going, "keep going until N steps failed (0: never stop)")
      ->type_name("N")
      ->check(CLI::NonNegativeNumber);
  CLI::Option* dry_run =
      app.add_flag("-n,--dry-run", options->dry_run, "say which assets would rebuild and why; write and run nothing");
  app.add_option("--shard", options->shard,
                 "build only shard I of N of the gen and pixel steps into the (remote) cache, for a job array; "
                 "auto: I and N from SLURM_ARRAY_TASK_ID/COUNT; auto/N: I from SLURM_ARRAY_TASK_ID or "
                 "JOB_COMPLETION_INDEX")
      ->type_name("I/N")
      ->excludes(dry_run);
  app.add_flag("--cached-only", options->cached_only,
               "make no images: every gen step's image must be in the (remote) cache, or its step fails naming "
               "it (the final build after `build --shard` runs); keeps going past such failures")
      ->excludes(dry_run);
  app.add_flag("--json", options->json, "print one JSON object as the last line of stdout");
  return [&global, options] { return run_build(global, *options); };
}

CommandBody define_plan(CLI::App& app, const GlobalOptions& global) {
  return [&global] {
    manifest::ProjectConfig project = manifest::load_project(project_root(global));
    write_planned(plan_in_memory(project.root, plan::RecordDetail::changed));
    return kExitOk;
  };
}

}  // namespace dgxpx::cli
