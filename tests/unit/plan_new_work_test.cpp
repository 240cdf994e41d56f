// new_work: after an edit, the assets with a step whose key is new, with all of their steps
// (a closed graph ninja can run on its own), and nothing else.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <random>

#include "compiler/plan/new_work.h"

using namespace dgxpx;
using plan::StepKind;
namespace fs = std::filesystem;

namespace {

util::Digest key_of(const std::string& text) { return util::digest_bytes(text); }

// A state folder whose steps/<kind>/ holds a spec file for each (kind, key) given.
class StateDir {
 public:
  StateDir() {
    std::random_device rd;
    dir_ = fs::temp_directory_path() / ("dgxpx-new-work-" + std::to_string(rd()) + std::to_string(::getpid()));
  }
  ~StateDir() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  void add(StepKind kind, const std::string& key_text) {
    fs::path folder = dir_ / "steps" / plan::to_string(kind);
    fs::create_directories(folder);
    std::ofstream(folder / (key_of(key_text).hex() + ".json")) << "{}";
  }
  plan::SpecFiles list() const { return plan::SpecFiles::list(dir_); }

 private:
  fs::path dir_;
};

struct Sample {
  plan::Plan plan;
  // (kind, key text) of every step, for the state folder.
  std::vector<std::pair<StepKind, std::string>> all;
};

// Three sprites: "a" alone; "b" and "c" share one gen step (same spec), as identical prompts do.
Sample sample() {
  Sample s;
  auto add_step = [&s](StepKind kind, const std::string& name, const std::string& key_text) {
    s.plan.steps.push_back({kind, name, key_of(key_text), "", "", {}, {name + "." + plan::to_string(kind)}, false});
    s.all.emplace_back(kind, key_text);
  };
  add_step(StepKind::gen, "a/icon", "gen a");
  add_step(StepKind::pixel, "a/icon", "pixel a");
  add_step(StepKind::pack, "a", "pack a");
  add_step(StepKind::gen, "b/icon", "gen shared");
  add_step(StepKind::pixel, "b/icon", "pixel b");
  add_step(StepKind::pack, "b", "pack b");
  add_step(StepKind::pixel, "c/icon", "pixel c");
  add_step(StepKind::pack, "c", "pack c");
  auto record = [](const std::string& asset, std::vector<std::pair<StepKind, std::string>> steps) {
    plan::AssetRecord r{asset, "items", {}, {}, {}};
    for (const auto& [kind, key_text] : steps) r.steps.push_back({kind, asset, key_of(key_text), {}});
    return r;
  };
  s.plan.records = {record("a", {{StepKind::gen, "gen a"}, {StepKind::pixel, "pixel a"}, {StepKind::pack, "pack a"}}),
                    record("b", {{StepKind::gen, "gen shared"}, {StepKind::pixel, "pixel b"}, {StepKind::pack, "pack b"}}),
                    record("c", {{StepKind::gen, "gen shared"}, {StepKind::pixel, "pixel c"}, {StepKind::pack, "pack c"}})};
  return s;
}

// new_work on the sample with every spec file there but the one of `missing` ("" for none).
plan::Plan new_work_without(const Sample& s, const std::string& missing) {
  StateDir state;
  for (const auto& [kind, key_text] : s.all)
    if (key_text != missing) state.add(kind, key_text);
  return plan::new_work(s.plan, state.list());
}

std::vector<std::string> step_names(const plan::Plan& p) {
  std::vector<std::string> names;
  for (const auto& s : p.steps) names.push_back(std::string(plan::to_string(s.kind)) + " " + s.name);
  return names;
}

}  // namespace

TEST_CASE("new_work is empty when every spec file is there", "[plan][new-work]") {
  plan::Plan part = new_work_without(sample(), "");
  CHECK(part.steps.empty());
  CHECK(part.records.empty());
}

TEST_CASE("new_work takes every step of an asset with a new key, and no other asset", "[plan][new-work]") {
  plan::Plan part = new_work_without(sample(), "pixel b");
  CHECK(step_names(part) == std::vector<std::string>{"gen b/icon", "pixel b/icon", "pack b"});
  REQUIRE(part.records.size() == 1);
  CHECK(part.records[0].asset == "b");
  CHECK(part.gen_steps == 1);
  CHECK(part.pixel_steps == 1);
  CHECK(part.pack_steps == 1);
  CHECK(part.placeholder_gen_steps == 1);
}

TEST_CASE("a new shared gen step brings every asset that uses it, the step once", "[plan][new-work]") {
  plan::Plan part = new_work_without(sample(), "gen shared");
  CHECK(step_names(part) ==
        std::vector<std::string>{"gen b/icon", "pixel b/icon", "pack b", "pixel c/icon", "pack c"});
  CHECK(part.records.size() == 2);
  CHECK(part.gen_steps == 1);
}
