// The pipeline on CUDA (hidden tag [.gpu]; `ctest -L gpu` on a machine with a CUDA libtorch),
// against the same pipeline on the CPU, for every `pipeline` case of the fixture set, each run
// as the reference call (sdxl_pipeline_requests.h):
// - fp32 on CUDA within the case's own tolerances (latents, image): the CPU result is within
//   them of diffusers (the parity tests), and CUDA's kernels differ from the CPU's by float32
//   rounding, which is what those tolerances allow (20x the fp32-vs-fp64 error);
// - fp16 and bf16 within kHalfImageAtol / kBf16ImageAtol of the CPU image: the networks' own
//   error in half precision (sdxl_networks_gpu_test: 2e-2 fp16, 1.6e-1 bf16 for the UNet) is
//   damped by the sampler and the VAE's [0, 1] clamp, and compounds over the case's steps;
// - batched images equal single ones within the fp32 tolerance;
// - a LoRA applied to CUDA weights and removed leaves them bit for bit as loaded.
// DGXPX_GPU_TEST_DEVICE=cpu runs the same checks on the CPU, to try them before device time.
#include <cstdlib>
#include <iostream>

#include <torch/cuda.h>

#include "compiler/sdxl/checkpoint_names.h"
#include "compiler/sdxl/lora.h"
#include "compiler/sdxl/pipeline.h"
#include "tests/parity/sdxl_sampling_refs.h"
#include "tests/support/fixtures.h"

// libtorch brings glog, whose CHECK would shadow Catch's: Catch comes last and takes it back.
#undef CHECK
#include <catch2/catch.hpp>

#include "tests/parity/sdxl_pipeline_requests.h"  // after Catch: it uses Catch's macros

namespace {

namespace sdxl = dgxpx::sdxl;
using dgxpx::testing::max_abs_diff;
using dgxpx::testing::request_of;
using dgxpx::testing::sdxl_tiny;
using dgxpx::testing::sdxl_tiny_cases;
using dgxpx::testing::sdxl_tiny_cases_of_kind;
using nlohmann::json;

// The device under test: CUDA, or the CPU for a dry run.
torch::Device gpu() {
  const char* device = std::getenv("DGXPX_GPU_TEST_DEVICE");
  if (device && std::string(device) == "cpu") return torch::kCPU;
  return torch::kCUDA;
}

constexpr double kHalfImageAtol = 0.05;
constexpr double kBf16ImageAtol = 0.15;

std::filesystem::path model_dir() { return sdxl_tiny() / sdxl_tiny_cases().at("model_dir").get<std::string>(); }

sdxl::SdxlModel load(torch::Device device, torch::ScalarType dtype) {
  sdxl::SdxlLoadOptions options;
  options.device = device;
  options.dtype = dtype;
  return sdxl::load_sdxl_model(model_dir(), options);
}

double atol_of(const json& c, const std::string& output) {
  return c.at("tolerance").at(output).at("suggested_atol").get<double>();
}

std::vector<json> pipeline_cases() {
  auto cases = sdxl_tiny_cases_of_kind("pipeline");
  REQUIRE(!cases.empty());
  return cases;
}

}  // namespace

TEST_CASE("the pipeline on CUDA in fp32 matches the CPU within each case's tolerances", "[.gpu][sdxl]") {
  torch::NoGradGuard no_grad;
  sdxl::SdxlModel cpu = load(torch::kCPU, torch::kFloat32);
  sdxl::SdxlModel cuda = load(gpu(), torch::kFloat32);
  for (const auto& c : pipeline_cases()) {
    const auto request = request_of(c.at("inputs"), cpu);
    const auto want = sdxl::generate(cpu, request);
    const auto got = sdxl::generate(cuda, request);
    const double latents = max_abs_diff(got.latents.cpu(), want.latents), image = max_abs_diff(got.image, want.image);
    std::cout << "case " << c.at("name").get<std::string>() << " cuda fp32 vs cpu: latents " << latents << " (atol "
              << atol_of(c, "latents") << "), image " << image << " (atol " << atol_of(c, "image") << ")\n";
    INFO(c.at("name").get<std::string>());
    CHECK(latents <= atol_of(c, "latents"));
    CHECK(image <= atol_of(c, "image"));
  }
}

