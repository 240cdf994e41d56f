// The LoRA workflow end to end on the placeholder backend (LoRA bytes and metadata are keyed
// there too, so no model is needed): a sidecar's trigger words and strength reach exactly the
// assets whose presets use the LoRA, a LoRA trained for another base model is refused at the
// preset, a registry promotion (a file move) reruns exactly its dependents, and
// `dgxpx lora info` prints what it found.
#include <catch2/catch.hpp>

#include <set>

#include "tests/support/project.h"
#include "tests/support/safetensors_bytes.h"

using namespace dgxpx::testing;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const std::vector<std::string> kTensors = {"lora_te1_text_model_encoder_layers_0_mlp_fc1.lora_down.weight",
                                           "lora_unet_down_blocks_1_attentions_0_proj_in.lora_up.weight"};

std::string lora_file(const std::string& version) {
  return safetensors_bytes(kTensors, {{"ss_base_model_version", "sdxl_base_v1-0"}, {"ss_output_name", "style " + version}});
}

json record(const TempProject& p, const std::string& asset) { return json::parse(p.read(".dgxpx/records/" + asset + ".json")); }

// The asset's gen steps as its record lists them: name → key.
std::map<std::string, std::string> gen_steps(const TempProject& p, const std::string& asset) {
  std::map<std::string, std::string> steps;
  const json r = record(p, asset);
  for (const auto& s : r["steps"])
    if (s["kind"] == "gen") steps[s["name"]] = s["key"];
  return steps;
}

// One field of an asset's first gen step: {value, display}; nulls when absent.
std::pair<json, json> gen_field(const TempProject& p, const std::string& asset, const std::string& field) {
  const json r = record(p, asset);
  for (const auto& s : r["steps"]) {
    if (s["kind"] != "gen") continue;
    for (const auto& f : s["fields"])
      if (f[0] == field) return {f[1], f[2]};
    break;
  }
  return {nullptr, nullptr};
}

RunResult build(const TempProject& p) {
  RunResult r = p.dgxpx("build --json");
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  return r;
}

// "file:line:col" of the first occurrence of `text` in a project file.
std::string location_of(const TempProject& p, const std::string& file, const std::string& text) {
  const std::string content = p.read(file);
  const size_t at = content.find(text);
  REQUIRE(at != std::string::npos);
  int line = 1, col = 1;
  for (size_t i = 0; i < at; ++i) {
    if (content[i] == '\n') ++line, col = 1;
    else ++col;
  }
  return file + ":" + std::to_string(line) + ":" + std::to_string(col);
}

void write_items(const TempProject& p, const std::string& asset, const std::string& preset, int items) {
  std::string text = "kind: items\nname: " + asset + "\npreset: " + preset + "\nitems:\n";
  for (int i = 0; i < items; ++i) text += "  - {name: thing" + std::to_string(i) + ", prompt: thing number " + std::to_string(i) + "}\n";
  p.write("sprites/" + asset + ".yaml", text);
}

}  // namespace

