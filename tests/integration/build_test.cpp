// `dgxpx build` end to end with the real ninja: what runs, what comes from the cache, and what
// is left alone, for each kind of change a user makes.
#include <signal.h>

#include <catch2/catch.hpp>
#include <algorithm>
#include <chrono>
#include <sstream>
#include <thread>

#include "tests/integration/example_project.h"

using namespace dgxpx::testing;
namespace fs = std::filesystem;

static int ran(const RunResult& r, const char* kind) { return r.summary["ran"][kind].get<int>(); }
static int cached(const RunResult& r, const char* kind) { return r.summary["from_cache"][kind].get<int>(); }

static RunResult build(const TempProject& p, const std::string& env = "") {
  RunResult r = p.dgxpx("build --json", env);
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  REQUIRE(r.summary.is_object());
  REQUIRE(r.summary["ok"] == true);
  return r;
}

static std::map<std::string, std::string> outputs(const TempProject& p) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(p.root() / "assets"))
    if (e.is_regular_file()) files[fs::relative(e.path(), p.root()).string()] = p.read(fs::relative(e.path(), p.root()).string());
  return files;
}

// The edit most tests make: the walk animation's prompt (6 of hero's 10 frames).
static void make_hero_run(const TempProject& p) {
  std::string hero = p.read("sprites/hero.yaml");
  p.write("sprites/hero.yaml", hero.replace(hero.find("walking"), 7, "running fast"));
}

TEST_CASE("first build generates everything, the second nothing", "[integration][build]") {
  TempProject p;
  write_example_project(p);
  RunResult first = build(p);
  CHECK(ran(first, "gen") == kUniqueGens);  // loot2/sword shares loot/sword's gen spec: one model run
  CHECK(ran(first, "pixel") == kUniqueGens);
  CHECK(ran(first, "pack") == kAssets);
  for (const char* f : {"assets/hero.png", "assets/hero.json", "assets/world.png", "assets/world.json", "assets/loot.png",
                        "assets/loot/sword.png", "assets/loot/potion.png", "assets/loot2/sword.png", ".dgxpx/report/index.html"})
    CHECK(p.exists(f));
  auto atlas = nlohmann::json::parse(p.read("assets/hero.json"));
  CHECK(atlas["frames"].size() == kHeroFrames);
  CHECK(atlas["meta"]["frameTags"].size() == 4);  // idle/down idle/up walk/down walk/up

  RunResult second = build(p);
  CHECK(ran(second, "gen") + ran(second, "pixel") + ran(second, "pack") == 0);
  CHECK(cached(second, "gen") + cached(second, "pixel") + cached(second, "pack") == 0);
  CHECK(second.summary["up_to_date"] == 2 * kUniqueGens + kAssets);
}

TEST_CASE("editing one animation's prompt reruns exactly its frames and its character's sheet", "[integration][build]") {
  TempProject p;
  write_example_project(p);
  build(p);
  auto before = outputs(p);
  make_hero_run(p);
  RunResult r = build(p);
  CHECK(ran(r, "gen") == 6);  // walk: 3 frames × 2 directions
  CHECK(ran(r, "pixel") == 6);
  CHECK(ran(r, "pack") == 1);
  auto after = outputs(p);
  CHECK(after.at("assets/world.png") == before.at("assets/world.png"));
  CHECK(after.at("assets/loot.png") == before.at("assets/loot.png"));

  RunResult explain = p.dgxpx("explain hero");
  CHECK(explain.exit_code == 0);
  CHECK_THAT(explain.out, Catch::Contains("gen hero/walk/down/0 (ran)"));
  CHECK_THAT(explain.out, Catch::Contains("prompt changed"));
  CHECK_THAT(explain.out, Catch::Contains("running fast"));
}

TEST_CASE("an edit's new steps run first from a graph of their own, then the whole graph", "[integration][build]") {
  TempProject p;
  write_example_project(p);
  build(p);
  make_hero_run(p);
  fs::remove(p.root() / "assets/world.png");  // dirty too, but no key changed: only the whole graph sees it
  RunResult r = build(p);
  CHECK(ran(r, "gen") == 6);
  CHECK(ran(r, "pixel") == 6);
  CHECK(ran(r, "pack") + cached(r, "pack") == 2);
  CHECK(p.exists("assets/world.png"));

  const std::string part = p.read(".dgxpx/new-work.ninja");
  CHECK_THAT(part, Catch::Contains("name = hero/walk/down/0"));
  CHECK_THAT(part, Catch::Contains("name = hero/idle/up/0"));  // the whole asset: its sheet needs every frame
  CHECK_THAT(part, !Catch::Contains("world") && !Catch::Contains("loot") && !Catch::Contains("rule plan"));

  // Every step of hero started before world's sheet did.
  std::vector<std::string> started;
  std::istringstream log(p.read(".dgxpx/logs/last-build.log"));
  for (std::string event, kind, stamp, name; log >> event >> kind >> stamp >> name;)
    if (event == "start") started.push_back(kind + " " + name);
  auto world = std::find(started.begin(), started.end(), "pack world");
  REQUIRE(world != started.end());
  CHECK(std::count_if(started.begin(), world, [](const std::string& s) { return s.find(" hero") != std::string::npos; }) == 6 + 6 + 1);
  CHECK(std::count_if(world, started.end(), [](const std::string& s) { return s.find(" hero") != std::string::npos; }) == 0);
}

