// Bad input is reported as `file:line:col: error: ...` with what was expected and what was
// found, exit status 2, and nothing written.
#include <catch2/catch.hpp>

#include "tests/integration/example_project.h"

using namespace dgxpx::testing;

namespace {

struct BadInput {
  const char* what;
  const char* file;      // file to (over)write
  std::string content;   // its new content
  const char* location;  // expected "file:line:col" prefix (or "file:line")
  const char* message;   // expected part of the message
};

const std::string kHero = "kind: character\nname: hero\npreset: fast\nprompt: a knight\nanimations:\n  walk: {frames: 2}\n";

// The head of a hero manifest, and a walk animation to end it with.
const std::string kHeroHead = "kind: character\nname: hero\npreset: fast\nprompt: a knight\n";
const std::string kHeroWalk = "animations:\n  walk: {frames: 2}\n";
// A minimal character rule of 12 lines.
const std::string kMiniRule =
    "kind: character\nfields:\n  prompt: string\n  animations: {type: map, entry: {frames: int}}\n"
    "expand:\n  - {each: animations, as: anim}\n  - {count: anim.frames, as: frame}\n"
    "frame:\n  name: \"{anim.name}/{frame}\"\n  prompt: \"{prompt}\"\n  seed: \"{frame}\"\nsheet: {row: \"{anim.name}\"}\n";

const BadInput kCases[] = {
    {"unknown key in an asset", "sprites/hero.yaml", "kind: character\nname: hero\npreset: fast\nprompt: a\ncolour: red\nanimations:\n  walk: {frames: 2}\n",
     "sprites/hero.yaml:5:1", "unknown key 'colour'"},
    {"wrong type for an int", "sprites/hero.yaml", "kind: character\nname: hero\npreset: fast\nprompt: a\nseed: lots\nanimations:\n  walk: {frames: 2}\n",
     "sprites/hero.yaml:5:7", "expected an integer for 'seed', got 'lots'"},
    {"missing required field", "sprites/hero.yaml", "kind: character\nname: hero\npreset: fast\nanimations:\n  walk: {frames: 2}\n",
     "sprites/hero.yaml:1:1", "missing required key 'prompt'"},
    {"missing required entry field", "sprites/hero.yaml", "kind: character\nname: hero\npreset: fast\nprompt: a\nanimations:\n  walk: {prompt: x}\n",
     "sprites/hero.yaml:6:9", "missing required key 'frames'"},
    {"frames out of range", "sprites/hero.yaml", "kind: character\nname: hero\npreset: fast\nprompt: a\nanimations:\n  walk: {frames: 0}\n",
     "sprites/hero.yaml:6:18", "between 1 and 64, got 0"},
    {"duplicate asset name", "sprites/again.yaml", "kind: items\nname: hero\npreset: plain\nitems:\n  - {name: a, prompt: b}\n",
     "sprites/hero.yaml:2:7", "duplicate asset name 'hero'"},
    {"asset name escaping the output folder", "sprites/hero.yaml", "kind: character\nname: ../../etc/hero\npreset: fast\nprompt: a\nanimations:\n  walk: {frames: 2}\n",
     "sprites/hero.yaml:2:7", "would write outside the output folder"},
    {"absolute asset name", "sprites/hero.yaml", "kind: character\nname: /tmp/hero\npreset: fast\nprompt: a\nanimations:\n  walk: {frames: 2}\n",
     "sprites/hero.yaml:2:7", "absolute path"},
    {"unknown preset", "sprites/hero.yaml", "kind: character\nname: hero\npreset: fancy\nprompt: a\nanimations:\n  walk: {frames: 2}\n",
     "sprites/hero.yaml:3:9", "got 'fancy'"},
    {"unknown kind", "sprites/hero.yaml", "kind: monster\nname: hero\n", "sprites/hero.yaml:1:7", "got 'monster'"},
    {"missing kind", "sprites/hero.yaml", "name: hero\n", "sprites/hero.yaml:1:1", "missing required key 'kind'"},
    {"asset is a list", "sprites/hero.yaml", "- kind: character\n", "sprites/hero.yaml:1:1", "expected an asset mapping"},
    {"YAML syntax error", "sprites/hero.yaml", "kind: character\nname: [hero\n", "sprites/hero.yaml:3:1", "invalid YAML"},
    {"duplicate YAML key", "sprites/hero.yaml", "kind: character\nname: hero\nname: again\n", "sprites/hero.yaml:3:1", "duplicate key 'name'"},
    {"LoRA file that does not exist", "presets/fast.yaml", "size: [256, 256]\nloras:\n  - {file: loras/missing.safetensors}\n",
     "presets/fast.yaml:3:12", "LoRA file 'loras/missing.safetensors' does not exist"},
    {"model file that does not exist", "presets/fast.yaml", "model: models/sdxl.safetensors\n", "presets/fast.yaml:1:8",
     "model 'models/sdxl.safetensors' does not exist"},
    {"palette file that does not exist", "presets/plain.yaml", "pixel: {palette: palettes/nope.hex}\n", "presets/plain.yaml:1:18",
     "palette file 'palettes/nope.hex' does not exist"},
    {"unknown built-in palette", "presets/plain.yaml", "pixel: {palette: rainbow}\n", "presets/plain.yaml:1:18", "got 'rainbow'"},
    {"unknown sampler", "presets/fast.yaml", "sampler: magic\n", "presets/fast.yaml:1:10", "expected one of euler, euler_a"},
    {"unknown timestep spacing", "presets/fast.yaml", "timestep_spacing: even\n", "presets/fast.yaml:1:19",
     "expected one of leading, trailing, linspace, got 'even'"},
    {"timestep spacing with lcm", "presets/fast.yaml", "sampler: lcm\ntimestep_spacing: trailing\n", "presets/fast.yaml:2:19",
     "no timestep_spacing with sampler lcm"},
    {"bad original size", "presets/fast.yaml", "original_size: [1024]\n", "presets/fast.yaml:1:16", "expected a size like [32, 32]"},
    {"negative crop", "presets/fast.yaml", "crop: [0, -8]\n", "presets/fast.yaml:1:11", "a crop offset between 0 and 16384, got -8"},
    {"generation size not a multiple of 8", "presets/fast.yaml", "size: [250, 256]\n", "presets/fast.yaml:1:7", "multiple of 8"},
    {"bad size syntax", "presets/fast.yaml", "size: big\n", "presets/fast.yaml:1:7", "expected a size like [32, 32]"},
    {"unknown preset key", "presets/fast.yaml", "stepz: 20\n", "presets/fast.yaml:1:1", "unknown key 'stepz'"},
    {"negative steps", "presets/fast.yaml", "steps: -3\n", "presets/fast.yaml:1:8", "between 1 and 1000"},
    {"two grid settings", "presets/plain.yaml", "pixel: {size: [32, 32], factor: 8}\n", "presets/plain.yaml:1:8", "only one of 'size', 'factor' or 'detect'"},
    {"bad outline colour", "presets/plain.yaml", "pixel: {outline: black}\n", "presets/plain.yaml:1:18", "expected a colour like \"#000000\""},
    {"bad override value", "sprites/hero.yaml", "kind: character\nname: hero\npreset: fast\nprompt: a\noverrides: {guidance: high}\nanimations:\n  walk: {frames: 2}\n",
     "sprites/hero.yaml:5:23", "expected a guidance scale, got 'high'"},
    {"rule referencing an unknown field", "rules/character.yaml",
     "kind: character\nfields:\n  prompt: string\n  animations: {type: map, entry: {frames: int}}\n"
     "expand:\n  - {each: animations, as: anim}\n  - {count: anim.frames, as: frame}\n"
     "frame:\n  name: \"{anim.name}/{frame}\"\n  prompt: \"{prompt} {anim.fps}\"\n  seed: \"{frame}\"\nsheet: {row: \"{anim.name}\"}\n",
     "rules/character.yaml:10:21", "unknown field 'anim.fps'"},
    {"rule looping over a scalar", "rules/character.yaml",
     "kind: character\nfields:\n  prompt: string\nexpand:\n  - {each: prompt, as: p}\nframe: {name: x, prompt: x, seed: \"1\"}\n",
     "rules/character.yaml:5:12", "expected a list or map field to loop over"},
    {"rule with an unknown field type", "rules/character.yaml", "kind: character\nfields:\n  prompt: text\n",
     "rules/character.yaml:3:11", "got 'text'"},
    {"rule counting to a number instead of a field", "rules/character.yaml",
     "kind: character\nfields:\n  prompt: string\nexpand:\n  - {count: 3, as: i}\nframe: {name: \"{i\", prompt: x, seed: \"1\"}\n",
     "rules/character.yaml:5:13", "unknown field '3'"},
    {"unknown consistency mode", "sprites/hero.yaml", kHeroHead + "consistency: sideways\n" + kHeroWalk,
     "sprites/hero.yaml:5:14", "expected consistency independent, keyframe or strip, got 'sideways'"},
    {"keyframe strength of zero", "sprites/hero.yaml", kHeroHead + "strength: 0\n" + kHeroWalk,
     "sprites/hero.yaml:5:11", "a keyframe strength in (0, 1], got '0'"},
    {"frame override of a frame the asset lacks", "sprites/hero.yaml", kHeroHead + "frame_overrides: {walk/up/9: {strength: 0.5}}\n" + kHeroWalk,
     "sprites/hero.yaml:5:19", "expected a frame of asset 'hero'"},
    {"strength for a key frame", "sprites/hero.yaml", kHeroHead + "frame_overrides: {walk/down/0: {strength: 0.5}}\n" + kHeroWalk,
     "sprites/hero.yaml:5:43", "takes no strength"},
    {"frame override strength out of range", "sprites/hero.yaml", kHeroHead + "frame_overrides: {walk/down/1: {strength: 2}}\n" + kHeroWalk,
     "sprites/hero.yaml:5:43", "a strength in (0, 1], got 2"},
    {"inpainting mask that does not exist", "sprites/hero.yaml", kHeroHead + "animations:\n  walk: {frames: 2, mask: masks/legs.png}\n",
     "sprites/hero.yaml:6:27", "'masks/legs.png' (no such file)"},
    {"rule consistency with an unknown key", "rules/character.yaml", kMiniRule + "consistency: {mode: \"{prompt}\", groop: x}\n",
     "rules/character.yaml:13:33", "unknown key 'groop'"},
    {"rule consistency naming an unknown field", "rules/character.yaml", kMiniRule + "consistency: {mode: \"{style}\"}\n",
     "rules/character.yaml:13:22", "unknown field 'style'"},
    {"unknown project setting", "dgxpx.yaml", "manifests: sprites\noutpt: assets\n", "dgxpx.yaml:2:1", "unknown key 'outpt'"},
    {"unknown output format", "dgxpx.yaml", "manifests: sprites\noutputs: [aseprite, unity]\n", "dgxpx.yaml:2:21",
     "expected an output format (aseprite, texturepacker, tiled, godot, bevy), got 'unity'"},
    {"output format listed twice", "dgxpx.yaml", "manifests: sprites\noutputs: [tiled, tiled]\n", "dgxpx.yaml:2:18",
     "output format 'tiled' is listed twice"},
    {"the old godot switch", "dgxpx.yaml", "manifests: sprites\ngodot: true\n", "dgxpx.yaml:2:8",
     "'godot' was replaced by 'outputs'"},
    {"manifest folder that does not exist", "dgxpx.yaml", "manifests: sprits\n", "dgxpx.yaml:1:12", "'sprits' does not exist"},
    {"an animation's loop that is not a bool", "sprites/hero.yaml",
     "kind: character\nname: hero\npreset: fast\nprompt: a\nanimations:\n  walk: {frames: 2, loop: maybe}\n",
     "sprites/hero.yaml:6:27", "true or false for 'loop'"},
    {"gen_jobs out of range", "dgxpx.yaml", "manifests: sprites\ngen_jobs: 0\n", "dgxpx.yaml:2:11", "gen_jobs between 1 and 64"},
    {"an empty gen_launcher", "dgxpx.yaml", "manifests: sprites\ngen_launcher: '  '\n", "dgxpx.yaml:2:15",
     "a command on one line"},
    {"a gen_launcher of several lines", "dgxpx.yaml", "manifests: sprites\ngen_launcher: \"srun\\nrm\"\n", "dgxpx.yaml:2:15",
     "got several lines"},
    {"items entry without a name", "sprites/loot.yaml", "kind: items\nname: loot\npreset: plain\nitems:\n  - {prompt: a sword}\n",
     "sprites/loot.yaml:5:5", "missing required key 'name'"},
    {"duplicate item names", "sprites/loot.yaml", "kind: items\nname: loot\npreset: plain\nitems:\n  - {name: a, prompt: x}\n  - {name: a, prompt: y}\n",
     "sprites/loot.yaml:6:12", "duplicate name 'a'"},
    {"item name that is not a safe path: blamed where it was written", "sprites/loot.yaml",
     "kind: items\nname: loot\npreset: plain\nitems:\n  - {name: ../../escape, prompt: x}\n",
     "sprites/loot.yaml:5:12", "would write outside the output folder"},
    {"animation name that is not a safe path: blamed where it was written", "sprites/hero.yaml",
     "kind: character\nname: hero\npreset: fast\nprompt: a\nanimations:\n  walk: {frames: 1}\n  ../../escape: {frames: 2}\n",
     "sprites/hero.yaml:7:3", "would write outside the output folder"},
    {"nested aliases (billion laughs)", "sprites/hero.yaml",
     "kind: character\nname: hero\na: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
     "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
     "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
     "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\nh: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]\n",
     "sprites/hero.yaml:", "expands to more than"},
    {"nesting deeper than any manifest", "sprites/hero.yaml",
     "kind: character\nname: hero\nprompt: " + std::string(300, '[') + std::string(300, ']') + "\n",
     "sprites/hero.yaml:3:", "levels of nesting"},
    {"a rule counting to a billion", "sprites/bees.yaml", "kind: swarm\nname: bees\npreset: plain\nprompt: a bee\nn: 1000000000\n",
     "sprites/bees.yaml:5:4", "a count of at most"},
    {"a byte that is not UTF-8 in a prompt", "sprites/hero.yaml",
     "kind: character\nname: hero\npreset: fast\nprompt: a kni\xffght\nanimations:\n  walk: {frames: 2}\n",
     "sprites/hero.yaml:4:9", "expected UTF-8 text, got the byte 0xff"},
    {"a quoted prompt left open at the end of the file", "sprites/hero.yaml",
     "kind: character\nname: hero\npreset: fast\nanimations:\n  walk: {frames: 2}\nprompt: \"a knight\n",
     "sprites/hero.yaml:6:9", "expected a closing quote"},
    {".hex palette with a bad line", "palettes/warm.hex", "1a1c2c\n5d275d\nnot-a-colour\n", "palettes/warm.hex:3", "not-a-colour"},
    {".gpl palette with a value over 255", "presets/plain.yaml", "pixel: {size: [32, 32], palette: palettes/bad.gpl}\n",
     "palettes/bad.gpl:3", "256"},
    {".gpl palette without its header", "presets/tiles.yaml", "pixel: {size: [32, 32], palette: palettes/headless.gpl}\n",
     "palettes/headless.gpl:1", "GIMP Palette"},
    {"pixel size larger than the generated image", "presets/plain.yaml", "size: [256, 256]\npixel: {size: [512, 512]}\n",
     "presets/plain.yaml:2:15", "no larger than the generated image (256x256), got 512x512"},
    {"pixel size larger than an override's generated image", "sprites/loot.yaml",
     "kind: items\nname: loot\npreset: plain\noverrides: {size: [16, 16]}\nitems:\n  - {name: a, prompt: x}\n",
     "presets/plain.yaml:2:15", "no larger than the generated image (16x16), got 32x32"},
    {"output folder that is the project root", "dgxpx.yaml", "manifests: sprites\noutput: .\n", "dgxpx.yaml:2:9",
     "holds the whole project"},
    {"output folder that holds the presets", "dgxpx.yaml", "manifests: sprites\noutput: presets\n", "dgxpx.yaml:2:9",
     "holds the presets"},
};

// Files the cases above refer to, written into every case's project.
void write_case_support_files(const TempProject& p) {
  p.write("palettes/bad.gpl", "GIMP Palette\nName: bad\n256 0 0 red\n");
  p.write("palettes/headless.gpl", "255 0 0 red\n0 255 0 green\n");
  p.write("rules/swarm.yaml",
          "kind: swarm\nfields:\n  prompt: string\n  n: int\nexpand:\n  - {count: n, as: i}\n"
          "frame: {name: \"b{i}\", prompt: \"{prompt}\", seed: \"{i}\"}\nsheet: {format: items}\n");
}

}  // namespace