TEST_CASE("a sidecar's trigger words and strength reach the key of exactly the assets that use the LoRA", "[integration][lora]") {
  TempProject p;
  p.write("dgxpx.yaml", "manifests: sprites\n");
  p.write("loras/style.safetensors", lora_file("1"));
  const std::string pixel = "pixel: {size: [16, 16], palette: pico-8}\n";
  p.write("presets/styled.yaml", "size: [64, 64]\nloras: [{file: loras/style.safetensors}]\n" + pixel);
  p.write("presets/weighted.yaml", "size: [64, 64]\nloras: [{file: loras/style.safetensors, weight: 0.5}]\n" + pixel);
  p.write("presets/plain.yaml", "size: [64, 64]\n" + pixel);
  write_items(p, "styled", "styled", 3);
  write_items(p, "weighted", "weighted", 2);
  write_items(p, "plain", "plain", 2);
  build(p);
  const auto styled_before = gen_steps(p, "styled"), weighted_before = gen_steps(p, "weighted"),
             plain_before = gen_steps(p, "plain");
  CHECK(gen_field(p, "styled", "trigger_words").first.is_null());

  // A sidecar appears: its trigger words go to both presets' assets, its strength only where
  // the preset gives no weight.
  p.write("loras/style.json", R"({"trigger_words": ["pxlhero", "chibi"], "recommended_strength": 0.7, "status": "staging"})");
  RunResult second = build(p);
  CHECK(second.summary["ran"]["gen"] == styled_before.size() + weighted_before.size());
  CHECK(gen_steps(p, "plain") == plain_before);
  CHECK(gen_field(p, "styled", "trigger_words").first == "pxlhero, chibi");
  CHECK(gen_field(p, "weighted", "trigger_words").first == "pxlhero, chibi");
  const std::string styled_lora = gen_field(p, "styled", "lora[0]").second;
  CHECK_THAT(styled_lora, Catch::Contains("x0.7 (recommended_strength in loras/style.json)"));
  const std::string weighted_lora = gen_field(p, "weighted", "lora[0]").second;
  CHECK_THAT(weighted_lora, Catch::EndsWith("x0.5"));
  for (const auto& [name, key] : gen_steps(p, "styled")) {
    const json spec = json::parse(p.read(".dgxpx/steps/gen/" + key + ".json"));
    INFO(name);
    CHECK_THAT(spec["prompt"].get<std::string>(), Catch::StartsWith("pxlhero, chibi, "));
    CHECK(spec["loras"][0]["weight"] == 0.7);
  }
  RunResult explain = p.dgxpx("explain styled");
  INFO(explain.out);
  CHECK_THAT(explain.out, Catch::Contains("trigger_words added: 'pxlhero, chibi (sidecar loras/style.json)'"));
  CHECK_THAT(explain.out, Catch::Contains("recommended_strength in loras/style.json"));

  // What does not decide pixels (status) reruns nothing; a new strength reruns only the
  // assets that took it.
  p.write("loras/style.json", R"({"trigger_words": ["pxlhero", "chibi"], "recommended_strength": 0.7, "status": "production"})");
  CHECK(build(p).summary["ran"]["gen"] == 0);
  const auto weighted_now = gen_steps(p, "weighted");
  p.write("loras/style.json", R"({"trigger_words": ["pxlhero", "chibi"], "recommended_strength": 0.9})");
  CHECK(build(p).summary["ran"]["gen"] == styled_before.size());
  CHECK(gen_steps(p, "weighted") == weighted_now);
}

TEST_CASE("a LoRA for another base model, or a broken sidecar, is an error at its place", "[integration][lora]") {
  TempProject p;
  p.write("dgxpx.yaml", "manifests: sprites\n");
  p.write("presets/styled.yaml", "size: [64, 64]\nloras:\n  - {weight: 0.8, file: loras/style.safetensors}\n"
                                 "pixel: {size: [16, 16], palette: pico-8}\n");
  write_items(p, "styled", "styled", 1);

  p.write("loras/style.safetensors", safetensors_bytes(kTensors, {{"ss_base_model_version", "sd_v1"}}));
  RunResult header = p.dgxpx("build");
  CHECK(header.exit_code == 2);
  CHECK_THAT(header.err, Catch::Contains(location_of(p, "presets/styled.yaml", "loras/style.safetensors") +
                                         ": error: expected a LoRA trained for SDXL, got one for 'sd_v1' "
                                         "(ss_base_model_version in loras/style.safetensors)"));
  CHECK_FALSE(p.exists(".dgxpx/build.ninja"));

  p.write("loras/style.safetensors", lora_file("1"));
  p.write("loras/style.json", "{\"base_model\": \"sd15\"}");
  RunResult sidecar = p.dgxpx("build");
  CHECK(sidecar.exit_code == 2);
  CHECK_THAT(sidecar.err, Catch::Contains(location_of(p, "presets/styled.yaml", "loras/style.safetensors") +
                                          ": error: expected a LoRA trained for SDXL, got one for 'sd15' (sidecar loras/style.json)"));

  p.write("loras/style.json", "{\"trigger_words\": [\"pxlhero\",\n  42]}");
  RunResult bad = p.dgxpx("build");
  CHECK(bad.exit_code == 2);
  CHECK_THAT(bad.err, Catch::Contains(location_of(p, "loras/style.json", "42") + ": error: expected a trigger word"));
  CHECK_FALSE(p.exists(".dgxpx/build.ninja"));

  RunResult info = p.dgxpx("lora info loras/style.safetensors");
  CHECK(info.exit_code == 2);
  CHECK_THAT(info.err, Catch::Contains(location_of(p, "loras/style.json", "42")));
}

