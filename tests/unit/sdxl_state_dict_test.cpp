#include "compiler/sdxl/state_dict.h"

#include "tests/support/catch_torch.h"
#include <string>

#include "compiler/util/error.h"

using dgxpx::sdxl::load_state_dict;
using dgxpx::sdxl::StateDict;
using dgxpx::util::InputError;

namespace {

// A tiny hand-made network: names "proj.weight", "proj.bias", "blocks.0.scale", "running".
struct InnerImpl : torch::nn::Module {
  InnerImpl() { scale = register_parameter("scale", torch::zeros({3})); }
  torch::Tensor scale;
};
TORCH_MODULE(Inner);

struct TinyImpl : torch::nn::Module {
  TinyImpl() {
    proj = register_module("proj", torch::nn::Linear(4, 2));
    blocks = register_module("blocks", torch::nn::ModuleList(Inner()));
    running = register_buffer("running", torch::zeros({2}));
  }
  torch::nn::Linear proj{nullptr};
  torch::nn::ModuleList blocks;
  torch::Tensor running;
};
TORCH_MODULE(Tiny);

StateDict full_weights(torch::ScalarType dtype) {
  return {
      {"proj.weight", torch::arange(8, torch::kFloat32).reshape({2, 4}).to(dtype)},
      {"proj.bias", torch::tensor({0.5f, -0.5f}).to(dtype)},
      {"blocks.0.scale", torch::tensor({1.0f, 2.0f, 3.0f}).to(dtype)},
      {"running", torch::tensor({7.0f, 8.0f}).to(dtype)},
  };
}

}  // namespace

TEST_CASE("load_state_dict fills every parameter and buffer, converting dtype",
          "[sdxl][state_dict]") {
  Tiny tiny;
  StateDict weights = full_weights(torch::kFloat16);
  // A non-contiguous view is accepted (transposed text projections arrive like this).
  weights["proj.weight"] = torch::arange(8, torch::kFloat32).reshape({4, 2}).t().to(torch::kFloat16);
  auto summary = load_state_dict(*tiny, weights, "tiny", "tiny.safetensors");
  REQUIRE(summary.tensors == 4);
  REQUIRE(summary.elements == 8 + 2 + 3 + 2);
  REQUIRE(summary.conversion == "fp16→fp32");
  REQUIRE(tiny->proj->weight.scalar_type() == torch::kFloat32);
  REQUIRE(torch::equal(tiny->proj->weight,
                       torch::arange(8, torch::kFloat32).reshape({4, 2}).t()));
  REQUIRE(torch::equal(tiny->running, torch::tensor({7.0f, 8.0f})));
  REQUIRE(torch::equal(tiny->blocks->ptr<InnerImpl>(0)->scale, torch::tensor({1.0f, 2.0f, 3.0f})));

  auto same = load_state_dict(*tiny, full_weights(torch::kFloat32), "tiny");
  REQUIRE(same.conversion == "fp32");
}

TEST_CASE("load_state_dict reports missing, leftover and mis-shaped names in one error",
          "[sdxl][state_dict]") {
  Tiny tiny;
  torch::NoGradGuard no_grad;
  tiny->proj->weight.fill_(42.0f);
  StateDict weights = full_weights(torch::kFloat32);
  weights.erase("blocks.0.scale");
  weights.erase("running");
  weights["proj.weight"] = torch::zeros({4, 2});
  weights["extra.weight"] = torch::zeros({5});
  weights["proj.bias.typo"] = torch::zeros({2});
  try {
    load_state_dict(*tiny, weights, "tiny", "tiny.safetensors");
    FAIL("expected an InputError");
  } catch (const InputError& error) {
    std::string what = error.what();
    INFO(what);
    REQUIRE(error.where().file == "tiny.safetensors");
    REQUIRE(what.find("tiny weights do not fit") != std::string::npos);
    REQUIRE(what.find("2 missing") != std::string::npos);
    REQUIRE(what.find("blocks.0.scale [3]") != std::string::npos);
    REQUIRE(what.find("running [2]") != std::string::npos);
    REQUIRE(what.find("2 left over") != std::string::npos);
    REQUIRE(what.find("extra.weight [5]") != std::string::npos);
    REQUIRE(what.find("proj.bias.typo [2]") != std::string::npos);
    REQUIRE(what.find("proj.weight: expected [2, 4], got [4, 2]") != std::string::npos);
  }
  // Nothing was loaded.
  REQUIRE(torch::all(tiny->proj->weight == 42.0f).item<bool>());
}

TEST_CASE("load_state_dict of an empty dict lists every name the network has",
          "[sdxl][state_dict]") {
  Tiny tiny;
  try {
    load_state_dict(*tiny, {}, "tiny");
    FAIL("expected an InputError");
  } catch (const InputError& error) {
    std::string what = error.what();
    for (const char* name : {"proj.weight", "proj.bias", "blocks.0.scale", "running"})
      REQUIRE(what.find(name) != std::string::npos);
    REQUIRE(what.find("4 missing") != std::string::npos);
  }
}
