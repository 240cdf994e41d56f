// `dgxpx build --shard I/N` end to end: four machines (project copies that share nothing but
// the cache: a cache folder, or the real nginx on 127.0.0.1 as the remote) each build their
// share; every gen step runs on exactly one of them, and a final plain build on a fifth copy
// generates nothing and writes the same bytes as one machine building alone.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>

#include "tests/integration/example_project.h"
#include "tests/support/nginx_server.h"
#include "tests/support/slurm_cluster.h"

using namespace dgxpx::testing;
namespace fs = std::filesystem;

namespace {

constexpr int kShards = 4;
const std::string kToken = "shard-token";

RunResult run_ok(const TempProject& p, const std::string& args, const std::string& env) {
  RunResult r = p.dgxpx(args + " --json", env);
  INFO("dgxpx " << args << "\nstderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  REQUIRE(r.summary.is_object());
  REQUIRE(r.summary["ok"] == true);
  return r;
}

std::map<std::string, std::string> outputs(const TempProject& p) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(p.root() / "assets"))
    if (e.is_regular_file()) {
      const std::string relative = fs::relative(e.path(), p.root()).string();
      files[relative] = p.read(relative);
    }
  return files;
}

std::string which(const std::string& tool) {
  FILE* pipe = ::popen(("command -v " + tool).c_str(), "r");
  char line[4096] = {};
  const bool found = pipe && std::fgets(line, sizeof line, pipe) != nullptr;
  if (pipe) ::pclose(pipe);
  std::string path = found ? line : "";
  if (!path.empty() && path.back() == '\n') path.pop_back();
  REQUIRE_FALSE(path.empty());
  return path;
}

struct StoppedRun {
  int exit_code = -1;
  int jobs_named = 0;      // "... job ID" lines it printed
  std::string jobs_left;   // squeue's pending or running jobs afterwards
  std::string log;         // what it printed, and squeue
};

/// Runs `dgxpx slurm --wait` (jobs held back by --begin) as its own process group with the
/// Slurm tools in `shims` first on PATH, sends SIGTERM to the group once stdout holds `after`
/// ("" for: 0.5 s after the start), and again 0.3 s later, as a second Ctrl-C would.
StoppedRun stop_dgxpx_slurm(const TempProject& project, const SlurmCluster& cluster, const TempProject& shims,
                            const std::string& after) {
  const fs::path out = shims.root() / "run.out", err = shims.root() / "run.err", rc = shims.root() / "run.rc";
  for (const fs::path& f : {out, err, rc}) fs::remove(f);
  const std::string wait_for_start = after.empty()
      ? "sleep 0.5\n"
      : "i=0; until grep -q '" + after + "' '" + out.string() + "' || [ $i -ge 600 ]; do sleep 0.1; i=$((i+1)); done\n";
  shims.write("run.sh", "chmod +x '" + shims.root().string() + "'/sbatch '" + shims.root().string() + "'/scancel\n" +
                            "cd '" + project.root().string() + "'\nexport " + cluster.env() + " PATH='" +
                            shims.root().string() + "':\"$PATH\"\n" + "setsid '" DGXPX_BINARY "' slurm --shards 2 --sbatch-arg=--begin=now+600 --wait >'" +
                            out.string() + "' 2>'" + err.string() + "' &\npid=$!\n" + wait_for_start +
                            "kill -s TERM -- -$pid\nsleep 0.3\nkill -s TERM -- -$pid 2>/dev/null\nwait $pid\necho $? >'" +
                            rc.string() + "'\n");
  std::system(("sh '" + (shims.root() / "run.sh").string() + "'").c_str());
  StoppedRun run;
  run.exit_code = std::atoi(shims.read("run.rc").c_str());
  const std::string printed = shims.read("run.out");
  for (size_t at = printed.find(" job "); at != std::string::npos; at = printed.find(" job ", at + 1)) ++run.jobs_named;
  std::system((cluster.env() + " squeue -h -t PENDING,RUNNING,CONFIGURING,COMPLETING -o '%i %T' >'" +
               (shims.root() / "left").string() + "' 2>&1").c_str());
  run.jobs_left = shims.read("left");
  run.log = "stdout: " + printed + "\nstderr: " + shims.read("run.err") + "\nsqueue: " + run.jobs_left;
  return run;
}