TEST_CASE("a preset's LoRA entry that is neither a file nor a registry name is an error at its place", "[integration][lora]") {
  struct Case {
    const char* name;
    std::string entry;    // the preset's loras: item
    std::string culprit;  // where the error points (first occurrence in the preset)
    const char* message;
  };
  const std::vector<Case> cases = {
      {"file and name", "{file: loras/style.safetensors, name: style}", "{file", "either 'file' or 'name'"},
      {"neither", "{weight: 0.5}", "{weight", "either 'file' or 'name'"},
      {"status with a file", "{file: loras/style.safetensors, status: staging}", "staging", "use it with 'name'"},
      {"a name that is a path", "{name: ../style}", "../style", "a LoRA name"},
      {"a status that is a path", "{name: style, status: prod/uction}", "prod/uction", "a registry status"},
      {"a weight that is text", "{name: style, weight: strong}", "strong", "a LoRA weight"},
  };
  for (const auto& c : cases) {
    SECTION(c.name) {
      TempProject p;
      p.write("dgxpx.yaml", "manifests: sprites\n");
      p.write("loras/style.safetensors", lora_file("1"));
      p.write("loras/production/style_v1.safetensors", lora_file("1"));
      p.write("presets/styled.yaml", "size: [64, 64]\nloras:\n  - " + c.entry + "\npixel: {size: [16, 16]}\n");
      write_items(p, "styled", "styled", 1);
      RunResult r = p.dgxpx("build");
      CHECK(r.exit_code == 2);
      CHECK_THAT(r.err, Catch::Contains(location_of(p, "presets/styled.yaml", c.culprit) + ": error: ") &&
                            Catch::Contains(c.message));
      CHECK_FALSE(p.exists(".dgxpx/build.ninja"));
    }
  }
}

TEST_CASE("promoting a registry version (a file move) reruns exactly the assets that use that status", "[integration][lora]") {
  TempProject p;
  p.write("dgxpx.yaml", "manifests: sprites\nlora_registry: models/loras\n");
  p.write("models/loras/production/style_v1.9.safetensors", lora_file("1.9"));
  p.write("models/loras/staging/style_v1.10.safetensors", lora_file("1.10"));
  p.write("models/loras/staging/style_v1.10.json", R"({"trigger_words": "pxl110", "status": "staging"})");
  p.write("models/loras/staging/style_v1.11.safetensors", lora_file("1.11"));
  const std::string pixel = "pixel: {size: [16, 16], palette: pico-8}\n";
  p.write("presets/prod.yaml", "size: [64, 64]\nloras: [{name: style, status: production, weight: 0.8}]\n" + pixel);
  p.write("presets/stage.yaml", "size: [64, 64]\nloras: [{name: style, status: staging}]\n" + pixel);
  p.write("presets/plain.yaml", "size: [64, 64]\n" + pixel);
  write_items(p, "prod", "prod", 3);
  write_items(p, "stage", "stage", 2);
  write_items(p, "plain", "plain", 1);
  build(p);
  CHECK_THAT(gen_field(p, "prod", "lora[0]").second.get<std::string>(),
             Catch::StartsWith("models/loras/production/style_v1.9.safetensors "));
  CHECK_THAT(gen_field(p, "stage", "lora[0]").second.get<std::string>(),
             Catch::StartsWith("models/loras/staging/style_v1.11.safetensors "));
  const auto prod_before = gen_steps(p, "prod"), stage_before = gen_steps(p, "stage"), plain_before = gen_steps(p, "plain");
  CHECK(build(p).summary["ran"]["gen"] == 0);  // the registry folders as inputs rerun nothing by themselves

  // Promote v1.10 with its sidecar: production's newest is now 1.10 (numerically above 1.9).
  fs::rename(p.root() / "models/loras/staging/style_v1.10.safetensors", p.root() / "models/loras/production/style_v1.10.safetensors");
  fs::rename(p.root() / "models/loras/staging/style_v1.10.json", p.root() / "models/loras/production/style_v1.10.json");
  RunResult promoted = build(p);
  CHECK(promoted.summary["ran"]["gen"] == prod_before.size());
  CHECK(gen_steps(p, "stage") == stage_before);
  CHECK(gen_steps(p, "plain") == plain_before);
  CHECK_THAT(gen_field(p, "prod", "lora[0]").second.get<std::string>(),
             Catch::StartsWith("models/loras/production/style_v1.10.safetensors "));
  CHECK(gen_field(p, "prod", "trigger_words").first == "pxl110");
  RunResult explain = p.dgxpx("explain prod");
  CHECK_THAT(explain.out, Catch::Contains("lora[0] changed"));
  CHECK_THAT(explain.out, Catch::Contains("style_v1.10.safetensors"));

  // Emptying a status is an error at the preset's name, saying where versions are.
  fs::remove(p.root() / "models/loras/staging/style_v1.11.safetensors");
  RunResult missing = p.dgxpx("build");
  CHECK(missing.exit_code == 2);
  CHECK_THAT(missing.err, Catch::Contains(location_of(p, "presets/stage.yaml", "style") + ": error: expected a LoRA "
                                          "models/loras/staging/style_v<version>.safetensors, got none (production has v1.10)"));
}

