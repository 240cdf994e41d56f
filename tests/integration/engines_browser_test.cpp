// Loads a built project's outputs in the real engines, in headless Chromium (Debian
// `chromium`), served from 127.0.0.1 by tests/engines/browse.mjs: Phaser 3 and Phaser 4
// (load.aseprite + anims.createFromAseprite, load.atlas) and PixiJS 8 (Assets.load:
// sheet.textures, sheet.animations + AnimatedSprite). For every file, every frame name must
// resolve to the right pixels; for every animation, the engine's own player must show the right
// frame at each millisecond, with the right durations, looping. The truth is the pack step's
// inputs: the pixel sprites, their order and durations, never the atlas under test.
// A missing browser, node or engine package fails the test with a message; it never skips.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "compiler/pixel/png_io.h"
#include "tests/integration/example_project.h"

using namespace dgxpx;
using namespace dgxpx::testing;
using pixel::Image;
namespace fs = std::filesystem;
using Json = nlohmann::json;

namespace {

fs::path chromium_path() {
  const char* env = std::getenv("DGXPX_CHROMIUM");
  return env && *env ? fs::path(env) : fs::path("/usr/bin/chromium");
}

std::string shell_quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

std::string run_command(const std::string& command) {
  std::string output;
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buffer[65536];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) output.append(buffer, n);
  ::pclose(pipe);
  return output;
}

// One frame as the pack step received it.
struct ExpectedFrame {
  std::string array_name;  // its filename in <asset>.json
  std::string hash_name;   // its key in <asset>.hash.json
  Image sprite;
  int duration_ms = 0;
};

struct ExpectedAnimation {
  std::string name;
  std::vector<size_t> frames;  // indices into ExpectedAsset::frames
  bool loop = true;
};

struct ExpectedAsset {
  std::string name, format;
  std::vector<ExpectedFrame> frames;
  std::vector<ExpectedAnimation> animations;  // characters only
};

// The pack steps of the build, read from their specs (.dgxpx/steps/pack/*.json).
std::vector<ExpectedAsset> expected_assets(const TempProject& p) {
  std::vector<ExpectedAsset> assets;
  for (const auto& entry : fs::directory_iterator(p.root() / ".dgxpx/steps/pack")) {
    const Json spec = Json::parse(p.read(fs::relative(entry.path(), p.root()).string()));
    ExpectedAsset asset{spec["name"], spec["format"], {}, {}};
    const bool character = asset.format == "character";
    for (const Json& f : spec["frames"]) {
      const std::string name = f["name"];
      // Names carry the asset's name; the json-array of a character names frames by index.
      asset.frames.push_back({character ? std::to_string(asset.frames.size()) : asset.name + "/" + name,
                              asset.name + "/" + name,
                              pixel::read_png(p.root() / f["input"].get<std::string>()), f["duration_ms"]});
      const std::string animation = asset.name + "/" + f["row"].get<std::string>();
      if (!character) continue;
      if (asset.animations.empty() || asset.animations.back().name != animation)
        asset.animations.push_back({animation, {}, f["loop"].get<bool>()});
      asset.animations.back().frames.push_back(asset.frames.size() - 1);
    }
    assets.push_back(std::move(asset));
  }
  return assets;
}

std::string base64_decode(const std::string& text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    return c == '+' ? 62 : c == '/' ? 63 : -1;
  };
  std::string out;
  int bits = 0, buffer = 0;
  for (char c : text) {
    const int v = value(c);
    if (v < 0) continue;
    buffer = (buffer << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += char((buffer >> bits) & 0xff);
    }
  }
  return out;
}

