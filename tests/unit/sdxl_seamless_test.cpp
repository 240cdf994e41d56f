// Seamless tiling: circular padding equals convolving the periodically extended image, on both
// axes or on one (the other keeps zero padding); a tiled network is shift-equivariant along the
// tiled axes only.
#include <cstdio>
#include <functional>
#include <vector>

#include <torch/torch.h>

#include "compiler/sdxl/layers.h"
#include "compiler/sdxl/pipeline.h"
#include "compiler/sdxl/seamless.h"
#include "tests/support/fixtures.h"

// libtorch brings glog, whose CHECK would shadow Catch's: Catch comes last and takes it back.
#undef CHECK
#include <catch2/catch.hpp>

namespace sdxl = dgxpx::sdxl;

namespace {

constexpr int64_t kH = 2, kW = 3;  // NCHW axes

double max_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a - b).abs().max().item<double>();
}

// A conv with random weights (in 2, out 3).
sdxl::Conv2d random_conv(int64_t kernel, int64_t stride, int64_t padding) {
  sdxl::Conv2d conv(2, 3, kernel, stride, padding, torch::TensorOptions());
  torch::NoGradGuard no_grad;
  for (auto& p : conv->parameters()) p.copy_(torch::randn(p.sizes()));
  return conv;
}

// `x` with `p` pixels of each edge along `axis` copied to the opposite side, by hand.
torch::Tensor wrap(const torch::Tensor& x, int64_t axis, int64_t p) {
  const int64_t n = x.size(axis);
  return torch::cat({x.narrow(axis, n - p, p), x, x.narrow(axis, 0, p)}, axis);
}

// `x` with `p` zero pixels on both sides along `axis`.
torch::Tensor zero_pad(const torch::Tensor& x, int64_t axis, int64_t p) {
  auto sizes = x.sizes().vec();
  sizes[axis] = p;
  const torch::Tensor zeros = torch::zeros(sizes, x.options());
  return torch::cat({zeros, x, zeros}, axis);
}

sdxl::SdxlModel load_fixture_model() {
  return sdxl::load_sdxl_model(dgxpx::testing::sdxl_tiny() / "model");
}

// Max |f(roll(x, k)) - roll(f(x), k * scale)| along `axis`: zero for a shift-equivariant f.
double roll_error(const std::function<torch::Tensor(const torch::Tensor&)>& f, const torch::Tensor& x,
                  int64_t axis, int64_t k, int64_t scale) {
  return max_diff(f(torch::roll(x, k, axis)), torch::roll(f(x), k * scale, axis));
}

}  // namespace

TEST_CASE("tiling names parse", "[sdxl][seamless]") {
  CHECK(sdxl::parse_tiling("none") == sdxl::Tiling::none);
  CHECK(sdxl::parse_tiling("x") == sdxl::Tiling::x);
  CHECK(sdxl::parse_tiling("y") == sdxl::Tiling::y);
  CHECK(sdxl::parse_tiling("xy") == sdxl::Tiling::xy);
  CHECK_FALSE(sdxl::parse_tiling("yx").has_value());
}

TEST_CASE("xy tiling makes padded convolutions wrap around", "[sdxl][seamless]") {
  torch::manual_seed(3);
  sdxl::Conv2d conv = random_conv(3, 1, 1);
  sdxl::Conv2d pointwise = random_conv(1, 1, 0);
  torch::nn::Sequential net(conv, pointwise);
  const torch::Tensor x = torch::randn({1, 2, 5, 7});

  sdxl::set_tiling(*net, sdxl::Tiling::xy);
  // Tile the input 3x3, convolve without padding semantics mattering, take the centre.
  const torch::Tensor tiled = x.repeat({1, 1, 3, 3});
  const torch::Tensor reference = torch::conv2d(tiled, conv->weight, conv->bias)
                                      .slice(2, 5 - 1, 10 - 1).slice(3, 7 - 1, 14 - 1);
  CHECK(max_diff(conv->forward(x), reference) < 1e-5);
  CHECK(pointwise->padding_mode == sdxl::PaddingMode::circular);  // harmless: no padding
  // Exactly torch.nn.Conv2d(padding_mode="circular"): one circular pad, then no padding.
  namespace F = torch::nn::functional;
  CHECK(torch::equal(conv->forward(x),
                     torch::conv2d(F::pad(x, F::PadFuncOptions({1, 1, 1, 1}).mode(torch::kCircular)),
                                   conv->weight, conv->bias)));

  sdxl::set_tiling(*net, sdxl::Tiling::none);
  CHECK(conv->padding_mode == sdxl::PaddingMode::zeros);
  CHECK(max_diff(conv->forward(x), torch::conv2d(x, conv->weight, conv->bias, 1, 1)) < 1e-6);
}

