// `dgxpx build` with a preset naming the tiny reference SDXL model: gen steps run through
// the generation worker, and replacing the LoRA file reruns exactly the assets that use it,
// with the new LoRA even when the worker that used the old one is still up.
#include <catch2/catch.hpp>

#include "compiler/pixel/png_io.h"
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

TEST_CASE("dgxpx gen --init/--strength/--mask on the tiny SDXL model: img2img, inpainting, usage errors",
          "[integration][sdxl]") {
  auto tiny = sdxl_tiny();
  const auto cases = read_python_json(tiny / "cases.json");
  const std::string model = (tiny / cases.at("model_dir").get<std::string>()).string();
  TempProject p;
  const std::string gen = "gen --model " + model + " --steps 4 --seed 5 ";
  RunResult made = p.dgxpx(gen + "--prompt 'a knight' --width 128 --height 64 -o init.png");
  INFO(made.err);
  REQUIRE(made.exit_code == 0);
  const dgxpx::pixel::Image init = dgxpx::pixel::read_png(p.root() / "init.png");
  REQUIRE((init.width == 128 && init.height == 64));

  // img2img: the size comes from the init image; the result starts from it, so it is not it.
  RunResult i2i = p.dgxpx(gen + "--prompt 'a knight' --init init.png --strength 0.5 -o i2i.png");
  INFO(i2i.err);
  REQUIRE(i2i.exit_code == 0);
  const dgxpx::pixel::Image out = dgxpx::pixel::read_png(p.root() / "i2i.png");
  REQUIRE((out.width == 128 && out.height == 64));
  CHECK(out.pixels != init.pixels);

  // Inpainting: an all-black mask keeps everything, so the final latents are the init image's
  // and the prompt cannot matter; an all-white one repaints everything, so it does.
  dgxpx::pixel::write_png(p.root() / "keep.png", dgxpx::pixel::Image(128, 64, {0, 0, 0, 255}));
  dgxpx::pixel::write_png(p.root() / "repaint.png", dgxpx::pixel::Image(128, 64, {255, 255, 255, 255}));
  const auto inpaint = [&](const std::string& prompt, const std::string& mask) {
    RunResult r = p.dgxpx(gen + "--prompt '" + prompt + "' --init init.png --strength 0.75 --mask " + mask + " -o inp.png");
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return dgxpx::pixel::read_png(p.root() / "inp.png").pixels;
  };
  CHECK(inpaint("a knight", "keep.png") == inpaint("a dragon", "keep.png"));
  CHECK(inpaint("a knight", "repaint.png") != inpaint("a dragon", "repaint.png"));

  // Usage errors exit 2 and write nothing.
  dgxpx::pixel::write_png(p.root() / "small.png", dgxpx::pixel::Image(64, 64, {255, 255, 255, 255}));
  for (const std::string bad : {"--init init.png --strength 0", "--init init.png --strength 1.5",
                                "--init init.png --strength half", "--strength 0.5", "--mask keep.png",
                                "--init init.png --mask small.png", "--init init.png --width 64",
                                "--init missing.png", "--init init.png --strength 0.1"}) {
    RunResult r = p.dgxpx(gen + "--prompt x " + bad + " -o bad.png");
    INFO(bad << ": " << r.err);
    CHECK(r.exit_code == 2);
    CHECK_FALSE(p.exists("bad.png"));
  }
}
