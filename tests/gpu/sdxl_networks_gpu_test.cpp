// The network parity cases on CUDA in half precision (hidden tag [.gpu]; run with
// `sdxl_networks_gpu_tests "[gpu]"` or `ctest -L gpu` on a machine with a CUDA libtorch).
// Tolerances are absolute and looser than the fp32 ones by the precision lost: the fixture's
// outputs are O(1), fp16 keeps ~3 significant digits (unit roundoff 4.9e-4), bf16 ~2
// (3.9e-3), and errors compound over the dozens of layers of each network.
#include <iostream>

#include <torch/cuda.h>

#include "compiler/sdxl/attention.h"
#include "tests/parity/sdxl_network_cases.h"
#include "tests/support/fixtures.h"

// libtorch brings glog, whose CHECK would shadow Catch's (aborting instead of reporting):
// Catch comes last and takes the name back.
#undef CHECK
#include <catch2/catch.hpp>

namespace {

using dgxpx::sdxl::ModelLayout;

// Absolute tolerances per dtype: 20x fp16's / bf16's unit roundoff, times 2 for the UNet and
// VAE (deeper, with attention over hundreds of positions).
double gpu_atol(torch::ScalarType dtype, const std::string& kind) {
  const double base = dtype == torch::kHalf ? 1e-2 : 8e-2;
  return (kind == "unet" || kind.rfind("vae", 0) == 0) ? 2 * base : base;
}

void check_on_cuda(torch::ScalarType dtype, ModelLayout layout) {
  REQUIRE(torch::cuda::is_available());
  const auto dir = dgxpx::testing::sdxl_tiny();
  auto networks = dgxpx::testing::load_fixture_networks(
      dir, layout, torch::TensorOptions().dtype(dtype).device(torch::kCUDA));
  const auto outcomes = dgxpx::testing::run_network_cases(
      dir, networks, [&](const nlohmann::json& c) { return gpu_atol(dtype, c.at("kind")); });
  REQUIRE(!outcomes.empty());
  const std::string label = networks.layout + ", cuda " +
                            (dtype == torch::kHalf ? "fp16" : "bf16") +
                            (dgxpx::sdxl::fused_attention_available() ? ", sdpa" : ", matmul");
  for (const auto& o : outcomes) {
    const auto line = dgxpx::testing::describe_outcome(o, label);
    std::cout << line << "\n";
    INFO(line);
    CHECK(o.problems.empty());
    CHECK(o.max_abs_err <= o.atol);
  }
}

}  // namespace

TEST_CASE("sdxl networks on CUDA in fp16 match the fp32 reference", "[.gpu][sdxl]") {
  check_on_cuda(torch::kHalf, ModelLayout::diffusers_folder);
  check_on_cuda(torch::kHalf, ModelLayout::single_file);
}

TEST_CASE("sdxl networks on CUDA in bf16 match the fp32 reference", "[.gpu][sdxl]") {
  check_on_cuda(torch::kBFloat16, ModelLayout::diffusers_folder);
}

TEST_CASE("fused attention on CUDA agrees with the matmul path", "[.gpu][sdxl]") {
  REQUIRE(torch::cuda::is_available());
  torch::manual_seed(4);
  const auto opts = torch::TensorOptions().device(torch::kCUDA).dtype(torch::kHalf);
  auto q = torch::randn({2, 300, 64}, opts), k = torch::randn({2, 77, 64}, opts),
       v = torch::randn({2, 77, 64}, opts);
  auto fused = dgxpx::sdxl::multi_head_attention(q, k, v, 4).to(torch::kFloat);
  auto plain = dgxpx::sdxl::plain_multi_head_attention(q.to(torch::kFloat), k.to(torch::kFloat),
                                                       v.to(torch::kFloat), 4);
  CHECK((fused - plain).abs().max().item<float>() < 5e-3);
}