TEST_CASE("malformed input: file:line:col, expected vs found, exit 2, nothing written", "[integration][errors]") {
  REQUIRE(sizeof(kCases) / sizeof(kCases[0]) >= 45);
  for (const auto& c : kCases) {
    TempProject p;
    write_example_project(p);
    write_case_support_files(p);
    p.write(c.file, c.content);
    RunResult r = p.dgxpx("build");
    INFO(c.what << "\nstderr: " << r.err);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains(c.location));
    CHECK_THAT(r.err, Catch::Contains(": error: "));
    CHECK_THAT(r.err, Catch::Contains(c.message));
    CHECK_FALSE(p.exists(".dgxpx"));
    CHECK_FALSE(p.exists("assets"));
  }
}

TEST_CASE("a bad edit after a good build leaves the previous outputs and plan alone", "[integration][errors]") {
  TempProject p;
  write_example_project(p);
  REQUIRE(p.dgxpx("build").exit_code == 0);
  std::string ninja_before = p.read(".dgxpx/build.ninja");
  std::string sheet_before = p.read("assets/hero.png");
  p.write("sprites/hero.yaml", "kind: character\nname: hero\npreset: fast\nprompt: a\nseed: x\nanimations:\n  walk: {frames: 2}\n");
  RunResult r = p.dgxpx("build");
  CHECK(r.exit_code == 2);
  CHECK(p.read(".dgxpx/build.ninja") == ninja_before);
  CHECK(p.read("assets/hero.png") == sheet_before);
}