TEST_CASE("dgxpx lora info prints the metadata and sidecar it found", "[integration][lora]") {
  TempProject p;
  p.write("style.safetensors",
          safetensors_bytes(kTensors, {{"ss_base_model_version", "sdxl_base_v1-0"}, {"ss_resolution", "(1024, 1024)"},
                                       {"ss_tag_frequency", R"({"img": {"knight": 5, "cape": 2}})"}}));
  p.write("style.json", R"({"trigger_words": ["pxlhero"], "recommended_strength": 0.6, "status": "production", "fid": 12.5})");
  RunResult text = p.dgxpx("lora info style.safetensors");
  INFO(text.out << text.err);
  REQUIRE(text.exit_code == 0);
  CHECK_THAT(text.out, Catch::Contains("style.safetensors: safetensors, " + std::to_string(kTensors.size()) + " tensors (kohya layout)"));
  CHECK_THAT(text.out, Catch::Contains("trigger words:  pxlhero (sidecar style.json)"));
  CHECK_THAT(text.out, Catch::Contains("weight:         0.6 (recommended_strength in style.json)"));
  CHECK_THAT(text.out, Catch::Contains("sdxl_base_v1-0 → SDXL"));
  CHECK_THAT(text.out, Catch::Contains("knight (5), cape (2)"));

  RunResult j = p.dgxpx("lora info --json style.safetensors");
  REQUIRE(j.exit_code == 0);
  REQUIRE(j.summary.is_object());
  CHECK(j.summary["tensors"] == kTensors.size());
  CHECK(j.summary["trigger_words"]["words"] == json::array({"pxlhero"}));
  CHECK(j.summary["weight"]["value"] == 0.6);
  CHECK(j.summary["sidecar"]["status"] == "production");
  CHECK(j.summary["sidecar"]["other_keys"] == json::array({"fid"}));
  CHECK(j.summary["metadata"]["ss_resolution"] == "(1024, 1024)");
  CHECK(j.summary["usable_with_sdxl"] == true);

  p.write("old.safetensors", safetensors_bytes(kTensors, {{"ss_base_model_version", "sd_v2"}}));
  RunResult old = p.dgxpx("lora info --json old.safetensors");
  CHECK(old.exit_code == 0);
  CHECK(old.summary["usable_with_sdxl"] == false);
  CHECK(p.dgxpx("lora info missing.safetensors").exit_code == 2);
}