/// The example project plus a generated one: characters at several sizes and seeds, so that
/// there are more batch groups than shards and groups larger than a shard's range.
void write_sharded_project(const TempProject& p, const std::string& settings) {
  write_example_project(p);
  p.write("dgxpx.yaml", "manifests: sprites\noutput: assets\n" + settings);
  for (int i = 0; i < 6; ++i) {
    const int size = 128 + 64 * (i % 3);
    p.write("presets/size" + std::to_string(i) + ".yaml",
            "size: [" + std::to_string(size) + ", " + std::to_string(size) + "]\npixel: {size: [16, 16], palette: pico-8}\n");
    p.write("sprites/npc" + std::to_string(i) + ".yaml",
            "kind: character\nname: npc" + std::to_string(i) + "\npreset: size" + std::to_string(i % 3) +
                "\nprompt: villager number " + std::to_string(i) + "\nseed: " + std::to_string(10 + i) +
                "\ndirections: [down]\nanimations:\n  idle: {prompt: standing, frames: " + std::to_string(1 + i % 3) + "}\n");
  }
}

struct ShardRuns {
  int gen_ran = 0, pixel_ran = 0;
  int batch_groups = 0;  // summed over the shards
  std::vector<int> gen_per_shard;
};

/// Adds shard `index`'s --json summary to `runs`.
void count_shard(ShardRuns& runs, const nlohmann::json& summary, int index) {
  INFO(summary.dump());
  REQUIRE(summary.is_object());
  REQUIRE(summary["ok"] == true);
  REQUIRE(summary["shard"]["index"] == index);
  REQUIRE(summary["shard"]["count"] == kShards);
  REQUIRE(summary["ran"]["pack"] == 0);
  REQUIRE(summary["steps"]["gen"] == summary["ran"]["gen"]);  // nothing was cached yet
  runs.gen_ran += summary["ran"]["gen"].get<int>();
  runs.pixel_ran += summary["ran"]["pixel"].get<int>();
  runs.batch_groups += summary["batch_groups"].get<int>();
  runs.gen_per_shard.push_back(summary["ran"]["gen"].get<int>());
}

ShardRuns run_shards(const std::vector<TempProject>& machines, const std::string& env) {
  ShardRuns runs;
  for (int i = 0; i < kShards; ++i) {
    const RunResult r = run_ok(machines[i], "build --shard " + std::to_string(i) + "/" + std::to_string(kShards), env);
    count_shard(runs, r.summary, i);
    // Nothing of the plan is written by a shard: only a plain build owns it.
    CHECK_FALSE(machines[i].exists(".dgxpx/build.ninja"));
    CHECK_FALSE(machines[i].exists("assets"));
  }
  return runs;
}

/// What all four shards together must have done, against one machine's build of the project.
void require_shards_cover_once(const ShardRuns& runs, const RunResult& alone, int batch_groups) {
  const int gen = alone.summary["ran"]["gen"].get<int>();
  REQUIRE(gen > kShards);
  // Each gen step ran once: as many as one machine ran (the final build, generating nothing,
  // shows that none was left out).
  CHECK(runs.gen_ran == gen);
  CHECK(runs.pixel_ran == alone.summary["ran"]["pixel"].get<int>());
  // Balanced: the shards' counts differ by at most one.
  for (int n : runs.gen_per_shard) {
    CHECK(n >= gen / kShards);
    CHECK(n <= (gen + kShards - 1) / kShards);
  }
  // Contiguous ranges of the gen steps sorted by batch group: a group is split at most at the
  // shard boundaries, so the shards load at most groups + (shards - 1) models in all.
  CHECK(runs.batch_groups <= batch_groups + kShards - 1);
}

}  // namespace