TEST_CASE("command-line misuse exits 2", "[integration][errors]") {
  TempProject p;
  write_example_project(p);
  CHECK(p.dgxpx("frobnicate").exit_code == 2);
  CHECK(p.dgxpx("build -j many").exit_code == 2);
  CHECK(p.dgxpx("gc --max-size lots").exit_code == 2);
  CHECK(p.dgxpx("explain nobody").exit_code == 2);
  RunResult unknown_flag = p.dgxpx("build --frobnicate");
  CHECK(unknown_flag.exit_code == 2);
  CHECK_THAT(unknown_flag.err, Catch::Contains("--frobnicate") && Catch::Contains("dgxpx build --help"));
  CHECK(p.dgxpx("status extra").exit_code == 2);
  // --help is an answer, not misuse; completion knows every command's options.
  RunResult help = p.dgxpx("build --help");
  CHECK(help.exit_code == 0);
  CHECK_THAT(help.out, Catch::Contains("--dry-run") && Catch::Contains("exit status"));
  RunResult completion = p.dgxpx("completion");
  CHECK(completion.exit_code == 0);
  CHECK_THAT(completion.out, Catch::Contains("complete -o filenames -F _dgxpx dgxpx") &&
                                 Catch::Contains("watch) words=\"") && Catch::Contains("--debounce"));
  CHECK_FALSE(p.exists(".dgxpx"));
  TempProject empty;
  RunResult r = empty.dgxpx("build");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("no dgxpx.yaml found"));
}
