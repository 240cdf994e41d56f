#include "compiler/cli/shard_build.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "cache/local_store.h"
#include "cache/remote/remote_cache.h"
#include "compiler/backend/step_log.h"
#include "compiler/cli/ninja_process.h"
#include "compiler/cli/progress_printer.h"
#include "compiler/cli/project_context.h"
#include "compiler/cli/remote_settings.h"
#include "compiler/plan/ninja_writer.h"
#include "compiler/util/atomic_file.h"
#include "compiler/util/error.h"
#include "compiler/util/file_lock.h"
#include "compiler/worker/worker_generator.h"

namespace dgxpx::cli {
namespace fs = std::filesystem;

namespace {

std::string env_or_empty(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

/// A scheduler's variable as a count; throws naming it when it is not one.
int index_from(const char* name, const std::string& value) {
  const bool digits = !value.empty() && value.size() <= 9 &&
                      value.find_first_not_of("0123456789") == std::string::npos;
  if (!digits) throw util::InputError(std::string(name) + ": expected a number, got \"" + value + "\"");
  return std::stoi(value);
}

/// The steps of `part` whose results must still be made: every gen step one of whose group
/// (itself and the pixel steps reading its image) lacks an entry, with the lacking pixel steps.
plan::Plan steps_to_make(const plan::Plan& part, const std::unordered_set<util::Digest, plan::DigestHash>& lacking) {
  std::unordered_map<std::string, size_t> gen_of_image;
  for (size_t i = 0; i < part.steps.size(); ++i)
    if (part.steps[i].kind == plan::StepKind::gen)
      for (const std::string& output : part.steps[i].outputs) gen_of_image[output] = i;
  std::set<size_t> chosen;
  for (size_t i = 0; i < part.steps.size(); ++i) {
    const plan::Step& step = part.steps[i];
    if (!lacking.count(step.key)) continue;
    chosen.insert(i);
    for (const std::string& input : step.inputs)
      if (auto it = gen_of_image.find(input); it != gen_of_image.end()) chosen.insert(it->second);
  }
  plan::Plan todo;
  for (size_t i : chosen) {
    const plan::Step& step = part.steps[i];
    todo.steps.push_back(step);
    if (step.kind == plan::StepKind::gen) {
      ++todo.gen_steps;
      if (!step.model_pool) ++todo.placeholder_gen_steps;
    } else {
      ++todo.pixel_steps;
    }
  }
  return todo;
}

}  // namespace

plan::Shard resolve_shard(const std::string& spec) {
  if (spec != "auto" && spec.rfind("auto/", 0) != 0) return plan::parse_shard(spec, "--shard");
  const std::string slurm_id = env_or_empty("SLURM_ARRAY_TASK_ID");
  plan::Shard shard;
  if (spec == "auto") {
    if (slurm_id.empty())
      throw util::InputError("--shard auto: expected SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT in the "
                             "environment (a Slurm job array), got none; give the count as --shard auto/N");
    const std::string min = env_or_empty("SLURM_ARRAY_TASK_MIN");
    shard.index = index_from("SLURM_ARRAY_TASK_ID", slurm_id) - (min.empty() ? 0 : index_from("SLURM_ARRAY_TASK_MIN", min));
    shard.count = index_from("SLURM_ARRAY_TASK_COUNT", env_or_empty("SLURM_ARRAY_TASK_COUNT"));
    return plan::parse_shard(std::to_string(shard.index) + "/" + std::to_string(shard.count),
                             "--shard auto (from SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT)");
  }
  const std::string count = spec.substr(5);
  const std::string kube_index = env_or_empty("JOB_COMPLETION_INDEX");
  const char* source = !slurm_id.empty() ? "SLURM_ARRAY_TASK_ID" : "JOB_COMPLETION_INDEX";
  const std::string index = !slurm_id.empty() ? slurm_id : kube_index;
  if (index.empty())
    throw util::InputError("--shard " + spec + ": expected SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX in the "
                           "environment, got neither");
  return plan::parse_shard(index + "/" + count, std::string("--shard ") + spec + " (index from " + source + ")");
}

int run_shard_build(const GlobalOptions& global, const BuildOptions& options, const std::string& spec) {
  const auto started = std::chrono::steady_clock::now();
  const plan::Shard shard = resolve_shard(spec);
  const fs::path root = project_root(global);
  manifest::ProjectConfig project = manifest::load_project(root);
  std::optional<RemoteCacheConfig> remote_config = remote_cache_config(project);
  // Planned in memory and nothing of the plan written: shards may share the project folder
  // (a network home), and only a plain build owns its plan files.
  Planned planned = plan_in_memory(root, plan::RecordDetail::changed, plan::CacheWrites::none);
  std::map<std::string, std::string> batch_keys;  // by step key: read once per gen step
  const plan::Plan part = plan::shard_part(planned.plan, shard, [&](const plan::Step& step) {
    return batch_keys[step.key.hex()] = plan::gen_step_batch_key(root, step);
  });
  std::set<std::string> batch_groups;  // this shard's: the model loads it needs at most
  for (const plan::Step& step : part.steps)
    if (step.kind == plan::StepKind::gen) batch_groups.insert(batch_keys[step.key.hex()]);

  const std::string name = std::to_string(shard.index) + "-of-" + std::to_string(shard.count);
  const fs::path shard_dir = project.state_dir / "shards" / name;
  fs::create_directories(shard_dir);
  util::FileLock lock(shard_dir / "lock");  // the same shard twice at once would race its ninja log
  if (!lock.try_lock()) {
    if (!global.quiet) spdlog::info("waiting for another dgxpx build of shard {}/{} to finish...", shard.index, shard.count);
    lock.lock();
  }

  // What is missing where this shard's results are meant to meet: the remote cache when
  // there is one, else the cache folder (shared between the machines).
  const fs::path cache_root = cache_dir(project);
  cache::LocalStore local(cache_root);
  std::vector<util::Digest> keys;
  for (const plan::Step& step : part.steps) keys.push_back(step.key);
  std::unique_ptr<cache::RemoteCache> remote;
  std::vector<util::Digest> lacking_keys;
  if (remote_config) {
    remote = std::make_unique<cache::RemoteCache>(remote_config->options);
    lacking_keys = remote->missing_entries(keys);
    if (!remote->available() || remote->reads_denied())
      throw util::RuntimeFailure(remote->problem() + "; a shard's results must reach the remote cache, so it stops");
    if (!remote_config->write && !lacking_keys.empty())
      spdlog::warn("{}: writing is off (cache.write or DGXPX_REMOTE_WRITE=1), so this shard's results stay local",
                   remote->describe());
  } else {
    for (const util::Digest& key : keys) {
      std::error_code ec;
      if (!fs::exists(local.entry_path(key), ec)) lacking_keys.push_back(key);
    }
  }
  const std::unordered_set<util::Digest, plan::DigestHash> lacking(lacking_keys.begin(), lacking_keys.end());
  const plan::Plan todo = steps_to_make(part, lacking);
  if (remote) {
    // A gen step the remote holds but whose pixel step it lacks is fetched, not redrawn.
    std::vector<util::Digest> fetch;
    for (const plan::Step& step : todo.steps) {
      std::error_code ec;
      if (!lacking.count(step.key) && !fs::exists(local.entry_path(step.key), ec)) fetch.push_back(step.key);
    }
    if (!fetch.empty()) remote->fetch_into(local, fetch);
  }

  const fs::path step_log = shard_dir / "steps.log";
  util::write_file_atomic(step_log, "");
  int ninja_status = 0;
  if (!todo.steps.empty()) {
    plan::write_step_specs(project, todo, planned.specs);
    plan::NinjaFileOptions ninja_options = plan::ninja_file_options(project, self_command());
    ninja_options.build_file.clear();  // never re-planned: a shard's graph is used once
    ninja_options.build_dir = manifest::display_path(project, shard_dir);
    const fs::path graph = shard_dir / "build.ninja";
    util::write_file_atomic(graph, plan::render_ninja_file(todo, ninja_options));
    NinjaRun run{root, {"-f", manifest::display_path(project, graph)}, {{backend::kStepLogEnv, step_log.string()},
                                                                         {"NINJA_STATUS", "[%f/%t] "},
                                                                         {"DGXPX_CACHE_DIR", cache_root.string()},
                                                                         {worker::kBuildPidEnv, std::to_string(::getpid())}}};
    const std::vector<std::string> ninja_args = options.ninja_args();
    run.args.insert(run.args.end(), ninja_args.begin(), ninja_args.end());
    ProgressPrinter progress(global.quiet || options.json, todo.gen_steps);
    ninja_status = run_ninja(run, [&progress](const std::string& line) { progress.line(line); });
    progress.finish();
  }
  bool uploaded = true;
  if (remote && remote_config->write && !lacking_keys.empty()) {
    remote->upload_from(local, lacking_keys);
    uploaded = remote->available() && !remote->writes_denied();
    if (!uploaded) spdlog::error("{}; this shard's results did not reach the remote cache", remote->problem());
  }

  std::map<std::string, int> ran, from_cache;
  std::set<std::string> failed;
  for (const auto& e : backend::read_step_log(step_log)) {
    if (e.event == backend::StepEvent::ran) ++ran[e.kind];
    if (e.event == backend::StepEvent::from_cache) ++from_cache[e.kind];
    if (e.event == backend::StepEvent::failed) failed.insert(e.kind + " " + e.name);
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const bool ok = ninja_status == 0 && failed.empty() && uploaded;
  const int cached_gen = part.gen_steps - todo.gen_steps;
  if (!global.quiet && !options.json) {
    spdlog::info("shard {}/{}: {} gen steps in {} batch groups, {} pixel steps; {} gen steps already cached",
                 shard.index, shard.count, part.gen_steps, batch_groups.size(), part.pixel_steps, cached_gen);
    spdlog::info("{} ran ({} gen, {} pixel), {} from cache, {} failed ({:.2f} s)", ran["gen"] + ran["pixel"], ran["gen"],
                 ran["pixel"], from_cache["gen"] + from_cache["pixel"], failed.size(), seconds);
    if (remote)
      spdlog::info("{}: {} uploads, {} errors", remote->describe(), remote->stats().uploads, remote->stats().errors);
  }
  if (options.json) {
    nlohmann::json j = {{"ok", ok},
                        {"shard", {{"index", shard.index}, {"count", shard.count}}},
                        {"steps", {{"gen", part.gen_steps}, {"pixel", part.pixel_steps}}},
                        {"batch_groups", batch_groups.size()},
                        {"already_cached", {{"gen", cached_gen}, {"pixel", part.pixel_steps - todo.pixel_steps}}},
                        {"ran", {{"gen", ran["gen"]}, {"pixel", ran["pixel"]}, {"pack", 0}}},
                        {"from_cache", {{"gen", from_cache["gen"]}, {"pixel", from_cache["pixel"]}, {"pack", 0}}},
                        {"failed", failed},
                        {"seconds", seconds}};
    if (remote) j["remote"] = {{"uploads", remote->stats().uploads}, {"errors", remote->stats().errors}};
    std::printf("%s\n", j.dump().c_str());
    std::fflush(stdout);
  }
  if (ninja_status >= 128 && ninja_status - 128 == 2) return kExitInterrupted;
  return ok ? kExitOk : kExitBuildFailed;
}

}  // namespace dgxpx::cli
