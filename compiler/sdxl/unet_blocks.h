#pragma once
// The UNet's levels: down blocks (resnets, optional transformers, a stride-2 downsampler),
// the mid block, and up blocks that consume the skip connections in reverse.
// Reference: diffusers/models/unet_2d_blocks.py (DownBlock2D, CrossAttnDownBlock2D,
// UNetMidBlock2DCrossAttn, UpBlock2D, CrossAttnUpBlock2D) at v0.24.0,
// https://github.com/huggingface/diffusers
#include <cstdint>
#include <optional>
#include <vector>

#include <torch/torch.h>

#include "compiler/sdxl/layers.h"
#include "compiler/sdxl/resnet.h"
#include "compiler/sdxl/transformer.h"

namespace dgxpx::sdxl {

/// What every UNet level shares.
struct UNetLevelOptions {
  int64_t temb_channels = 0;
  int64_t transformer_depth = 0;  // 0: DownBlock2D / UpBlock2D (no attentions)
  int64_t heads = 1;
  int64_t context_dim = 0;
  int64_t groups = 32;
  double eps = 1e-5;
};

/// DownBlock2D / CrossAttnDownBlock2D.
class UNetDownBlockImpl : public torch::nn::Module {
 public:
  UNetDownBlockImpl(int64_t in_channels, int64_t out_channels, int64_t num_layers,
                    bool add_downsample, const UNetLevelOptions& level,
                    const torch::TensorOptions& options);
  /// x [B, in, H, W] -> [B, out, H', W']; appends each resnet(+attention) output and the
  /// downsampled output to `skips`.
  torch::Tensor forward(torch::Tensor x, const torch::Tensor& temb, const torch::Tensor& context,
                        std::vector<torch::Tensor>& skips);

  torch::nn::ModuleList resnets;
  torch::nn::ModuleList attentions;    // empty without transformers
  torch::nn::ModuleList downsamplers;  // empty on the last level
};
TORCH_MODULE(UNetDownBlock);

/// UNetMidBlock2DCrossAttn: resnet, transformer, resnet.
class UNetMidBlockImpl : public torch::nn::Module {
 public:
  UNetMidBlockImpl(int64_t channels, const UNetLevelOptions& level,
                   const torch::TensorOptions& options);
  /// [B, C, H, W] -> [B, C, H, W]
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& temb,
                        const torch::Tensor& context);

  torch::nn::ModuleList attentions;
  torch::nn::ModuleList resnets;
};
TORCH_MODULE(UNetMidBlock);

/// UpBlock2D / CrossAttnUpBlock2D: each resnet takes cat([x, skip]) on channels.
class UNetUpBlockImpl : public torch::nn::Module {
 public:
  /// `in_channels` is the skip width of the level below (used by the last resnet),
  /// `prev_out_channels` the width coming up from the previous up block.
  UNetUpBlockImpl(int64_t in_channels, int64_t prev_out_channels, int64_t out_channels,
                  int64_t num_layers, bool add_upsample, const UNetLevelOptions& level,
                  const torch::TensorOptions& options);
  /// Pops one tensor per resnet from the back of `skips`. `upsample_size`: the spatial size
  /// to upsample to (diffusers' forward_upsample_size path), else 2x.
  torch::Tensor forward(torch::Tensor x, std::vector<torch::Tensor>& skips,
                        const torch::Tensor& temb, const torch::Tensor& context,
                        const std::optional<std::vector<int64_t>>& upsample_size);

  torch::nn::ModuleList resnets;
  torch::nn::ModuleList attentions;
  torch::nn::ModuleList upsamplers;
};
TORCH_MODULE(UNetUpBlock);

}  // namespace dgxpx::sdxl
