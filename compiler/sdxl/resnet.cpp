#include "compiler/sdxl/resnet.h"

namespace dgxpx::sdxl {

namespace F = torch::nn::functional;

ResnetBlock2DImpl::ResnetBlock2DImpl(int64_t in_channels, int64_t out_channels,
                                     int64_t temb_channels, int64_t groups, double eps,
                                     const torch::TensorOptions& options) {
  norm1 = register_module("norm1", GroupNorm(groups, in_channels, eps, options));
  conv1 = register_module("conv1", Conv2d(in_channels, out_channels, 3, 1, 1, options));
  if (temb_channels > 0)
    time_emb_proj =
        register_module("time_emb_proj", Linear(temb_channels, out_channels, true, options));
  norm2 = register_module("norm2", GroupNorm(groups, out_channels, eps, options));
  // The dropout between norm2 and conv2 is a no-op at inference.
  conv2 = register_module("conv2", Conv2d(out_channels, out_channels, 3, 1, 1, options));
  if (in_channels != out_channels)
    conv_shortcut =
        register_module("conv_shortcut", Conv2d(in_channels, out_channels, 1, 1, 0, options));
}

torch::Tensor ResnetBlock2DImpl::forward(const torch::Tensor& x, const torch::Tensor& temb) {
  auto h = conv1(torch::silu(norm1(x)));
  if (time_emb_proj) {
    TORCH_CHECK(temb.defined(), "ResnetBlock2D: time embedding required");
    // [B, C] -> [B, C, 1, 1]
    h = h + time_emb_proj(torch::silu(temb)).unsqueeze(-1).unsqueeze(-1);
  }
  h = conv2(torch::silu(norm2(h)));
  return (conv_shortcut ? conv_shortcut(x) : x) + h;
}

Downsample2DImpl::Downsample2DImpl(int64_t channels, Padding padding_,
                                   const torch::TensorOptions& options)
    : padding(padding_) {
  conv = register_module(
      "conv", Conv2d(channels, channels, 3, 2, padding == Padding::symmetric ? 1 : 0, options));
}

torch::Tensor Downsample2DImpl::forward(const torch::Tensor& x) {
  if (padding == Padding::right_bottom) {
    // (left, right, top, bottom) = (0, 1, 0, 1), zeros
    return conv(F::pad(x, F::PadFuncOptions({0, 1, 0, 1}).mode(torch::kConstant).value(0)));
  }
  return conv(x);
}

Upsample2DImpl::Upsample2DImpl(int64_t channels, const torch::TensorOptions& options) {
  conv = register_module("conv", Conv2d(channels, channels, 3, 1, 1, options));
}

torch::Tensor Upsample2DImpl::forward(const torch::Tensor& x,
                                      const std::optional<std::vector<int64_t>>& size) {
  auto opts = F::InterpolateFuncOptions().mode(torch::kNearest);
  if (size) {
    opts.size(*size);
  } else {
    opts.scale_factor(std::vector<double>{2.0, 2.0});
  }
  // diffusers upsamples bf16 in float32 (nearest is exact either way; older CUDA kernels lacked
  // bf16 support).
  if (x.scalar_type() == torch::kBFloat16)
    return conv(F::interpolate(x.to(torch::kFloat), opts).to(torch::kBFloat16));
  return conv(F::interpolate(x, opts));
}

}  // namespace dgxpx::sdxl
