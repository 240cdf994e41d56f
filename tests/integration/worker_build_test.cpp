// `dgxpx build` with the tiny SDXL model through the generation worker: one model load per
// build, batches larger than one, a worker killed mid-build, a worker that cannot start.
#include <signal.h>

#include <chrono>
#include <fstream>
#include <future>
#include <thread>

#include <catch2/catch.hpp>

#include "tests/support/fixtures.h"
#include "tests/support/project.h"
#include "tests/support/worker_files.h"

using namespace dgxpx::testing;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// A project of `count` items on the tiny model, 3 sampler steps each.
void write_items_project(const TempProject& p, int count, const std::string& worker_settings = "") {
  p.write("dgxpx.yaml", "manifests: sprites\n" + worker_settings);
  p.write("presets/tiny.yaml", "model: " + (sdxl_tiny() / "model").string() +
                                   "\nsampler: euler_a\nsteps: 3\nsize: [128, 128]\n"
                                   "pixel: {size: [16, 16], palette: pico-8, background: keep}\n");
  std::string items = "kind: items\nname: loot\npreset: tiny\nitems:\n";
  for (int i = 0; i < count; ++i)
    items += "  - {name: thing" + std::to_string(i) + ", prompt: \"item number " + std::to_string(i) + "\"}\n";
  p.write("sprites/loot.yaml", items);
}

int count_files(const fs::path& folder, const std::string& extension) {
  int n = 0;
  std::error_code ec;
  for (auto it = fs::directory_iterator(folder, ec); !ec && it != fs::directory_iterator(); it.increment(ec))
    if (it->path().extension() == extension) ++n;
  return n;
}

int count_batch_events(const TempProject& p) {
  std::ifstream in(p.root() / ".dgxpx/logs/worker-events.jsonl");
  int n = 0;
  for (std::string line; std::getline(in, line);) n += line.find("\"event\":\"batch\"") != std::string::npos;
  return n;
}

}  // namespace

TEST_CASE("a -j4 build loads the model once and batches its requests", "[integration][worker]") {
  TempProject p;
  write_items_project(p, 12);
  RunResult r = p.dgxpx("build -j4 --json");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.summary["ran"]["gen"] == 12);
  REQUIRE(r.summary.contains("worker"));
  CHECK(r.summary["worker"]["model_loads"] == 1);
  CHECK(r.summary["worker"]["images"] == 12);
  int largest = 0;
  for (const auto& [size, count] : r.summary["worker"]["batch_sizes"].items()) largest = std::max(largest, std::stoi(size));
  CHECK(largest > 1);
  CHECK(count_files(p.root() / "assets/loot", ".png") == 12);

  // The worker does not outlive the build (keep_warm 0; it waits 2 s for straggling steps).
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  // The worker removes its socket, then its pid file: wait for both.
  while ((fs::exists(worker_file(p, "worker.sock")) || fs::exists(worker_file(p, "worker.pid"))) &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(100ms);
  CHECK_FALSE(fs::exists(worker_file(p, "worker.sock")));
  CHECK_FALSE(fs::exists(worker_file(p, "worker.pid")));
}

TEST_CASE("a worker killed mid-build fails its waiting steps, the next build completes", "[integration][worker]") {
  TempProject p;
  write_items_project(p, 24, "worker: {max_batch: 2}\n");
  auto build = std::async(std::launch::async, [&p] { return p.dgxpx("build -j4 --json"); });
  // Kill it once it has answered a batch, while more requests wait.
  const auto deadline = std::chrono::steady_clock::now() + 120s;
  while (count_batch_events(p) < 1 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(20ms);
  REQUIRE(count_batch_events(p) >= 1);
  const int pid = std::stoi(read_worker_file(p, "worker.pid"));
  REQUIRE(::kill(pid, SIGKILL) == 0);
  RunResult first = build.get();
  INFO(first.err);
  CHECK(first.exit_code == 1);
  CHECK(first.err.find("went away before answering") != std::string::npos);
  REQUIRE(first.summary["failed"].size() >= 1);
  // A failed step wrote nothing: every raw image on disk is one that ran.
  CHECK(count_files(p.root() / ".dgxpx/gen", ".png") == first.summary["ran"]["gen"].get<int>());

  RunResult second = p.dgxpx("build -j4 --json");
  INFO(second.err);
  REQUIRE(second.exit_code == 0);
  CHECK(second.summary["ran"]["gen"] == 24 - first.summary["ran"]["gen"].get<int>());
  CHECK(count_files(p.root() / "assets/loot", ".png") == 24);
  CHECK(count_files(p.root() / ".dgxpx/gen", ".png") == 24);

  // Correct, not just complete: the same images as a build that was never interrupted.
  TempProject reference;
  write_items_project(reference, 24, "worker: {max_batch: 2}\n");
  REQUIRE(reference.dgxpx("build -j4").exit_code == 0);
  for (int i = 0; i < 24; ++i) {
    const std::string sprite = "assets/loot/thing" + std::to_string(i) + ".png";
    INFO(sprite);
    CHECK(p.read(sprite) == reference.read(sprite));
  }
}

TEST_CASE("when no worker can start, steps generate in-process with a warning", "[integration][worker]") {
  TempProject p;
  write_items_project(p, 3);
  // A folder where the socket belongs: the worker cannot bind it.
  fs::create_directories(worker_file(p, "worker.sock") / "blocker");
  RunResult r = p.dgxpx("build -j2 --json");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.find("no generation worker") != std::string::npos);
  CHECK(r.err.find("generating in-process") != std::string::npos);
  CHECK(r.summary["ran"]["gen"] == 3);
  CHECK(count_files(p.root() / "assets/loot", ".png") == 3);
}

TEST_CASE("worker: {enabled: false} generates in each step without a warning", "[integration][worker]") {
  TempProject p;
  write_items_project(p, 2, "worker: {enabled: false}\n");
  RunResult r = p.dgxpx("build --json");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.find("warn") == std::string::npos);
  CHECK_FALSE(r.summary.contains("worker"));  // no shared worker ran
  CHECK(count_files(p.root() / "assets/loot", ".png") == 2);
}

TEST_CASE("two builds in one project at once: the second waits, nothing is corrupted", "[integration][worker]") {
  TempProject p;
  write_items_project(p, 8);
  auto first = std::async(std::launch::async, [&p] { return p.dgxpx("build -j4 --json"); });
  std::this_thread::sleep_for(200ms);
  RunResult second = p.dgxpx("build -j4 --json");
  RunResult one = first.get();
  INFO(one.err << second.err);
  REQUIRE(one.exit_code == 0);
  REQUIRE(second.exit_code == 0);
  CHECK(one.summary["ran"]["gen"].get<int>() + second.summary["ran"]["gen"].get<int>() == 8);
  CHECK(p.dgxpx("build --json").summary["up_to_date"] == 17);
}