TEST_CASE("a step failing in an edit's first part stops the build, unless -k keeps it going", "[integration][build]") {
  TempProject p;
  write_example_project(p);
  build(p);
  make_hero_run(p);
  fs::remove(p.root() / "assets/world.png");
  fs::remove(p.root() / "assets/hero.png");
  fs::create_directories(p.root() / "assets/hero.png/blocked");  // hero's sheet cannot be written

  RunResult stopped = p.dgxpx("build --json");
  CHECK(stopped.exit_code == 1);
  CHECK(stopped.summary["failed"] == nlohmann::json::array({"pack hero"}));
  CHECK_FALSE(p.exists("assets/world.png"));  // the whole graph did not run

  std::string hero = p.read("sprites/hero.yaml");  // new keys again, so the first part runs again
  p.write("sprites/hero.yaml", hero.replace(hero.find("running fast"), 12, "sprinting"));
  RunResult kept_going = p.dgxpx("build -k 0 --json");
  CHECK(kept_going.exit_code == 1);
  CHECK(kept_going.summary["failed"] == nlohmann::json::array({"pack hero"}));  // failed in both runs, listed once
  CHECK(p.exists("assets/world.png"));
}

TEST_CASE("reordering YAML keys or renaming a manifest file changes no key", "[integration][build]") {
  TempProject p;
  write_example_project(p);
  build(p);
  p.write("sprites/hero.yaml",
          "seed: 3\nanimations:\n  idle: {frames: 2, prompt: standing}\n  walk: {frames: 3, prompt: walking}\n"
          "directions: [down, up]\nprompt: a knight in blue armor\npreset: fast\nname: hero\nkind: character\n");
  fs::rename(p.root() / "sprites/hero.yaml", p.root() / "sprites/the_hero.yaml");
  RunResult r = build(p);
  CHECK(ran(r, "gen") + ran(r, "pixel") + ran(r, "pack") == 0);
}

TEST_CASE("changing a palette reruns the pixel stage but never the model", "[integration][build]") {
  TempProject p;
  write_example_project(p);
  build(p);
  p.write("palettes/warm.hex", "000000\nffffff\nff0000\n00ff00\n");
  RunResult r = build(p);
  CHECK(ran(r, "gen") == 0);
  CHECK(ran(r, "pixel") == 2);  // loot's sword (shared with loot2) and potion
  CHECK(ran(r, "pack") == 2);   // loot and loot2
}

TEST_CASE("replacing a LoRA's bytes reruns exactly its assets, touching it reruns nothing", "[integration][build]") {
  TempProject p;
  write_example_project(p);
  build(p);
  auto mtime_before = fs::last_write_time(p.root() / "loras/style.safetensors");
  fs::last_write_time(p.root() / "loras/style.safetensors", mtime_before + std::chrono::seconds(5));
  RunResult touched = build(p);
  CHECK(ran(touched, "gen") + ran(touched, "pixel") + ran(touched, "pack") == 0);

  p.write("loras/style.safetensors", "a retrained LoRA with different bytes");
  RunResult replaced = build(p);
  CHECK(ran(replaced, "gen") == kHeroFrames);  // only hero's preset names the LoRA
  CHECK(ran(replaced, "pack") == 1);
  RunResult explain = p.dgxpx("explain hero");
  CHECK_THAT(explain.out, Catch::Contains("lora[0] changed: 'loras/style.safetensors"));
}

TEST_CASE("deleted outputs come back from the cache without generating", "[integration][build][cache]") {
  TempProject p;
  write_example_project(p);
  build(p);
  auto before = outputs(p);
  fs::remove_all(p.root() / "assets");
  RunResult r = build(p);
  CHECK(ran(r, "gen") + ran(r, "pixel") + ran(r, "pack") == 0);
  CHECK(cached(r, "pack") == kAssets);
  CHECK(outputs(p) == before);
}