TEST_CASE("set_tiling picks the padding mode of each tiling", "[sdxl][seamless]") {
  CHECK(sdxl::padding_mode_of(sdxl::Tiling::none) == sdxl::PaddingMode::zeros);
  CHECK(sdxl::padding_mode_of(sdxl::Tiling::x) == sdxl::PaddingMode::circular_x);
  CHECK(sdxl::padding_mode_of(sdxl::Tiling::y) == sdxl::PaddingMode::circular_y);
  CHECK(sdxl::padding_mode_of(sdxl::Tiling::xy) == sdxl::PaddingMode::circular);
  sdxl::Conv2d a = random_conv(3, 1, 1), b = random_conv(3, 2, 1);
  torch::nn::ModuleList inner, net;
  inner->push_back(b);
  net->push_back(a);
  net->push_back(inner);
  for (auto tiling : {sdxl::Tiling::x, sdxl::Tiling::y, sdxl::Tiling::xy, sdxl::Tiling::none}) {
    INFO("tiling " << sdxl::to_string(tiling));
    sdxl::set_tiling(*net, tiling);
    CHECK(a->padding_mode == sdxl::padding_mode_of(tiling));
    CHECK(b->padding_mode == sdxl::padding_mode_of(tiling));  // nested modules too
  }
}

TEST_CASE("one-axis tiling wraps that axis and zero-pads the other", "[sdxl][seamless]") {
  torch::manual_seed(5);
  // Non-square input, so that swapping the axes cannot pass; strides and paddings as in SDXL
  // (3x3 pad 1, the downsamplers' stride 2) plus a wider kernel.
  const torch::Tensor x = torch::randn({2, 2, 6, 9});
  struct Shape { int64_t kernel, stride, padding; };
  for (const Shape s : {Shape{3, 1, 1}, Shape{3, 2, 1}, Shape{5, 1, 2}}) {
    INFO("kernel " << s.kernel << " stride " << s.stride << " padding " << s.padding);
    sdxl::Conv2d conv = random_conv(s.kernel, s.stride, s.padding);
    const auto unpadded = [&](const torch::Tensor& in) {
      return torch::conv2d(in, conv->weight, conv->bias, torch::IntArrayRef{s.stride, s.stride});
    };
    const int64_t p = s.padding;
    const torch::Tensor zeros_out = conv->forward(x);
    const torch::Tensor want_x = unpadded(zero_pad(wrap(x, kW, p), kH, p));
    const torch::Tensor want_y = unpadded(zero_pad(wrap(x, kH, p), kW, p));
    const torch::Tensor want_xy = unpadded(wrap(wrap(x, kW, p), kH, p));

    sdxl::set_tiling(*conv, sdxl::Tiling::x);
    const torch::Tensor got_x = conv->forward(x);
    REQUIRE(got_x.sizes() == want_x.sizes());
    CHECK(max_diff(got_x, want_x) < 1e-5);
    // The cases differ, so the checks above and below tell the modes apart.
    CHECK(max_diff(want_x, want_xy) > 1e-2);
    CHECK(max_diff(want_x, want_y) > 1e-2);
    CHECK(max_diff(want_x, zeros_out) > 1e-2);

    sdxl::set_tiling(*conv, sdxl::Tiling::y);
    CHECK(max_diff(conv->forward(x), want_y) < 1e-5);
    CHECK(max_diff(want_y, want_xy) > 1e-2);
    CHECK(max_diff(want_y, zeros_out) > 1e-2);

    sdxl::set_tiling(*conv, sdxl::Tiling::xy);
    CHECK(max_diff(conv->forward(x), want_xy) < 1e-5);
  }
}

