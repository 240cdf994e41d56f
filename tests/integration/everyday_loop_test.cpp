// The everyday loop as a user lives it: edit, `status`, `explain`, `build -n`, build, `watch` —
// and what must never happen on the way: outputs lost, state written by a question, temp files
// left behind.
#include <signal.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "tests/integration/example_project.h"

using namespace dgxpx::testing;
namespace fs = std::filesystem;

namespace {

RunResult build(const TempProject& p) {
  RunResult r = p.dgxpx("build --json");
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  REQUIRE(r.summary["ok"] == true);
  return r;
}

// Every file under the project with its size and mtime: what "writes nothing" compares.
std::map<std::string, std::pair<uintmax_t, int64_t>> snapshot(const TempProject& p) {
  std::map<std::string, std::pair<uintmax_t, int64_t>> files;
  for (const auto& e : fs::recursive_directory_iterator(p.root())) {
    struct stat st {};
    ::stat(e.path().c_str(), &st);
    files[fs::relative(e.path(), p.root()).string()] = {
        e.is_regular_file() ? e.file_size() : 0, int64_t(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
  }
  return files;
}

// Frames of one animation in a built character atlas, from its frame tags ("hero/idle/down", ...).
int atlas_frames_tagged(const TempProject& p, const std::string& asset, const std::string& animation) {
  auto atlas = nlohmann::json::parse(p.read("assets/" + asset + ".json"));
  int frames = 0;
  for (const auto& tag : atlas["meta"]["frameTags"])
    if (tag["name"].get<std::string>().rfind(asset + "/" + animation + "/", 0) == 0)
      frames += tag["to"].get<int>() - tag["from"].get<int>() + 1;
  return frames;
}

void replace_in(const TempProject& p, const std::string& file, const std::string& from, const std::string& to) {
  std::string text = p.read(file);
  REQUIRE(text.find(from) != std::string::npos);
  p.write(file, text.replace(text.find(from), from.size(), to));
}

}  // namespace

TEST_CASE("two assets identical but for their name both get their outputs, and stay clean", "[integration][loop]") {
  TempProject p;
  write_example_project(p);
  std::string hero = p.read("sprites/hero.yaml");
  std::string twin = hero;
  twin.replace(twin.find("name: hero"), 10, "name: twin");
  p.write("sprites/twin.yaml", twin);
  build(p);
  for (const char* asset : {"hero", "twin"}) {
    INFO(asset);
    REQUIRE(p.exists(std::string("assets/") + asset + ".png"));
    auto atlas = nlohmann::json::parse(p.read(std::string("assets/") + asset + ".json"));
    CHECK(atlas["meta"]["image"] == std::string(asset) + ".png");
  }
  CHECK(p.read("assets/hero.png") == p.read("assets/twin.png"));  // identical work, shared
  RunResult status = p.dgxpx("status --json");
  INFO(status.out << status.err);
  CHECK(status.summary["up_to_date"] == true);
  CHECK(build(p).summary["ran"]["pack"] == 0);
}

TEST_CASE("status and build -n plan in memory, name the assets and why, and write nothing", "[integration][loop]") {
  TempProject p;
  write_example_project(p);
  // A prompt long enough to be shown as a diff rather than whole.
  replace_in(p, "sprites/hero.yaml", "idle: {prompt: standing",
             "idle: {prompt: \"standing idle, breathing slowly, weight on the back foot, shield raised\"");
  build(p);
  const int idle_frames = atlas_frames_tagged(p, "hero", "idle");
  REQUIRE(idle_frames > 0);
  replace_in(p, "sprites/hero.yaml", "breathing slowly", "breathing deeply");
  const auto before = snapshot(p);

  RunResult status = p.dgxpx("status");
  INFO(status.out << status.err);
  CHECK(status.exit_code == 0);
  // gen and pixel for each idle frame, and the sheet
  CHECK_THAT(status.out, Catch::Contains("hero: " + std::to_string(2 * idle_frames + 1) + " steps to run (" +
                                         std::to_string(idle_frames) + " gen)"));
  CHECK_THAT(status.out, Catch::Contains("prompt of idle changed"));
  CHECK_THAT(status.out, !Catch::Contains("world:") && !Catch::Contains("loot:"));

  RunResult dry = p.dgxpx("build -n --json");
  INFO(dry.out << dry.err);
  CHECK(dry.exit_code == 0);
  REQUIRE(dry.summary["assets"].size() == 1);
  CHECK(dry.summary["assets"][0]["asset"] == "hero");
  CHECK(dry.summary["assets"][0]["reason"] == "prompt of idle changed");
  CHECK(dry.summary["gen_steps"] == idle_frames);

  RunResult explain = p.dgxpx("explain hero");
  INFO(explain.out << explain.err);
  CHECK(explain.exit_code == 0);
  // the words that differ, with context, not both sides cut at one length
  CHECK_THAT(explain.out, Catch::Contains("breathing [-slowly,-] {+deeply,+} weight"));
  CHECK(snapshot(p) == before);  // none of the three wrote a thing

  CHECK(build(p).summary["ran"]["gen"] == idle_frames);
  RunResult after = p.dgxpx("explain hero");
  CHECK_THAT(after.out, Catch::Contains("because, when it was last planned: prompt of idle changed"));
  CHECK_THAT(p.dgxpx("status").out, Catch::StartsWith("up to date"));
}

TEST_CASE("a changed seed reads old to new in status, explain and the report, which shows the manifest's seed", "[integration][loop]") {
  TempProject p;
  write_example_project(p);
  // Every manifest with a top-level seed: bump each, one at a time.
  std::vector<std::pair<std::string, long long>> seeded;  // file, seed
  for (const auto& e : fs::directory_iterator(p.root() / "sprites")) {
    const std::string file = "sprites/" + e.path().filename().string(), text = p.read(file);
    const size_t at = text.rfind("\nseed: ", 0) == 0 ? 0 : text.find("\nseed: ");
    if (at != std::string::npos) seeded.emplace_back(file, std::stoll(text.substr(at + 7)));
  }
  REQUIRE_FALSE(seeded.empty());
  build(p);
  for (const auto& [file, seed] : seeded) {
    const std::string text = p.read(file);
    const std::string name = text.substr(text.find("name: ") + 6, text.find('\n', text.find("name: ")) - text.find("name: ") - 6);
    const std::string old_seed = std::to_string(seed), new_seed = std::to_string(seed + 1);
    INFO(file << ": " << name << " seed " << old_seed << " → " << new_seed);
    replace_in(p, file, "\nseed: " + old_seed, "\nseed: " + new_seed);
    const std::string reason = "seed " + old_seed + " → " + new_seed + " (all frames)";
    RunResult status = p.dgxpx("status --json");
    INFO(status.out << status.err);
    REQUIRE(status.summary["assets"].size() == 1);
    CHECK(status.summary["assets"][0]["asset"] == name);
    CHECK(status.summary["assets"][0]["reason"] == reason);
    CHECK_THAT(p.dgxpx("explain " + name).out, Catch::Contains("asset " + name + ": seed changed: '" + old_seed + "' → '" + new_seed + "'"));
    build(p);
    const std::string report = p.read(".dgxpx/report/index.html");
    const size_t card = report.find("data-asset=\"" + name + "\"");
    REQUIRE(card != std::string::npos);
    const std::string sheet_card = report.substr(card, report.find("</article>", card) - card);
    CHECK_THAT(sheet_card, Catch::Contains("<dd class=\"note\">" + reason + "</dd>"));
    CHECK_THAT(sheet_card, Catch::Contains("<dd class=\"seed\">" + new_seed + "</dd>"));
    // Its sprites show the manifest's seed and the frame's own.
    const size_t sprite = report.find("data-asset=\"" + name + "/");
    REQUIRE(sprite != std::string::npos);
    CHECK(report.find("<dd class=\"seed\">" + new_seed + " <span class=\"frame-seed\">(frame seed ", sprite) != std::string::npos);
    CHECK_THAT(p.dgxpx("explain " + name).out, Catch::Contains("because, when it was last planned: " + reason));
  }
}

TEST_CASE("a question about an unknown asset exits 2 and writes nothing", "[integration][loop]") {
  TempProject p;
  write_example_project(p);
  RunResult r = p.dgxpx("explain nobody");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("'nobody'") && Catch::Contains("hero"));
  CHECK_FALSE(p.exists(".dgxpx"));
  CHECK(p.dgxpx("status").exit_code == 0);
  CHECK(p.dgxpx("build -n").exit_code == 0);
  CHECK_FALSE(p.exists(".dgxpx"));
  CHECK_FALSE(p.exists("assets"));
}

TEST_CASE("temp files a killed build left are removed by the next build and by clean", "[integration][loop]") {
  TempProject p;
  write_example_project(p);
  build(p);
  // The naming of util::temp_path_for, with a process id that is not running.
  const std::string dead = ".tmp.2147483600.1";
  p.write("assets/.hero.json" + dead, "half");
  p.write("assets/loot/.sword.png" + dead, "half");
  p.write(".dgxpx/.build.ninja" + dead, "half");
  p.write("assets/.notes.txt", "a user's own hidden file");
  build(p);
  CHECK_FALSE(p.exists("assets/.hero.json" + dead));
  CHECK_FALSE(p.exists("assets/loot/.sword.png" + dead));
  CHECK_FALSE(p.exists(".dgxpx/.build.ninja" + dead));
  CHECK(p.exists("assets/.notes.txt"));
  p.write("assets/.world.png" + dead, "half");
  CHECK(p.dgxpx("clean").exit_code == 0);
  CHECK_FALSE(p.exists("assets/.world.png" + dead));
}

TEST_CASE("a rebuilt sheet rewrites only the files whose bytes changed", "[integration][loop]") {
  TempProject p;
  write_example_project(p);
  build(p);
  const auto before = snapshot(p);
  replace_in(p, "sprites/loot.yaml", "iron sword}\n  - {name: potion", "green sword}\n  - {name: potion");
  CHECK(build(p).summary["ran"]["pack"] == 1);
  const auto after = snapshot(p);
  CHECK(after.at("assets/loot/potion.png") == before.at("assets/loot/potion.png"));
  CHECK(after.at("assets/loot/sword.png") != before.at("assets/loot/sword.png"));
  CHECK(after.at("assets/loot.png") != before.at("assets/loot.png"));
}

TEST_CASE("output folder that is the project root or holds the manifests is refused", "[integration][loop]") {
  for (const char* output : {".", "./", "sprites", "..", "presets/out/.."}) {
    TempProject p;
    write_example_project(p);
    p.write("dgxpx.yaml", std::string("manifests: sprites\noutput: ") + output + "\n");
    RunResult r = p.dgxpx("build");
    INFO(output << "\n" << r.err);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("dgxpx.yaml:2:9: error:"));
    CHECK_FALSE(p.exists(".dgxpx"));
    CHECK(p.dgxpx("clean").exit_code == 2);
    CHECK(p.exists("sprites/hero.yaml"));
  }
}