TEST_CASE("a fresh clone pointed at a warm shared cache generates nothing", "[integration][build][cache]") {
  TempProject shared, first, clone;
  write_example_project(first);
  write_example_project(clone);
  std::string env = "DGXPX_CACHE_DIR='" + shared.root().string() + "/cache'";
  build(first, env);
  RunResult r = build(clone, env);
  CHECK(ran(r, "gen") == 0);
  CHECK(ran(r, "pixel") == 0);
  CHECK(cached(r, "gen") == kUniqueGens);
  CHECK(outputs(clone) == outputs(first));
}

TEST_CASE("a corrupted cache blob is detected and regenerated", "[integration][build][cache]") {
  TempProject p;
  write_example_project(p);
  build(p);
  auto before = outputs(p);
  int damaged = 0;
  for (const auto& e : fs::recursive_directory_iterator(p.root() / ".dgxpx/cache"))
    if (e.is_regular_file() && e.path().string().find("/blobs/") != std::string::npos) {
      std::string bytes = p.read(fs::relative(e.path(), p.root()).string());
      bytes[bytes.size() / 2] ^= 0x5a;
      p.write(fs::relative(e.path(), p.root()).string(), bytes);
      ++damaged;
    }
  REQUIRE(damaged > 0);
  fs::remove_all(p.root() / "assets");
  fs::remove_all(p.root() / ".dgxpx/gen");
  fs::remove_all(p.root() / ".dgxpx/pixel");
  RunResult r = build(p);
  CHECK(ran(r, "gen") == kUniqueGens);
  CHECK_THAT(r.err, Catch::Contains("corrupt"));
  CHECK(outputs(p) == before);  // regenerated to the same bytes
}