TEST_CASE("set_tiling(none) after x restores zero padding exactly", "[sdxl][seamless]") {
  torch::manual_seed(7);
  sdxl::Conv2d conv = random_conv(3, 1, 1);
  const torch::Tensor x = torch::randn({1, 2, 5, 7});
  const torch::Tensor before = conv->forward(x);
  sdxl::set_tiling(*conv, sdxl::Tiling::x);
  REQUIRE_FALSE(torch::equal(conv->forward(x), before));
  sdxl::set_tiling(*conv, sdxl::Tiling::none);
  CHECK(conv->padding_mode == sdxl::PaddingMode::zeros);
  CHECK(torch::equal(conv->forward(x), before));
  CHECK(torch::equal(conv->forward(x), torch::conv2d(x, conv->weight, conv->bias, 1, 1)));
}

TEST_CASE("one-axis tiling makes the tiny UNet and VAE shift-equivariant along that axis only",
          "[sdxl][seamless]") {
  auto model = load_fixture_model();
  torch::NoGradGuard no_grad;
  torch::manual_seed(11);

  // Rolling the input by a multiple of the UNet's downsampling factor rolls its output alike;
  // the VAE decoder upsamples, so a latent shift of 1 is an image shift of its factor.
  const auto& unet_config = model.unet->config();
  const int64_t unet_factor = int64_t{1} << (unet_config.block_out_channels.size() - 1);
  const int64_t vae_factor = int64_t{1} << (model.vae->config().block_out_channels.size() - 1);
  const int64_t pooled = unet_config.projection_class_embeddings_input_dim -
                         6 * unet_config.addition_time_embed_dim;
  const sdxl::UNetConditioning cond{torch::randn({1, 7, unet_config.cross_attention_dim}),
                                    torch::randn({1, pooled}),
                                    torch::tensor({64.f, 96.f, 0.f, 0.f, 64.f, 96.f}).reshape({1, 6})};
  const torch::Tensor timestep = torch::tensor(500.f);
  // Latents 4 x 16 x 24 (H != W, both multiples of the UNet's factor).
  const torch::Tensor sample = torch::randn({1, 4, 4 * unet_factor, 6 * unet_factor});
  const torch::Tensor latents = torch::randn({1, 4, 6, 10});
  const auto unet = [&](const torch::Tensor& s) { return model.unet->forward(s, timestep, cond); };
  const auto vae = [&](const torch::Tensor& z) { return model.vae->decode(z); };

  struct Net {
    const char* name;
    torch::nn::Module* module;
    std::function<torch::Tensor(const torch::Tensor&)> f;
    torch::Tensor input;
    int64_t shift, scale;
  };
  for (const Net& net : {Net{"unet", model.unet.get(), unet, sample, unet_factor, 1},
                         Net{"vae decode", model.vae.get(), vae, latents, 1, vae_factor}}) {
    torch::nn::Module& module = *net.module;
    const auto err = [&](int64_t axis) { return roll_error(net.f, net.input, axis, net.shift, net.scale); };
    INFO(net.name);
    const torch::Tensor zeros_out = net.f(net.input);
    const double out_scale = zeros_out.abs().max().item<double>();
    const double equivariant = 1e-4 * out_scale, broken = 1e-2 * out_scale;

    sdxl::set_tiling(module, sdxl::Tiling::none);
    const double none_w = err(kW), none_h = err(kH);
    sdxl::set_tiling(module, sdxl::Tiling::x);
    const double x_w = err(kW), x_h = err(kH);
    sdxl::set_tiling(module, sdxl::Tiling::y);
    const double y_w = err(kW), y_h = err(kH);
    sdxl::set_tiling(module, sdxl::Tiling::xy);
    const double xy_w = err(kW), xy_h = err(kH);
    std::printf("%-10s roll errors (output max %.3g): none W %.3g H %.3g | x W %.3g H %.3g | "
                "y W %.3g H %.3g | xy W %.3g H %.3g\n",
                net.name, out_scale, none_w, none_h, x_w, x_h, y_w, y_h, xy_w, xy_h);
    CHECK(none_w > broken);
    CHECK(none_h > broken);
    CHECK(x_w < equivariant);
    CHECK(x_h > broken);  // "xy" applied for "x" would make this equivariant too
    CHECK(y_h < equivariant);
    CHECK(y_w > broken);
    CHECK(xy_w < equivariant);
    CHECK(xy_h < equivariant);

    // Back to none after a one-axis tiling: the very same numbers as never tiled.
    sdxl::set_tiling(module, sdxl::Tiling::x);
    REQUIRE_FALSE(torch::equal(net.f(net.input), zeros_out));
    sdxl::set_tiling(module, sdxl::Tiling::none);
    CHECK(torch::equal(net.f(net.input), zeros_out));
  }
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