// Pixels the engine cut from the sheet vs the sprite the pack step received. Fully transparent
// pixels match whatever their colour (a canvas reads them back as 0,0,0,0).
std::string pixel_mismatch(const Json& frame, const Image& sprite) {
  if (frame["w"] != sprite.width || frame["h"] != sprite.height)
    return "size " + frame["w"].dump() + "x" + frame["h"].dump() + ", expected " + std::to_string(sprite.width) +
           "x" + std::to_string(sprite.height);
  const std::string rgba = base64_decode(frame["pixels"].get<std::string>());
  if (rgba.size() != sprite.pixels.size() * 4) return "pixel data of " + std::to_string(rgba.size()) + " bytes";
  for (size_t i = 0; i < sprite.pixels.size(); ++i) {
    const auto& want = sprite.pixels[i];
    const auto* got = reinterpret_cast<const unsigned char*>(rgba.data() + 4 * i);
    if (want.a == 0 && got[3] == 0) continue;
    if (got[0] != want.r || got[1] != want.g || got[2] != want.b || got[3] != want.a)
      return "pixel " + std::to_string(i % sprite.width) + "," + std::to_string(i / sprite.width) + " differs";
  }
  return "";
}

const Json* find_by(const Json& list, const std::string& field, const std::string& value) {
  for (const Json& item : list)
    if (item[field] == value) return &item;
  return nullptr;
}

// The report for messages: frame pixels make it unreadable.
Json without_pixels(Json report) {
  if (!report.is_object()) return report;
  for (Json& sheet : report["sheets"])
    for (Json& frame : sheet["frames"]) frame.erase("pixels");
  return report;
}

struct EngineRun {
  std::string page;            // under /pages/
  bool plays_hash_animations;  // also plays the animations of <asset>.hash.json
  bool keys_arrays_by_index;   // names a json-array's frames by index, whatever their filename
  // How late a frame may appear: Pixi's AnimatedSprite sums float frame fractions, so 1 ms
  // steps cross a boundary up to 1 ms late. Never early.
  int late_ms;
};

void check_engine(const EngineRun& run, const Json& report, const std::vector<ExpectedAsset>& assets) {
  INFO("engine page " << run.page << ": " << report.value("engine", std::string("?")));
  INFO("page error: " << report.value("error", std::string("none")));
  REQUIRE_FALSE(report.contains("error"));
  CHECK(report["warnings"] == Json::array());

  for (const ExpectedAsset& asset : assets) {
    INFO("asset " << asset.name);
    const bool character = asset.format == "character";
    // Every frame name in every file resolves to the right pixels.
    for (const std::string suffix : {".json", ".hash.json"}) {
      const bool hash = suffix == std::string(".hash.json");
      const Json* sheet = find_by(report["sheets"], "file", "assets/" + asset.name + suffix);
      INFO("file assets/" << asset.name << suffix);
      REQUIRE(sheet != nullptr);
      // Pixi caches every texture under its key, project-wide. Hash keys are unique, so
      // loading hash files is silent; a json-array's keys are indices, which collide.
      for (const Json& warning : sheet->value("warnings", Json::array())) {
        INFO("warning " << warning);
        CHECK((!hash && warning.get<std::string>().find("[Cache] already has key: ") != std::string::npos &&
               std::isdigit(static_cast<unsigned char>(warning.get<std::string>().back()))));
      }
      REQUIRE((*sheet)["frames"].size() == asset.frames.size());
      for (size_t i = 0; i < asset.frames.size(); ++i) {
        const Json& frame = (*sheet)["frames"][i];
        const ExpectedFrame& want = asset.frames[i];
        INFO("frame " << want.hash_name);
        CHECK(frame["name"] == (hash                       ? want.hash_name
                                : run.keys_arrays_by_index ? std::to_string(i)
                                                           : want.array_name));
        REQUIRE_FALSE(frame.contains("missing"));
        CHECK(pixel_mismatch(frame, want.sprite) == "");
      }
    }
    // Every animation shows the right frame at each millisecond, and loops or stops.
    for (const std::string suffix : {".json", ".hash.json"}) {
      const bool hash = suffix == std::string(".hash.json");
      if (!character || (hash && !run.plays_hash_animations)) continue;
      const std::string file = "assets/" + asset.name + suffix;
      size_t played = 0;
      for (const Json& a : report["animations"]) played += a["file"] == file;
      CHECK(played == asset.animations.size());
      for (const ExpectedAnimation& animation : asset.animations) {
        INFO("animation " << animation.name << " from " << file);
        const Json* shown = nullptr;
        for (const Json& a : report["animations"])
          if (a["file"] == file && a["name"] == animation.name) shown = &a;
        REQUIRE(shown != nullptr);
        REQUIRE_FALSE(shown->contains("missing"));
        // Two cycles, the page's limit: frame k appears when the durations before it are over.
        // A play-once animation stops on its last frame when its durations are over.
        int total = 0;
        for (size_t index : animation.frames) total += asset.frames[index].duration_ms;
        Json expected = Json::array();
        for (int t = 0, cycle = 0; cycle < (animation.loop ? 2 : 1); ++cycle)
          for (size_t index : animation.frames) {
            const ExpectedFrame& f = asset.frames[index];
            if (expected.empty() || expected.back()["frame"] != (hash ? f.hash_name : f.array_name))
              expected.push_back({{"t", t}, {"frame", hash ? f.hash_name : f.array_name}});
            t += f.duration_ms;
          }
        if (animation.loop && animation.frames.size() > 1)
          expected.push_back({{"t", 2 * total}, {"frame", expected[0]["frame"]}});
        const Json& changes = (*shown)["changes"];
        INFO("shown " << changes.dump() << "\nexpected " << expected.dump());
        REQUIRE(changes.size() == expected.size());
        for (size_t i = 0; i < expected.size(); ++i) {
          CHECK(changes[i]["frame"] == expected[i]["frame"]);
          const int late = changes[i]["t"].get<int>() - expected[i]["t"].get<int>();
          CHECK((late >= 0 && late <= run.late_ms));
        }
        if (animation.loop) {
          CHECK((*shown)["stopped"].is_null());
        } else {
          REQUIRE((*shown)["stopped"].is_number());
          const int late = (*shown)["stopped"].get<int>() - total;
          CHECK((late >= 0 && late <= run.late_ms));
        }
      }
    }
  }
}

}  // namespace