TEST_CASE("SIGKILL in the middle of a build, then build again: complete and correct", "[integration][build]") {
  TempProject reference, p;
  write_example_project(reference);
  build(reference);
  write_example_project(p);
  // Start a build in its own process group and kill the whole group once steps are running.
  pid_t pid = fork();
  if (pid == 0) {
    setpgid(0, 0);
    std::string cmd = "cd '" + p.root().string() + "' && exec '" DGXPX_BINARY "' -q build -j2 >/dev/null 2>&1";
    execl("/bin/sh", "sh", "-c", cmd.c_str(), nullptr);
    _exit(127);
  }
  setpgid(pid, pid);
  auto log = p.root() / ".dgxpx/logs/last-build.log";
  for (int i = 0; i < 400; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
    if (fs::exists(log) && p.read(".dgxpx/logs/last-build.log").find("ran gen") != std::string::npos) break;
  }
  kill(-pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  REQUIRE(WIFSIGNALED(status));
  RunResult r = build(p);
  CHECK(ran(r, "pack") == kAssets);
  CHECK(outputs(p) == outputs(reference));
  CHECK(build(p).summary["up_to_date"] == 2 * kUniqueGens + kAssets);
}

TEST_CASE("assets removed from a manifest disappear from the outputs", "[integration][build]") {
  TempProject p;
  write_example_project(p);
  build(p);
  REQUIRE(p.exists("assets/loot2/sword.png"));
  std::string loot = p.read("sprites/loot.yaml");
  p.write("sprites/loot.yaml", loot.substr(0, loot.find("---")));
  build(p);
  CHECK_FALSE(p.exists("assets/loot2.png"));
  CHECK_FALSE(p.exists("assets/loot2.json"));
  CHECK_FALSE(p.exists("assets/loot2/sword.png"));
  CHECK(p.exists("assets/loot/sword.png"));
}

TEST_CASE("status says what is dirty and why, -n builds nothing", "[integration][build]") {
  TempProject p;
  write_example_project(p);
  build(p);
  std::string hero = p.read("sprites/hero.yaml");
  p.write("sprites/hero.yaml", hero.replace(hero.find("seed: 3"), 7, "seed: 4"));
  RunResult status = p.dgxpx("status");
  CHECK(status.exit_code == 0);
  // every frame's gen and pixel step, and the sheet
  CHECK_THAT(status.out, Catch::Contains("hero: " + std::to_string(2 * kHeroFrames + 1) + " steps to run"));
  CHECK_THAT(status.out, Catch::Contains("seed 3 → 4 (all frames)"));  // the manifest's values, not the frames' derived seeds
  RunResult dry = p.dgxpx("build -n --json");
  CHECK(dry.exit_code == 0);
  CHECK(dry.summary["dry_run"] == true);
  CHECK(dry.summary["gen_steps"] == kHeroFrames);
  CHECK(build(p).summary["ran"]["gen"] == kHeroFrames);
}

// --- the plan cache (.dgxpx/plan-cache/): only edited manifest files are read and planned ---

static std::string plan_verbose(const TempProject& p) {
  RunResult r = p.dgxpx("-v plan");
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  return r.err;
}

static std::vector<fs::path> plan_cache_entries(const TempProject& p) {
  std::vector<fs::path> entries;
  for (const auto& e : fs::directory_iterator(p.root() / ".dgxpx/plan-cache")) entries.push_back(e.path());
  std::sort(entries.begin(), entries.end());
  return entries;
}

TEST_CASE("editing one manifest file re-plans only it, and the plan equals one from scratch", "[integration][build][plan-cache]") {
  TempProject p;
  write_example_project(p);
  build(p);
  CHECK_THAT(plan_verbose(p), Catch::Contains("re-planned 0 of 3 manifest files"));
  make_hero_run(p);
  CHECK_THAT(plan_verbose(p), Catch::Contains("re-planned 1 of 3 manifest files"));
  const std::string incremental_ninja = p.read(".dgxpx/build.ninja");
  const std::string incremental_index = p.read(".dgxpx/records.index");

  fs::remove_all(p.root() / ".dgxpx/plan-cache");
  CHECK_THAT(plan_verbose(p), Catch::Contains("re-planned 3 of 3 manifest files"));
  CHECK(p.read(".dgxpx/build.ninja") == incremental_ninja);
  CHECK(p.read(".dgxpx/records.index") == incremental_index);
  CHECK(plan_cache_entries(p).size() == 3);

  RunResult r = build(p);
  CHECK(ran(r, "gen") == 6);
  CHECK(ran(r, "pack") == 1);
}

TEST_CASE("a damaged plan-cache entry is ignored: that file is re-planned", "[integration][build][plan-cache]") {
  TempProject p;
  write_example_project(p);
  build(p);
  const std::string ninja_before = p.read(".dgxpx/build.ninja");
  auto entries = plan_cache_entries(p);
  REQUIRE(entries.size() == 3);
  auto bytes = [](const fs::path& f) {
    std::ifstream in(f, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  auto overwrite = [](const fs::path& f, const std::string& text) { std::ofstream(f, std::ios::binary) << text; };
  std::string first = bytes(entries[0]), second = bytes(entries[1]);
  overwrite(entries[0], first.substr(0, first.size() / 2));  // truncated
  second[second.size() / 2] ^= 0x20;                          // one bit flipped
  overwrite(entries[1], second);
  overwrite(entries[2], "not a plan cache entry");
  CHECK_THAT(plan_verbose(p), Catch::Contains("re-planned 3 of 3 manifest files"));
  CHECK(p.read(".dgxpx/build.ninja") == ninja_before);
  CHECK_THAT(plan_verbose(p), Catch::Contains("re-planned 0 of 3 manifest files"));  // rewritten whole
  RunResult r = build(p);
  CHECK(ran(r, "gen") + ran(r, "pixel") + ran(r, "pack") == 0);
}

TEST_CASE("changing a preset re-plans every manifest file", "[integration][build][plan-cache]") {
  TempProject p;
  write_example_project(p);
  build(p);
  p.write("presets/tiles.yaml", "size: [256, 256]\npixel: {size: [32, 32], palette: db32, background: flood}\n");
  CHECK_THAT(plan_verbose(p), Catch::Contains("re-planned 3 of 3 manifest files"));
  RunResult r = build(p);
  CHECK(ran(r, "gen") == 0);
  CHECK(ran(r, "pixel") == kWorldFrames);  // only world uses the tiles preset
  CHECK(ran(r, "pack") == 1);
}

TEST_CASE("duplicate asset names between a cached and an edited manifest file are still reported", "[integration][build][plan-cache]") {
  TempProject p;
  write_example_project(p);
  build(p);
  const std::string ninja_before = p.read(".dgxpx/build.ninja");
  const std::string loot = p.read("sprites/loot.yaml");
  const std::string hero = p.read("sprites/hero.yaml");

  SECTION("the edited file comes later: the error is in it") {
    p.write("sprites/loot.yaml", loot + "---\nkind: items\nname: hero\npreset: plain\nitems:\n  - {name: a, prompt: b}\n");
    RunResult r = p.dgxpx("build");
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("sprites/loot.yaml:15:7: error: duplicate asset name 'hero' (first defined at sprites/hero.yaml:2:7)"));
  }
  SECTION("the edited file comes first: the error is in the cached one") {
    p.write("sprites/hero.yaml", hero + "---\nkind: items\nname: loot2\npreset: plain\nitems:\n  - {name: a, prompt: b}\n");
    RunResult r = p.dgxpx("build");
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("sprites/loot.yaml:9:7: error: duplicate asset name 'loot2' (first defined at sprites/hero.yaml:12:7)"));
  }
  CHECK(p.read(".dgxpx/build.ninja") == ninja_before);
}
