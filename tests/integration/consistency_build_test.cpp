// Consistency modes end to end on the tiny SDXL model: keyframe (a group's first frame is
// generated, the others are img2img or inpainting from its image, keyed by its key), strip (one
// wide generation per group, sliced by the pixel stage) — through `dgxpx build` and the worker.
// What each check expects comes from the manifests and the build's own records.
#include <catch2/catch.hpp>

#include <map>
#include <set>

#include "compiler/pixel/png_io.h"
#include "tests/support/fixtures.h"
#include "tests/support/project.h"
#include "tests/support/python_json.h"
#include "tests/support/worker_files.h"

using namespace dgxpx::testing;
using dgxpx::pixel::Image;

namespace {

struct GenRecord {
  std::string key;
  std::map<std::string, std::string> fields;  // name → value
};

// The gen steps of an asset's record, by step name, in record order.
std::vector<std::pair<std::string, GenRecord>> gen_records(const TempProject& p, const std::string& asset) {
  const auto record = nlohmann::json::parse(p.read(".dgxpx/records/" + asset + ".json"));
  std::vector<std::pair<std::string, GenRecord>> gens;
  for (const auto& step : record.at("steps")) {
    if (step.at("kind") != "gen") continue;
    GenRecord g{step.at("key").get<std::string>(), {}};
    for (const auto& f : step.at("fields")) g.fields[f.at(0).get<std::string>()] = f.at(1).get<std::string>();
    gens.emplace_back(step.at("name").get<std::string>(), std::move(g));
  }
  return gens;
}

std::map<std::string, std::string> gen_keys(const TempProject& p, const std::string& asset) {
  std::map<std::string, std::string> keys;
  for (const auto& [name, g] : gen_records(p, asset)) keys[name] = g.key;
  return keys;
}

// Names whose key differs between two builds (or that are new).
std::set<std::string> changed(const std::map<std::string, std::string>& before, const std::map<std::string, std::string>& after) {
  std::set<std::string> names;
  for (const auto& [name, key] : after) {
    auto it = before.find(name);
    if (it == before.end() || it->second != key) names.insert(name);
  }
  return names;
}

std::string tiny_model() {
  const auto tiny = sdxl_tiny();
  const auto cases = read_python_json(tiny / "cases.json");
  return (tiny / cases.at("model_dir").get<std::string>()).string();
}

// A project rule: rows of poses, each pose its own prompt; a row's frames belong together and
// share a seed (so with a mask that keeps everything, only the prompt tells them apart).
const char* kPosesRule = R"(kind: poses
fields:
  prompt: {type: string, required: true}
  seed: {type: int, default: 0}
  consistency: {type: string, default: keyframe}
  strength: {type: number, default: 0.75}
  rows:
    type: map
    required: true
    entry:
      mask: {type: string, default: ""}
      poses: {type: list, required: true, entry: {pose: {type: string, required: true}, prompt: {type: string, required: true}}}
expand:
  - {each: rows, as: row}
  - {each: row.poses, as: p}
frame:
  name: "{row.name}/{p.pose}"
  prompt: "{prompt}, {p.prompt}"
  seed: "{seed}:{row.name}"
  hint: character
consistency: {mode: "{consistency}", group: "{row.name}", strength: "{strength}", mask: "{row.mask}"}
sheet: {format: character, row: "{row.name}", tag: "{row.name}"}
)";

struct Pose {
  std::string row, pose, prompt;
};

std::string poses_manifest(const std::vector<Pose>& poses, const std::string& extra = "") {
  std::string text = "kind: poses\nname: hero\npreset: tiny\nprompt: a knight\nseed: 3\n" + extra + "rows:\n";
  std::string row;
  for (const auto& p : poses) {
    if (p.row != row) text += "  " + (row = p.row) + ":\n    poses:\n";
    text += "      - {pose: " + p.pose + ", prompt: \"" + p.prompt + "\"}\n";
  }
  return text;
}

RunResult build(const TempProject& p) {
  RunResult r = p.dgxpx("build --json");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return r;
}

void write_tiny_project(const TempProject& p, const std::string& size, const std::string& pixel_size) {
  p.write("dgxpx.yaml", "manifests: sprites\nworker: {keep_warm: 120}\n");
  p.write("presets/tiny.yaml", "model: " + tiny_model() + "\nsampler: euler\nsteps: 4\nsize: " + size +
                                   "\npixel: {size: " + pixel_size + ", palette: pico-8, background: keep}\n");
}

