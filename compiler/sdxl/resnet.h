#pragma once
// Convolutional building blocks shared by the UNet and the VAE.
// Reference: diffusers/models/resnet.py (ResnetBlock2D, Downsample2D, Upsample2D) at v0.24.0,
// https://github.com/huggingface/diffusers
#include <cstdint>
#include <optional>
#include <vector>

#include <torch/torch.h>

#include "compiler/sdxl/layers.h"

namespace dgxpx::sdxl {

/// GroupNorm-SiLU-conv twice, with an optional time-embedding bias and a 1x1 shortcut when
/// the channel count changes (ResnetBlock2D, time_embedding_norm "default", scale factor 1).
class ResnetBlock2DImpl : public torch::nn::Module {
 public:
  /// `temb_channels` 0: no time_emb_proj (the VAE).
  ResnetBlock2DImpl(int64_t in_channels, int64_t out_channels, int64_t temb_channels,
                    int64_t groups, double eps, const torch::TensorOptions& options);
  /// x [B, in, H, W], temb [B, temb_channels] or undefined -> [B, out, H, W]
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& temb = {});

  GroupNorm norm1{nullptr};
  Conv2d conv1{nullptr};
  Linear time_emb_proj{nullptr};
  GroupNorm norm2{nullptr};
  Conv2d conv2{nullptr};
  Conv2d conv_shortcut{nullptr};
};
TORCH_MODULE(ResnetBlock2D);

/// Stride-2 3x3 convolution (Downsample2D with use_conv). The UNet pads 1 on every side; the
/// VAE encoder pads (0, 1, 0, 1) with zeros (right and bottom only) and convolves unpadded.
class Downsample2DImpl : public torch::nn::Module {
 public:
  enum class Padding { symmetric, right_bottom };
  Downsample2DImpl(int64_t channels, Padding padding, const torch::TensorOptions& options);
  /// [B, C, H, W] -> [B, C, ceil(H/2)-ish, ...] as the convolution arithmetic gives
  torch::Tensor forward(const torch::Tensor& x);

  Conv2d conv{nullptr};
  Padding padding;
};
TORCH_MODULE(Downsample2D);

/// Nearest-neighbour upsampling then a 3x3 convolution (Upsample2D with use_conv).
class Upsample2DImpl : public torch::nn::Module {
 public:
  Upsample2DImpl(int64_t channels, const torch::TensorOptions& options);
  /// [B, C, H, W] -> [B, C, 2H, 2W], or [B, C, size[0], size[1]] when `size` is given (the
  /// UNet's path for latents that are not multiples of 2^levels).
  torch::Tensor forward(const torch::Tensor& x,
                        const std::optional<std::vector<int64_t>>& size = std::nullopt);

  Conv2d conv{nullptr};
};
TORCH_MODULE(Upsample2D);

}  // namespace dgxpx::sdxl