TEST_CASE("four shards over a shared cache folder build each gen step once, the final build packs", "[integration][shard]") {
  TempProject alone_project, final_project, cache_holder;
  std::vector<TempProject> machines(kShards);
  write_sharded_project(alone_project, "");
  const RunResult alone = run_ok(alone_project, "build", "");
  const RunResult whole = run_ok(alone_project, "build --shard 0/1", "");  // all cached: counts the groups
  CHECK(whole.summary["already_cached"]["gen"] == whole.summary["steps"]["gen"]);
  CHECK(whole.summary["steps"]["gen"] == alone.summary["ran"]["gen"]);
  CHECK(whole.summary["ran"]["gen"] == 0);

  const std::string env = "DGXPX_CACHE_DIR='" + (cache_holder.root() / "shared-cache").string() + "'";
  for (const TempProject& m : machines) write_sharded_project(m, "");
  const ShardRuns runs = run_shards(machines, env);
  require_shards_cover_once(runs, alone, whole.summary["batch_groups"].get<int>());

  // A shard whose steps are cached does nothing.
  const RunResult again = run_ok(machines[1], "build --shard 1/4", env);
  CHECK(again.summary["ran"]["gen"] == 0);
  CHECK(again.summary["ran"]["pixel"] == 0);
  CHECK(again.summary["already_cached"]["gen"] == again.summary["steps"]["gen"]);

  write_sharded_project(final_project, "");
  const RunResult final_build = run_ok(final_project, "build", env);
  CHECK(final_build.summary["ran"]["gen"] == 0);
  CHECK(final_build.summary["ran"]["pixel"] == 0);
  CHECK(final_build.summary["ran"]["pack"] == alone.summary["ran"]["pack"]);
  CHECK(outputs(final_project) == outputs(alone_project));
}

TEST_CASE("a shard that did not run fails the --cached-only final build, naming its steps, and a re-run does only its work",
          "[integration][shard]") {
  TempProject alone_project, final_project, cache_holder;
  std::vector<TempProject> machines(kShards);
  write_sharded_project(alone_project, "");
  const RunResult alone = run_ok(alone_project, "build", "");
  const std::string env = "DGXPX_CACHE_DIR='" + (cache_holder.root() / "shared-cache").string() + "'";
  for (const TempProject& m : machines) write_sharded_project(m, "");
  const int lost = kShards - 1;  // the shard whose job failed
  for (int i = 0; i < lost; ++i) run_ok(machines[i], "build --shard " + std::to_string(i) + "/" + std::to_string(kShards), env);

  write_sharded_project(final_project, "");
  const RunResult partial = final_project.dgxpx("build --cached-only --json", env);
  INFO("stderr: " << partial.err);
  CHECK(partial.exit_code == 1);
  REQUIRE(partial.summary.is_object());
  CHECK(partial.summary["ok"] == false);
  CHECK(partial.summary["ran"]["gen"] == 0);
  std::set<std::string> missing_gen;
  for (const auto& step : partial.summary["failed"]) {
    const std::string name = step.get<std::string>();
    if (name.rfind("gen ", 0) == 0) missing_gen.insert(name.substr(4));
  }
  REQUIRE_FALSE(missing_gen.empty());
  for (const std::string& name : missing_gen) CHECK(partial.err.find(name) != std::string::npos);
  CHECK(partial.err.find("not in the cache") != std::string::npos);

  // The array re-submitted: the shards that ran find everything cached; the lost one makes
  // exactly the images the final build named.
  for (int i = 0; i < kShards; ++i) {
    const RunResult again = run_ok(machines[i], "build --shard " + std::to_string(i) + "/" + std::to_string(kShards), env);
    INFO("shard " << i << ": " << again.summary.dump());
    CHECK(again.summary["ran"]["gen"] == (i == lost ? static_cast<int>(missing_gen.size()) : 0));
  }
  const RunResult final_build = run_ok(final_project, "build --cached-only", env);
  CHECK(final_build.summary["ran"]["gen"] == 0);
  CHECK(outputs(final_project) == outputs(alone_project));
}

TEST_CASE("four shards meet in the remote cache (nginx) without sharing a folder", "[integration][shard][remote]") {
  NginxServer server(kToken);
  TempProject alone_project, final_project;
  std::vector<TempProject> machines(kShards);
  write_sharded_project(alone_project, "");
  const RunResult alone = run_ok(alone_project, "build", "");
  const int groups = run_ok(alone_project, "build --shard 0/1", "").summary["batch_groups"].get<int>();

  const std::string remote = "cache:\n  remote: " + server.url() + "\n";
  for (const TempProject& m : machines) write_sharded_project(m, remote);
  const std::string writer = "DGXPX_REMOTE_WRITE=1 DGXPX_REMOTE_TOKEN=" + kToken;
  const ShardRuns runs = run_shards(machines, writer);
  require_shards_cover_once(runs, alone, groups);

  // A re-run finds its steps on the server (not in its own cache: that one is emptied).
  fs::remove_all(machines[2].root() / ".dgxpx" / "cache");
  const RunResult again = run_ok(machines[2], "build --shard 2/4", writer);
  CHECK(again.summary["ran"]["gen"] == 0);
  CHECK(again.summary["already_cached"]["gen"] == again.summary["steps"]["gen"]);
  CHECK(again.summary["remote"]["uploads"] == 0);

  write_sharded_project(final_project, remote);
  const RunResult final_build = run_ok(final_project, "build", "");  // anonymous: reads only
  CHECK(final_build.summary["ran"]["gen"] == 0);
  CHECK(final_build.summary["ran"]["pixel"] == 0);
  CHECK(final_build.summary["remote"]["errors"] == 0);
  CHECK(outputs(final_project) == outputs(alone_project));
}