TEST_CASE("Phaser 3, Phaser 4 and PixiJS 8 load every output and play every animation right", "[browser][engines]") {
  if (!fs::exists(chromium_path()))
    FAIL("headless Chromium not found at " << chromium_path()
                                           << ": install Debian's `chromium` package or set DGXPX_CHROMIUM");
  const fs::path modules = fs::path(DGXPX_ENGINE_MODULES) / "node_modules";
  if (!fs::exists(modules / "phaser3") || !fs::exists(modules / "phaser4") || !fs::exists(modules / "pixi.js"))
    FAIL("engine packages not installed in " << modules << ": run tests/engines/install.sh "
                                             << DGXPX_ENGINE_MODULES << " (ctest's engines_npm_install does)");

  TempProject p;
  write_example_project(p);
  // A second character with the hero's animation names, other frame counts and timings: a
  // clash between the two would play one's animation from the other's texture. Its attack
  // plays once.
  p.write("sprites/knight.yaml",
          "kind: character\nname: knight\npreset: plain\nprompt: a knight in red armor\nseed: 11\n"
          "directions: [down, up]\nanimations:\n  idle: {prompt: standing, frames: 3, duration: 250}\n"
          "  walk: {prompt: walking, frames: 2, duration: 90}\n"
          "  attack: {prompt: swinging a sword, frames: 3, duration: 70, loop: false}\n");
  p.write("dgxpx.yaml", "manifests: sprites\noutput: assets\noutputs: [aseprite, texturepacker, godot, bevy]\n");
  const RunResult build = p.dgxpx("build --json");
  INFO(build.out << build.err);
  REQUIRE(build.exit_code == 0);

  const std::vector<ExpectedAsset> assets = expected_assets(p);
  Json plan = {{"characters", Json::array()}, {"sheets", Json::array()}};
  std::set<std::string> kinds;
  for (const ExpectedAsset& asset : assets) {
    kinds.insert(asset.format);
    plan["sheets"].push_back("assets/" + asset.name);
    if (asset.format == "character") plan["characters"].push_back("assets/" + asset.name);
    // The test can only fail on a wrong frame if neighbouring frames differ.
    for (const ExpectedAnimation& animation : asset.animations)
      for (size_t i = 1; i < animation.frames.size(); ++i)
        REQUIRE(asset.frames[animation.frames[i]].sprite.pixels != asset.frames[animation.frames[i - 1]].sprite.pixels);
  }
  REQUIRE(kinds == std::set<std::string>{"character", "tileset", "items"});
  REQUIRE(plan["characters"].size() == 2);
  bool plays_once = false;
  for (const ExpectedAsset& asset : assets)
    for (const ExpectedAnimation& animation : asset.animations) plays_once = plays_once || !animation.loop;
  REQUIRE(plays_once);

  // Godot's SpriteFrames name each animation exactly as the atlases do, and Bevy's animation
  // table gives each the grid cells of its row (rows = animations, as many columns as the
  // longest), its timings and looping.
  for (const ExpectedAsset& asset : assets) {
    if (asset.format != "character") continue;
    std::vector<std::string> godot, atlas;
    const std::string tres = p.read("assets/" + asset.name + ".tres");
    const std::regex name(R"re("name": &"([^"]*)")re");
    for (auto it = std::sregex_iterator(tres.begin(), tres.end(), name); it != std::sregex_iterator(); ++it)
      godot.push_back((*it)[1]);
    const Json json = Json::parse(p.read("assets/" + asset.name + ".json"));
    for (const Json& tag : json["meta"]["frameTags"]) atlas.push_back(tag["name"]);
    std::vector<std::string> expected;
    for (const ExpectedAnimation& animation : asset.animations) expected.push_back(animation.name);
    CHECK(atlas == expected);
    CHECK(godot == expected);

    size_t columns = 0;
    for (const ExpectedAnimation& animation : asset.animations) columns = std::max(columns, animation.frames.size());
    std::string bevy_expected = "{\n";
    for (size_t row = 0; row < asset.animations.size(); ++row) {
      const ExpectedAnimation& animation = asset.animations[row];
      bevy_expected += "    \"" + animation.name + "\": (first: " + std::to_string(row * columns) +
                       ", last: " + std::to_string(row * columns + animation.frames.size() - 1) + ", frame_ms: [";
      for (size_t i = 0; i < animation.frames.size(); ++i)
        bevy_expected += (i ? ", " : "") + std::to_string(asset.frames[animation.frames[i]].duration_ms);
      bevy_expected += std::string("], looping: ") + (animation.loop ? "true" : "false") + "),\n";
    }
    CHECK(p.read("assets/" + asset.name + ".animations.ron") == bevy_expected + "}\n");
    const std::string layout = p.read("assets/" + asset.name + ".assets.ron");
    const Image& cell = asset.frames.front().sprite;
    for (const std::string& field :
         {"path: \"" + asset.name + ".png\"", "tile_size_x: " + std::to_string(cell.width) + ",",
          "tile_size_y: " + std::to_string(cell.height) + ",", "columns: " + std::to_string(columns) + ",",
          "rows: " + std::to_string(asset.animations.size()) + ","})
      CHECK_THAT(layout, Catch::Contains(field));
  }
  p.write("engine-plan.json", plan.dump());

  const std::vector<EngineRun> runs = {{"/pages/phaser.html?phaser=phaser3", false, false, 0},
                                       {"/pages/phaser.html?phaser=phaser4", false, false, 0},
                                       {"/pages/pixi.html", true, true, 1}};
  for (const EngineRun& run : runs) {
    const std::string command = "node " + shell_quote(DGXPX_ENGINES_DIR "/browse.mjs") + " --chromium " +
                                shell_quote(chromium_path().string()) + " --pages " +
                                shell_quote(DGXPX_ENGINES_DIR "/pages") + " --modules " + shell_quote(modules.string()) +
                                " --project " + shell_quote(p.root().string()) + " --page " + shell_quote(run.page) +
                                " --timeout 90";
    const std::string output = run_command(command);
    const Json report = Json::parse(output, nullptr, false);
    INFO(run.page << " reported: " << without_pixels(report).dump().substr(0, 4000));
    REQUIRE(report.is_object());
    check_engine(run, report, assets);
  }
}