TEST_CASE("watch rebuilds after an edit, once per burst of saves, and stops on SIGINT", "[integration][loop][watch]") {
  TempProject p;
  write_example_project(p);
  const fs::path log = p.root().parent_path() / (p.root().filename().string() + ".watch");
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::chdir(p.root().c_str());
    std::FILE* out = std::freopen(log.c_str(), "w", stdout);
    std::freopen("/dev/null", "w", stderr);
    if (out) ::execl(DGXPX_BINARY, DGXPX_BINARY, "watch", "--json", "--debounce", "200", nullptr);
    ::_exit(127);
  }
  auto summaries = [&] {
    std::vector<nlohmann::json> lines;
    std::ifstream in(log);
    for (std::string line; std::getline(in, line);) {
      auto j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_object() && j.contains("ok")) lines.push_back(j);
    }
    return lines;
  };
  auto wait_for = [&](size_t count) {
    for (int i = 0; i < 600 && summaries().size() < count; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    return summaries().size() >= count;
  };
  REQUIRE(wait_for(1));
  CHECK(summaries()[0]["ran"]["gen"].get<int>() > 0);
  // An editor's burst: three saves in quick succession are one rebuild.
  replace_in(p, "sprites/hero.yaml", "walking", "walking slowly");
  replace_in(p, "sprites/hero.yaml", "walking slowly", "walking slowly home");
  replace_in(p, "sprites/hero.yaml", "slowly home", "home");
  REQUIRE(wait_for(2));
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  const auto lines = summaries();
  CHECK(lines.size() == 2);
  CHECK(lines[1]["ok"] == true);
  CHECK(lines[1]["ran"]["gen"].get<int>() == atlas_frames_tagged(p, "hero", "walk"));
  ::kill(pid, SIGINT);
  int status = 0;
  ::waitpid(pid, &status, 0);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  fs::remove(log);
}

