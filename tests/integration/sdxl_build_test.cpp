// `dgxpx build` with a preset naming the tiny reference SDXL model: gen steps run through
// the generation worker, and replacing the LoRA file reruns exactly the assets that use it,
// with the new LoRA even when the worker that used the old one is still up.
#include <catch2/catch.hpp>

#include "tests/support/fixtures.h"
#include "tests/support/project.h"
#include "tests/support/python_json.h"
#include "tests/support/worker_files.h"

using namespace dgxpx::testing;

namespace {

// The LoRA file of the fixture set's lora case in `format` (kohya, diffusers).
std::filesystem::path fixture_lora(const nlohmann::json& cases, const std::string& format) {
  for (const auto& c : cases.at("cases"))
    if (c.at("kind") == "lora" && c.at("inputs").at("format") == format)
      return sdxl_tiny() / c.at("inputs").at("lora_file").get<std::string>();
  throw std::runtime_error("the fixture set has no " + format + " lora case");
}

}  // namespace

TEST_CASE("dgxpx build on the tiny SDXL model, a replaced LoRA reruns exactly its assets", "[integration][sdxl]") {
  auto tiny = sdxl_tiny();
  const auto cases = read_python_json(tiny / "cases.json");
  const auto kohya = fixture_lora(cases, "kohya"), diffusers = fixture_lora(cases, "diffusers");
  TempProject p;
  p.write("dgxpx.yaml", "manifests: sprites\nworker: {keep_warm: 120}\n");
  std::filesystem::copy_file(kohya, p.root() / "style.safetensors",
                             std::filesystem::copy_options::overwrite_existing);
  std::string model = (tiny / cases.at("model_dir").get<std::string>()).string();
  p.write("presets/styled.yaml", "model: " + model + "\nloras: [{file: style.safetensors, weight: 0.8}]\nsampler: euler_a\nsteps: 3\n"
                                 "size: [128, 128]\npixel: {size: [16, 16], palette: pico-8, background: keep}\n");
  // Trailing spacing and micro-conditioning travel from the preset to the worker.
  p.write("presets/plain.yaml", "model: " + model + "\nsampler: ddim\ntimestep_spacing: trailing\nsteps: 3\n"
                                "size: [128, 64]\noriginal_size: [256, 128]\ncrop: [8, 0]\n"
                                "pixel: {size: [16, 8], palette: db32, background: keep}\n");
  p.write("sprites/a.yaml", "kind: items\nname: styled\npreset: styled\nitems:\n  - {name: sword, prompt: iron sword}\n"
                            "  - {name: potion, prompt: red potion}\n");
  p.write("sprites/b.yaml", "kind: items\nname: plain\npreset: plain\nitems:\n  - {name: shield, prompt: a shield}\n");

  RunResult first = p.dgxpx("build --json");
  INFO(first.err);
  REQUIRE(first.exit_code == 0);
  CHECK(first.summary["ran"]["gen"] == 3);
  CHECK(p.exists("assets/styled/sword.png"));
  CHECK(p.exists("assets/plain/shield.png"));
  const std::string worker_pid = read_worker_file(p, "worker.pid");

  std::filesystem::copy_file(diffusers, p.root() / "style.safetensors",
                             std::filesystem::copy_options::overwrite_existing);
  RunResult second = p.dgxpx("build --json");
  INFO(second.err);
  REQUIRE(second.exit_code == 0);
  CHECK(second.summary["ran"]["gen"] == 2);  // only the assets whose preset names the LoRA
  CHECK(second.summary["ran"]["pack"] == 1);
  CHECK(read_worker_file(p, "worker.pid") == worker_pid);  // the same resident model...
  // ...rendered exactly what a fresh worker that only ever saw the new LoRA renders.
  TempProject fresh;
  fresh.write("dgxpx.yaml", "manifests: sprites\n");
  std::filesystem::copy_file(diffusers, fresh.root() / "style.safetensors");
  std::filesystem::copy(p.root() / "presets", fresh.root() / "presets", std::filesystem::copy_options::recursive);
  std::filesystem::copy(p.root() / "sprites", fresh.root() / "sprites", std::filesystem::copy_options::recursive);
  REQUIRE(fresh.dgxpx("build").exit_code == 0);
  int compared = 0;
  for (const auto& image : std::filesystem::directory_iterator(fresh.root() / ".dgxpx/gen")) {
    const std::string name = ".dgxpx/gen/" + image.path().filename().string();
    INFO(name);
    REQUIRE(p.exists(name));
    CHECK(p.read(name) == fresh.read(name));
    ++compared;
  }
  CHECK(compared == 3);
  // Stop the warm worker rather than leave it for its keep_warm time.
  std::filesystem::remove(worker_file(p, "worker.sock"));
}