TEST_CASE("the pipeline on CUDA in fp16 and bf16 stays within the stated tolerances of the CPU", "[.gpu][sdxl]") {
  torch::NoGradGuard no_grad;
  sdxl::SdxlModel cpu = load(torch::kCPU, torch::kFloat32);
  for (const auto& [dtype, atol, label] : {std::tuple{torch::kHalf, kHalfImageAtol, "fp16"},
                                           std::tuple{torch::kBFloat16, kBf16ImageAtol, "bf16"}}) {
    sdxl::SdxlModel cuda = load(gpu(), dtype);
    for (const auto& c : pipeline_cases()) {
      const auto request = request_of(c.at("inputs"), cpu);
      const double image = max_abs_diff(sdxl::generate(cuda, request).image, sdxl::generate(cpu, request).image);
      std::cout << "case " << c.at("name").get<std::string>() << " cuda " << label << " vs cpu fp32: image " << image
                << " (atol " << atol << ")\n";
      INFO(c.at("name").get<std::string>() << " " << label);
      CHECK(image <= atol);
    }
  }
}

TEST_CASE("batched generation on CUDA equals single images", "[.gpu][sdxl]") {
  torch::NoGradGuard no_grad;
  sdxl::SdxlModel cuda = load(gpu(), torch::kFloat32);
  const json c = pipeline_cases().front();
  sdxl::GenerationRequest batch = request_of(c.at("inputs"), cuda);
  const std::vector<uint64_t> seeds = {batch.seed, batch.seed + 1, batch.seed + 2};
  batch.prompts.assign(seeds.size(), batch.prompts.front());
  batch.seeds = seeds;
  const auto together = sdxl::generate(cuda, batch);
  REQUIRE(together.latents.size(0) == static_cast<int64_t>(seeds.size()));
  for (size_t i = 0; i < seeds.size(); ++i) {
    sdxl::GenerationRequest one = request_of(c.at("inputs"), cuda);
    one.seed = seeds[i];
    const auto alone = sdxl::generate(cuda, one);
    const double err = max_abs_diff(together.latents[static_cast<int64_t>(i)].cpu(), alone.latents[0].cpu());
    std::cout << "batch image " << i << " vs single: latents " << err << "\n";
    INFO("image " << i);
    CHECK(err <= atol_of(c, "latents"));
  }
}

TEST_CASE("a LoRA applied to CUDA weights and removed restores them bit for bit", "[.gpu][sdxl]") {
  torch::NoGradGuard no_grad;
  sdxl::SdxlModel model = load(gpu(), torch::kHalf);
  const sdxl::CheckpointNames names(model.configs.unet, model.configs.vae);
  const sdxl::LoraTargets targets{model.unet.get(), model.text_encoder.get(), model.text_encoder_2.get(), &names};
  const std::vector<std::pair<std::string, torch::nn::Module*>> networks = {
      {"unet", model.unet.get()}, {"text_encoder", model.text_encoder.get()}, {"text_encoder_2", model.text_encoder_2.get()}};
  std::map<std::string, torch::Tensor> before;
  for (const auto& [label, module] : networks)
    for (const auto& p : module->named_parameters()) before[label + "/" + p.key()] = p.value().clone();
  const auto lora_cases = sdxl_tiny_cases_of_kind("lora");
  REQUIRE(!lora_cases.empty());
  for (const auto& c : lora_cases) {
    const auto file = sdxl::read_lora(sdxl_tiny() / c.at("inputs").at("lora_file").get<std::string>(), targets);
    sdxl::LoraPatcher patcher(targets);
    patcher.apply({{&file, 0.8}});
    INFO(c.at("name").get<std::string>());
    CHECK(patcher.patched_count() > 0);
    patcher.remove();
    std::vector<std::string> changed;
    for (const auto& [label, module] : networks)
      for (const auto& p : module->named_parameters())
        if (p.value().device() != gpu() || !torch::equal(p.value(), before.at(label + "/" + p.key())))
          changed.push_back(label + "/" + p.key());
    INFO("first changed: " << (changed.empty() ? std::string("none") : changed.front()));
    CHECK(changed.empty());
  }
}