TEST_CASE("dgxpx compare --lora builds both sides through one cache and ranks the assets that use the LoRA first",
          "[integration][lora][compare]") {
  TempProject p;
  p.write("dgxpx.yaml", "manifests: sprites\n");
  p.write("loras/style.safetensors", lora_file("1"));
  p.write("loras/style_v2.safetensors", lora_file("2"));
  // The placeholder draws in the first colour word of the prompt: v2's trigger word shows.
  p.write("loras/style_v2.json", R"({"trigger_words": ["red"]})");
  const std::string pixel = "pixel: {size: [16, 16], palette: db32}\n";
  p.write("presets/styled.yaml", "size: [64, 64]\nloras: [{file: loras/style.safetensors}]\n" + pixel);
  p.write("presets/plain.yaml", "size: [64, 64]\n" + pixel);
  write_items(p, "styled", "styled", 2);
  write_items(p, "plain", "plain", 1);
  build(p);
  const size_t styled_frames = gen_steps(p, "styled").size();
  const std::string sheet_before = p.read("assets/styled.png");

  RunResult r = p.dgxpx("compare --lora loras/style.safetensors=loras/style_v2.safetensors --json");
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  const json& s = r.summary;
  REQUIRE(s.is_object());
  CHECK(s["a"]["ran"]["gen"] == 0);              // side A is the project as built: all from the cache
  CHECK(s["b"]["ran"]["gen"] == styled_frames);  // side B generates only what the swap changed
  REQUIRE(s["assets"].size() == 2);
  CHECK(s["assets"][0]["asset"] == "styled");
  CHECK(s["assets"][0]["changed"] == true);
  CHECK(s["assets"][0]["mean_pixel_difference"].get<double>() > 0);
  CHECK(s["assets"][0]["key_a"] != s["assets"][0]["key_b"]);
  CHECK_THAT(s["assets"][0]["reason"].get<std::string>(), Catch::Contains("trigger_words"));
  CHECK(s["assets"][1]["asset"] == "plain");
  CHECK(s["assets"][1]["changed"] == false);
  CHECK(s["assets"][1]["mean_pixel_difference"] == 0.0);
  CHECK(s["changed"] == 1);
  CHECK(p.exists(s["a"]["output"].get<std::string>() + "/styled.png"));
  CHECK(p.exists(s["b"]["output"].get<std::string>() + "/styled.png"));
  CHECK(p.read("assets/styled.png") == sheet_before);  // the project's own outputs are left alone

  RunResult again = p.dgxpx("compare --lora loras/style.safetensors=loras/style_v2.safetensors");
  INFO(again.out << again.err);
  REQUIRE(again.exit_code == 0);
  CHECK_THAT(again.out, Catch::Contains("styled: ") && Catch::Contains("plain (same key)") &&
                            Catch::Contains("1 of 2 assets changed"));
  CHECK(p.dgxpx("compare --lora loras/style.safetensors=loras/missing.safetensors").exit_code == 2);
}

TEST_CASE("dgxpx compare --status production=staging compares the registry's staging versions before a promotion",
          "[integration][lora][compare]") {
  TempProject p;
  p.write("dgxpx.yaml", "manifests: sprites\n");
  p.write("loras/production/style_v1.safetensors", lora_file("1"));
  p.write("loras/staging/style_v2.safetensors", lora_file("2"));
  p.write("loras/staging/style_v2.json", R"({"trigger_words": ["red"]})");
  const std::string pixel = "pixel: {size: [16, 16], palette: db32}\n";
  p.write("presets/styled.yaml", "size: [64, 64]\nloras: [{name: style}]\n" + pixel);
  p.write("presets/plain.yaml", "size: [64, 64]\n" + pixel);
  write_items(p, "styled", "styled", 2);
  write_items(p, "plain", "plain", 1);
  build(p);
  const size_t styled_frames = gen_steps(p, "styled").size();

  RunResult r = p.dgxpx("compare --status production=staging --json");
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  const json& s = r.summary;
  CHECK(s["b"]["ran"]["gen"] == styled_frames);
  REQUIRE(s["assets"].size() == 2);
  CHECK(s["assets"][0]["asset"] == "styled");
  CHECK(s["assets"][0]["changed"] == true);
  CHECK_THAT(s["assets"][0]["reason"].get<std::string>(), Catch::Contains("loras/staging/style_v2.safetensors"));
  CHECK(s["assets"][1]["changed"] == false);
  CHECK(p.dgxpx("compare --status production=../x").exit_code == 2);
  CHECK(p.dgxpx("compare").exit_code == 2);
}