TEST_CASE("a character's frames derive from their row's key frame by default: one frame's strength reruns it alone",
          "[integration][loop]") {
  TempProject p;
  write_example_project(p);
  build(p);
  // From the record: each row's first frame is generated, the others name its key as their init.
  const auto record = nlohmann::json::parse(p.read(".dgxpx/records/hero.json"));
  std::map<std::string, std::string> row_key;  // "idle/down" → key frame's gen key
  std::string derived_frame;
  for (const auto& step : record["steps"]) {
    if (step["kind"] != "gen") continue;
    const std::string frame = step["name"].get<std::string>().substr(5);  // "hero/idle/down/0"
    const std::string row = frame.substr(0, frame.rfind('/'));
    std::map<std::string, std::string> fields;
    for (const auto& f : step["fields"]) fields[f[0].get<std::string>()] = f[1].get<std::string>();
    INFO(frame);
    if (!row_key.count(row)) {
      row_key[row] = step["key"];
      CHECK(fields.count("init") == 0);
      continue;
    }
    CHECK(fields.at("init") == row_key[row]);
    derived_frame = frame;
  }
  REQUIRE_FALSE(derived_frame.empty());

  // One derived frame's strength: its gen step alone (and its pixel step, and the sheet).
  replace_in(p, "sprites/hero.yaml", "seed: 3\n", "seed: 3\nframe_overrides: {" + derived_frame + ": {strength: 0.35}}\n");
  RunResult status = p.dgxpx("status --json");
  INFO(status.err);
  REQUIRE(status.summary["assets"].size() == 1);
  CHECK(status.summary["assets"][0]["reason"] == "strength of " + derived_frame.substr(0, derived_frame.find('/')) + " changed");
  const RunResult one = build(p);
  CHECK(one.summary["ran"]["gen"] == 1);
  CHECK(one.summary["ran"]["pixel"] == 1);
  CHECK(one.summary["ran"]["pack"] == 1);

  // Independent frames: every derived frame's key changes; the key frames' keys do not.
  replace_in(p, "sprites/hero.yaml", "seed: 3\n", "seed: 3\nconsistency: independent\n");
  replace_in(p, "sprites/hero.yaml", "frame_overrides: {" + derived_frame + ": {strength: 0.35}}\n", "");
  const RunResult independent = build(p);
  CHECK(independent.summary["ran"]["gen"] == kHeroFrames - static_cast<int>(row_key.size()));
}

TEST_CASE("strip consistency on the placeholder: one wide generation per row, sliced into the sheet", "[integration][loop]") {
  TempProject p;
  write_example_project(p);
  replace_in(p, "sprites/hero.yaml", "seed: 3\n", "seed: 3\nconsistency: strip\n");
  const RunResult r = build(p);
  const auto record = nlohmann::json::parse(p.read(".dgxpx/records/hero.json"));
  int gens = 0;
  for (const auto& step : record["steps"]) gens += step["kind"] == "gen";
  // One gen per animation × direction: the atlas's tags.
  const auto atlas = nlohmann::json::parse(p.read("assets/hero.json"));
  CHECK(gens == static_cast<int>(atlas["meta"]["frameTags"].size()));
  CHECK(atlas["frames"].size() == kHeroFrames);
  CHECK(atlas_frames_tagged(p, "hero", "walk") + atlas_frames_tagged(p, "hero", "idle") == kHeroFrames);
  CHECK(r.summary["ran"]["pack"] == kAssets);
}