namespace {

/// The last non-empty line of a file, as JSON (a job's --json summary).
nlohmann::json last_json_line(const fs::path& file) {
  std::ifstream in(file);
  std::string last;
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) last = line;
  return nlohmann::json::parse(last, nullptr, false);
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

TEST_CASE("a Slurm job array of 4 shards and a dependent pack job build what one machine builds", "[integration][shard][slurm]") {
  SlurmCluster cluster;
  TempProject alone_project, project, holder;
  write_sharded_project(alone_project, "");
  auto started = std::chrono::steady_clock::now();
  const RunResult alone = run_ok(alone_project, "build", "");
  const double alone_seconds = seconds_since(started);
  const int groups = run_ok(alone_project, "build --shard 0/1", "").summary["batch_groups"].get<int>();

  // One node: the shards share its cache folder (the remote-cache case is tested above).
  write_sharded_project(project, "");
  const fs::path logs = holder.root() / "logs";
  fs::create_directories(logs);
  const std::string submit = "cd '" + project.root().string() + "' && env " + cluster.env() + " DGXPX_CACHE_DIR='" +
                             (holder.root() / "cache").string() + "' sbatch --parsable ";
  started = std::chrono::steady_clock::now();
  REQUIRE(std::system((submit + "--array=0-" + std::to_string(kShards - 1) + " -o '" + logs.string() +
                       "/shard-%a.out' --wrap \"'" DGXPX_BINARY "' build --shard auto --json\" >'" + logs.string() +
                       "/array.id'").c_str()) == 0);
  std::ifstream id_file(logs / "array.id");
  std::string array_id;
  REQUIRE(std::getline(id_file, array_id));
  REQUIRE(std::system((submit + "--dependency=afterany:" + array_id + " -o '" + logs.string() +
                       "/final.out' --wrap \"'" DGXPX_BINARY "' build --cached-only --json\" >'" + logs.string() + "/final.id'").c_str()) == 0);
  std::ifstream final_id_file(logs / "final.id");
  std::string final_id;
  REQUIRE(std::getline(final_id_file, final_id));
  const int status = cluster.wait_for_job(final_id);
  const double cluster_seconds = seconds_since(started);
  REQUIRE(status == 0);

  ShardRuns runs;
  for (int i = 0; i < kShards; ++i) count_shard(runs, last_json_line(logs / ("shard-" + std::to_string(i) + ".out")), i);
  require_shards_cover_once(runs, alone, groups);
  const nlohmann::json final_build = last_json_line(logs / "final.out");
  INFO(final_build.dump());
  REQUIRE(final_build.is_object());
  CHECK(final_build["ok"] == true);
  CHECK(final_build["ran"]["gen"] == 0);
  CHECK(final_build["ran"]["pixel"] == 0);
  CHECK(outputs(project) == outputs(alone_project));
  std::fprintf(stderr, "slurm: %d shards + pack job %.2f s; one machine %.2f s (%d gen steps)\n", kShards,
               cluster_seconds, alone_seconds, alone.summary["ran"]["gen"].get<int>());
}

TEST_CASE("dgxpx slurm --wait submits the shard array and a final build and returns its status", "[integration][shard][slurm]") {
  SlurmCluster cluster;
  TempProject alone_project, project, holder;
  write_sharded_project(alone_project, "");
  const RunResult alone = run_ok(alone_project, "build", "");
  const int groups = run_ok(alone_project, "build --shard 0/1", "").summary["batch_groups"].get<int>();

  write_sharded_project(project, "");
  const auto started = std::chrono::steady_clock::now();
  const RunResult r = project.dgxpx("slurm --shards " + std::to_string(kShards) + " --max-running 2 --time 10 --wait",
                                    cluster.env() + " DGXPX_CACHE_DIR='" + (holder.root() / "cache").string() + "'");
  const double cluster_seconds = seconds_since(started);
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  // The ids it printed name the shards' logs: each holds that shard's --json summary.
  const auto id_after = [&r](const std::string& words) {
    const size_t at = r.out.find(words);
    REQUIRE(at != std::string::npos);
    const size_t begin = at + words.size();
    return r.out.substr(begin, r.out.find(' ', begin) - begin);
  };
  const std::string array_id = id_after("shard array job "), final_id = id_after("final build job ");
  CHECK(array_id != final_id);
  ShardRuns runs;
  for (int i = 0; i < kShards; ++i)
    count_shard(runs, last_json_line(project.root() / ".dgxpx" / "slurm" / ("shard-" + array_id + "_" + std::to_string(i) + ".out")), i);
  require_shards_cover_once(runs, alone, groups);
  CHECK(project.exists(".dgxpx/slurm/final-" + final_id + ".out"));
  CHECK(outputs(project) == outputs(alone_project));
  std::fprintf(stderr, "dgxpx slurm --wait: %d shards + final build %.2f s\n", kShards, cluster_seconds);

  const RunResult bad = project.dgxpx("slurm --shards 0 --wait", cluster.env());
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("--shards") != std::string::npos);
  CHECK(bad.out.find("job") == std::string::npos);  // nothing was submitted
  // sbatch refusing the job: exit 1 with what sbatch said.
  const RunResult refused = project.dgxpx("slurm --sbatch-arg=--no-such-sbatch-option", cluster.env());
  CHECK(refused.exit_code == 1);
  CHECK(refused.err.find("no-such-sbatch-option") != std::string::npos);

