// Seamless tiling: circular padding equals convolving the periodically extended image.
#include <torch/torch.h>

#include "compiler/sdxl/layers.h"
#include "compiler/sdxl/pipeline.h"
#include "compiler/sdxl/seamless.h"
#include "compiler/util/error.h"

// libtorch brings glog, whose CHECK would shadow Catch's: Catch comes last and takes it back.
#undef CHECK
#include <catch2/catch.hpp>

namespace sdxl = dgxpx::sdxl;

TEST_CASE("tiling names parse", "[sdxl][seamless]") {
  CHECK(sdxl::parse_tiling("none") == sdxl::Tiling::none);
  CHECK(sdxl::parse_tiling("x") == sdxl::Tiling::x);
  CHECK(sdxl::parse_tiling("y") == sdxl::Tiling::y);
  CHECK(sdxl::parse_tiling("xy") == sdxl::Tiling::xy);
  CHECK_FALSE(sdxl::parse_tiling("yx").has_value());
}

TEST_CASE("xy tiling makes padded convolutions wrap around", "[sdxl][seamless]") {
  torch::manual_seed(3);
  sdxl::Conv2d conv(2, 3, 3, 1, 1, torch::TensorOptions());
  sdxl::Conv2d pointwise(2, 3, 1, 1, 0, torch::TensorOptions());
  torch::NoGradGuard no_grad;
  for (auto& p : conv->parameters()) p.copy_(torch::randn(p.sizes()));
  for (auto& p : pointwise->parameters()) p.copy_(torch::randn(p.sizes()));
  torch::nn::Sequential net(conv, pointwise);
  const torch::Tensor x = torch::randn({1, 2, 5, 7});

  sdxl::set_tiling(*net, sdxl::Tiling::xy);
  // Tile the input 3x3, convolve without padding semantics mattering, take the centre.
  const torch::Tensor tiled = x.repeat({1, 1, 3, 3});
  const torch::Tensor reference = torch::conv2d(tiled, conv->weight, conv->bias)
                                      .slice(2, 5 - 1, 10 - 1).slice(3, 7 - 1, 14 - 1);
  CHECK((conv->forward(x) - reference).abs().max().item<double>() < 1e-5);
  CHECK(pointwise->padding_mode == sdxl::PaddingMode::circular);  // harmless: no padding

  sdxl::set_tiling(*net, sdxl::Tiling::none);
  CHECK(conv->padding_mode == sdxl::PaddingMode::zeros);
  CHECK((conv->forward(x) - torch::conv2d(x, conv->weight, conv->bias, 1, 1)).abs().max().item<double>() < 1e-6);
}

TEST_CASE("single-axis tiling is refused until Conv2d has per-axis padding", "[sdxl][seamless]") {
  sdxl::Conv2d conv(1, 1, 3, 1, 1, torch::TensorOptions());
  CHECK_THROWS_AS(sdxl::set_tiling(*conv, sdxl::Tiling::x), dgxpx::util::InputError);
}

TEST_CASE("micro-conditioning time ids default to the generated size", "[sdxl][pipeline]") {
  const auto ids = sdxl::micro_conditioning_time_ids({}, 640, 1536);
  CHECK(torch::equal(ids, torch::tensor({640.f, 1536.f, 0.f, 0.f, 640.f, 1536.f}).reshape({1, 6})));
  sdxl::MicroConditioning m;
  m.original_size = std::make_pair(int64_t{1024}, int64_t{2048});
  m.crop_top_left = {16, 32};
  const auto ids2 = sdxl::micro_conditioning_time_ids(m, 512, 512);
  CHECK(torch::equal(ids2, torch::tensor({1024.f, 2048.f, 16.f, 32.f, 512.f, 512.f}).reshape({1, 6})));
}