void stop_worker(const TempProject& p) { std::filesystem::remove(worker_file(p, "worker.sock")); }

}  // namespace

TEST_CASE("keyframe consistency on the tiny SDXL model: derived frames follow their key frame, and only they rerun",
          "[integration][sdxl]") {
  TempProject p;
  write_tiny_project(p, "[64, 64]", "[16, 16]");
  p.write("rules/poses.yaml", kPosesRule);
  std::vector<Pose> poses = {{"a", "stand", "standing"}, {"a", "lean", "leaning"}, {"a", "step", "stepping"},
                             {"b", "stand", "standing"}, {"b", "crouch", "crouching"}};
  p.write("sprites/hero.yaml", poses_manifest(poses));

  RunResult first = build(p);
  CHECK(first.summary["ran"]["gen"] == poses.size());
  // Every frame but its row's first starts from that first frame's image, by its key.
  std::map<std::string, std::string> leader_key;  // row → key of its first frame
  for (const auto& [name, gen] : gen_records(p, "hero")) {
    const std::string row = name.substr(5, name.find('/', 5) - 5);  // "hero/<row>/<pose>"
    INFO(name);
    if (!leader_key.count(row)) {
      leader_key[row] = gen.key;
      CHECK(gen.fields.count("init") == 0);
    } else {
      CHECK(gen.fields.at("init") == leader_key[row]);
      CHECK(gen.fields.at("strength") == "0.75");
    }
  }
  CHECK(leader_key.size() == 2);

  // The init image reaches the generator: the same frame generated independently differs.
  TempProject independent;
  write_tiny_project(independent, "[64, 64]", "[16, 16]");
  independent.write("rules/poses.yaml", kPosesRule);
  independent.write("sprites/hero.yaml", poses_manifest(poses, "consistency: independent\n"));
  build(independent);
  const auto derived_name = "hero/" + poses[1].row + "/" + poses[1].pose;
  const auto keyed = gen_keys(p, "hero"), free = gen_keys(independent, "hero");
  CHECK(keyed.at(derived_name) != free.at(derived_name));
  // (Pixels, not files: a PNG's text holds its key.)
  CHECK(dgxpx::pixel::read_png(p.root() / (".dgxpx/gen/" + keyed.at(derived_name) + ".png")).pixels !=
        dgxpx::pixel::read_png(independent.root() / (".dgxpx/gen/" + free.at(derived_name) + ".png")).pixels);
  stop_worker(independent);

  // Editing a row's key frame reruns that row's frames and nothing else.
  auto before = gen_keys(p, "hero");
  poses[0].prompt = "standing tall";
  p.write("sprites/hero.yaml", poses_manifest(poses));
  RunResult edited = build(p);
  std::set<std::string> expected;
  for (const auto& pose : poses)
    if (pose.row == poses[0].row) expected.insert("hero/" + pose.row + "/" + pose.pose);
  CHECK(changed(before, gen_keys(p, "hero")) == expected);
  CHECK(edited.summary["ran"]["gen"] == expected.size());

  // One derived frame's strength reruns that frame alone.
  before = gen_keys(p, "hero");
  const Pose& last = poses.back();
  const std::string override_line =
      "frame_overrides: {" + last.row + "/" + last.pose + ": {strength: 0.9}}\n";
  p.write("sprites/hero.yaml", poses_manifest(poses, override_line));
  RunResult one = build(p);
  CHECK(changed(before, gen_keys(p, "hero")) == std::set<std::string>{"hero/" + last.row + "/" + last.pose});
  CHECK(one.summary["ran"]["gen"] == 1);
  CHECK(gen_records(p, "hero").back().second.fields.at("strength") == "0.90000000000000002");

  // A mask that keeps everything (all dark) makes a derived frame's own prompt irrelevant.
  before = gen_keys(p, "hero");
  dgxpx::pixel::write_png(p.root() / "keep.png", Image(64, 64, {0, 0, 0, 255}));
  std::string masked = poses_manifest(poses);
  masked.replace(masked.find("  " + poses[0].row + ":\n"), poses[0].row.size() + 4,
                 "  " + poses[0].row + ":\n    mask: keep.png\n");
  p.write("sprites/hero.yaml", masked);
  build(p);
  const auto after = gen_records(p, "hero");
  std::vector<std::pair<std::string, Image>> row_images;
  for (const auto& [name, gen] : after)
    if (gen.fields.count("mask")) row_images.emplace_back(name, dgxpx::pixel::read_png(p.root() / (".dgxpx/gen/" + gen.key + ".png")));
  REQUIRE(row_images.size() == expected.size() - 1);  // the row's derived frames
  for (const auto& [name, image] : row_images) {
    INFO(name << " against " << row_images.front().first);
    CHECK(image.pixels == row_images.front().second.pixels);
  }
  stop_worker(p);
}