  // A final build that fails (a manifest the jobs cannot plan; dgxpx slurm itself does not plan)
  // makes --wait exit 1.
  TempProject broken;
  write_sharded_project(broken, "");
  broken.write("sprites/npc0.yaml", "kind: character\nname: [not a name\n");
  const RunResult failed = broken.dgxpx("slurm --shards 2 --wait", cluster.env());
  INFO("stdout: " << failed.out << "\nstderr: " << failed.err);
  CHECK(failed.exit_code == 1);
  CHECK(failed.out.find("failed") != std::string::npos);

  // Stops: each leaves exit 130 and no job of this cluster pending or running.
  TempProject shims;
  for (const char* tool : {"sbatch", "scancel"})  // the real tools, a second late: a stop lands mid-command
    shims.write(tool, std::string("#!/bin/sh\nsleep 1\nexec '") + which(tool) + "' \"$@\"\n");
  // SIGTERM to the whole process group while waiting, and again while scancel cancels both jobs.
  const StoppedRun waiting = stop_dgxpx_slurm(project, cluster, shims, "final build job ");
  INFO(waiting.log);
  CHECK(waiting.exit_code == 130);
  CHECK(waiting.jobs_named == 2);
  CHECK(waiting.jobs_left.empty());
  // SIGTERM while the first sbatch submits: the array it submitted is cancelled, no final job.
  const StoppedRun submitting = stop_dgxpx_slurm(project, cluster, shims, "");
  INFO(submitting.log);
  CHECK(submitting.exit_code == 130);
  CHECK(submitting.jobs_named == 1);
  CHECK(submitting.jobs_left.empty());
}

TEST_CASE("a bad --shard is a usage error that writes nothing", "[integration][shard]") {
  TempProject p;
  write_example_project(p);
  for (const char* args : {"--shard 4/4", "--shard 1/0", "--shard -1/4", "--shard 1of4", "--shard 2/",
                                  "--shard ' 1/4'", "--shard 99999999999/4", "--shard auto"}) {
    const RunResult r = p.dgxpx(std::string("build ") + args, "-u SLURM_ARRAY_TASK_ID -u SLURM_ARRAY_TASK_COUNT");
    INFO(args << "\nstderr: " << r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("expected") != std::string::npos);
    CHECK_FALSE(p.exists(".dgxpx"));
  }
  const RunResult kube = p.dgxpx("build --shard auto/3", "-u SLURM_ARRAY_TASK_ID JOB_COMPLETION_INDEX=3");
  CHECK(kube.exit_code == 2);
  CHECK(kube.err.find("JOB_COMPLETION_INDEX") != std::string::npos);
  CHECK_FALSE(p.exists(".dgxpx"));
  const RunResult slurm = p.dgxpx("build --shard auto", "SLURM_ARRAY_TASK_ID=7 SLURM_ARRAY_TASK_MIN=2 SLURM_ARRAY_TASK_COUNT=4");
  CHECK(slurm.exit_code == 2);
  CHECK(slurm.err.find("5/4") != std::string::npos);  // 7 - 2 is past the count
}