TEST_CASE("strip consistency on the tiny SDXL model: one generation per row, its frames are slices of it",
          "[integration][sdxl]") {
  TempProject p;
  const int size = 64, sprite = 16;
  write_tiny_project(p, "[" + std::to_string(size) + ", " + std::to_string(size) + "]",
                     "[" + std::to_string(sprite) + ", " + std::to_string(sprite) + "]");
  const std::vector<std::string> directions = {"down", "right"};
  const std::map<std::string, int> animations = {{"idle", 2}, {"walk", 3}};
  std::string manifest = "kind: character\nname: hero\npreset: tiny\nprompt: a knight\nseed: 9\nconsistency: strip\n"
                         "directions: [down, right]\nanimations:\n";
  for (const auto& [name, frames] : animations)
    manifest += "  " + name + ": {prompt: " + name + ", frames: " + std::to_string(frames) + "}\n";
  p.write("sprites/hero.yaml", manifest);

  RunResult r = build(p);
  CHECK(r.summary["ran"]["gen"] == animations.size() * directions.size());
  // One gen per animation × direction, as wide as its frames.
  const auto record = nlohmann::json::parse(p.read(".dgxpx/records/hero.json"));
  std::map<std::string, std::string> pixel_of;  // row → pixelized strip
  for (const auto& step : record.at("steps")) {
    const std::string name = step.at("name"), key = step.at("key");
    if (step.at("kind") == "pack") continue;
    const std::string row = name.substr(5);  // "hero/<anim>/<dir>"
    const int frames = animations.at(row.substr(0, row.find('/')));
    const Image image = dgxpx::pixel::read_png(p.root() / (".dgxpx/" + step.at("kind").get<std::string>() + "/" + key + ".png"));
    INFO(name);
    if (step.at("kind") == "gen") {
      CHECK((image.width == size * frames && image.height == size));
    } else {
      CHECK((image.width == sprite * frames && image.height == sprite));
      pixel_of[row] = key;
    }
  }
  CHECK(pixel_of.size() == animations.size() * directions.size());

  // Every frame of the sheet is its slice of its row's pixelized strip.
  const Image sheet = dgxpx::pixel::read_png(p.root() / "assets/hero.png");
  const auto atlas = nlohmann::json::parse(p.read("assets/hero.json"));
  int frames_checked = 0;
  for (const auto& tag : atlas.at("meta").at("frameTags")) {
    const std::string row = tag.at("name").get<std::string>().substr(5);  // "hero/<anim>/<dir>"
    const Image strip = dgxpx::pixel::read_png(p.root() / (".dgxpx/pixel/" + pixel_of.at(row) + ".png"));
    const int from = tag.at("from"), to = tag.at("to");
    REQUIRE(to - from + 1 == animations.at(row.substr(0, row.find('/'))));
    for (int i = from; i <= to; ++i) {
      const auto& rect = atlas.at("frames").at(i).at("frame");
      const int x0 = rect.at("x"), y0 = rect.at("y"), w = rect.at("w"), h = rect.at("h");
      REQUIRE((w == sprite && h == sprite));
      bool same = true;
      for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) same = same && sheet.at(x0 + x, y0 + y) == strip.at((i - from) * sprite + x, y);
      INFO(row << " frame " << i - from);
      CHECK(same);
      ++frames_checked;
    }
  }
  int total = 0;
  for (const auto& [_, frames] : animations) total += frames * static_cast<int>(directions.size());
  CHECK(frames_checked == total);
  stop_worker(p);
}