namespace {

/// Lines of `file` (0 when it does not exist).
int line_count(const TempProject& p, const std::string& file) {
  if (!p.exists(file)) return 0;
  const std::string text = p.read(file);
  return static_cast<int>(std::count(text.begin(), text.end(), '\n'));
}

}  // namespace

TEST_CASE("gen_launcher wraps each gen step's command and nothing else, and changes no key", "[integration][shard]") {
  TempProject alone_project, project;
  write_sharded_project(alone_project, "");
  const RunResult alone = run_ok(alone_project, "build", "");
  // A launcher that notes what it ran, then runs it (as srun would, on another node).
  const std::string launcher = "printf '%s\\n' \"$*\" >>launched.log && exec \"$@\"\n";
  write_sharded_project(project, "gen_launcher: sh launch.sh\n");
  project.write("launch.sh", launcher);
  const RunResult launched = run_ok(project, "build -j 2", "");
  CHECK(launched.summary["ran"] == alone.summary["ran"]);
  CHECK(line_count(project, "launched.log") == alone.summary["ran"]["gen"].get<int>());
  const std::string log = project.read("launched.log");
  CHECK(log.find(" step ") != std::string::npos);
  CHECK(log.find("steps/gen/") != std::string::npos);  // the gen specs, none of the pixel or pack ones
  CHECK(log.find("steps/pixel/") == std::string::npos);
  CHECK(log.find("steps/pack/") == std::string::npos);
  CHECK(outputs(project) == outputs(alone_project));

  // Another launcher re-plans but reruns nothing: where an image is made is not in its key.
  project.write("dgxpx.yaml", "manifests: sprites\noutput: assets\ngen_launcher: sh launch2.sh\n");
  project.write("launch2.sh", launcher);
  const RunResult moved = run_ok(project, "build", "");
  CHECK(moved.summary["ran"]["gen"] == 0);  // each gen command changed, so ninja ran it: a cache hit
  const int launches = line_count(project, "launched.log");
  CHECK(project.read(".dgxpx/build.ninja").find("sh launch2.sh $dgxpx step") != std::string::npos);
  fs::remove_all(project.root() / "assets");
  const RunResult restored = run_ok(project, "build", "");
  CHECK(restored.summary["ran"]["gen"] == 0);  // from the cache: the launcher is not called
  CHECK(line_count(project, "launched.log") == launches);
}

TEST_CASE("gen_launcher: srun runs each gen step as a Slurm job step, at a cost per step the test prints", "[integration][shard][slurm]") {
  SlurmCluster cluster;
  TempProject direct_project, srun_project;
  write_example_project(direct_project);
  write_example_project(srun_project);
  srun_project.write("dgxpx.yaml", srun_project.read("dgxpx.yaml") + "gen_launcher: srun --quit-on-interrupt -n1\n");
  auto started = std::chrono::steady_clock::now();
  const RunResult direct = run_ok(direct_project, "build -j 1", cluster.env());
  const double direct_seconds = seconds_since(started);
  started = std::chrono::steady_clock::now();
  const RunResult srun = run_ok(srun_project, "build -j 1", cluster.env());
  const double srun_seconds = seconds_since(started);
  const int gen = direct.summary["ran"]["gen"].get<int>();
  REQUIRE(gen > 0);
  CHECK(srun.summary["ran"] == direct.summary["ran"]);
  CHECK(outputs(srun_project) == outputs(direct_project));
  // Each gen step was a job of its own: slurmctld handed out at least one job id per step.
  std::system((cluster.env() + " scontrol show config | grep -i '^NEXT_JOB_ID' >'" +
               (srun_project.root() / "next.id").string() + "'").c_str());
  const std::string next = srun_project.read("next.id");
  INFO(next);
  const size_t eq = next.find('=');
  REQUIRE(eq != std::string::npos);
  CHECK(std::stoi(next.substr(eq + 1)) - 1 >= gen);  // ids start at 1
  std::fprintf(stderr, "gen_launcher srun: %d gen steps, %.2f s with srun, %.2f s without (-j 1): %.3f s per step\n",
               gen, srun_seconds, direct_seconds, (srun_seconds - direct_seconds) / gen);
}
