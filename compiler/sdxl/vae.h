#pragma once
// The SDXL VAE (AutoencoderKL): the encoder maps an image in [-1, 1] to the latent Gaussian's
// mean and log-variance, the decoder maps latents back to an image in about [-1, 1]. The
// scaling factor (config.scaling_factor) is the caller's business: decode(latents / scale),
// encode(image).mean * scale. Module names equal diffusers' state-dict keys.
// Reference: diffusers/models/autoencoder_kl.py, vae.py (Encoder, Decoder,
// DiagonalGaussianDistribution), unet_2d_blocks.py (DownEncoderBlock2D, UpDecoderBlock2D,
// UNetMidBlock2D) at v0.24.0, https://github.com/huggingface/diffusers
#include <cstdint>

#include <torch/torch.h>

#include "compiler/sdxl/config.h"
#include "compiler/sdxl/layers.h"
#include "compiler/sdxl/resnet.h"

namespace dgxpx::sdxl {

/// Single-head self-attention over the H*W positions with a GroupNorm in front and a residual
/// (diffusers Attention as built for the VAE: bias, heads = 1, upcast softmax).
class VaeAttentionImpl : public torch::nn::Module {
 public:
  VaeAttentionImpl(int64_t channels, int64_t groups, const torch::TensorOptions& options);
  /// [B, C, H, W] -> [B, C, H, W]
  torch::Tensor forward(const torch::Tensor& x);

  GroupNorm group_norm{nullptr};
  Linear to_q{nullptr}, to_k{nullptr}, to_v{nullptr};
  torch::nn::ModuleList to_out;  // 0: Linear
};
TORCH_MODULE(VaeAttention);

/// UNetMidBlock2D without time embedding: resnet, attention, resnet.
class VaeMidBlockImpl : public torch::nn::Module {
 public:
  VaeMidBlockImpl(int64_t channels, int64_t groups, const torch::TensorOptions& options);
  torch::Tensor forward(const torch::Tensor& x);

  torch::nn::ModuleList attentions;
  torch::nn::ModuleList resnets;
};
TORCH_MODULE(VaeMidBlock);

/// DownEncoderBlock2D: resnets, then a right/bottom-padded stride-2 conv except at the bottom.
class VaeDownBlockImpl : public torch::nn::Module {
 public:
  VaeDownBlockImpl(int64_t in_channels, int64_t out_channels, int64_t num_layers, int64_t groups,
                   bool add_downsample, const torch::TensorOptions& options);
  torch::Tensor forward(torch::Tensor x);

  torch::nn::ModuleList resnets;
  torch::nn::ModuleList downsamplers;
};
TORCH_MODULE(VaeDownBlock);

/// UpDecoderBlock2D: resnets, then 2x nearest upsampling + conv except at the top.
class VaeUpBlockImpl : public torch::nn::Module {
 public:
  VaeUpBlockImpl(int64_t in_channels, int64_t out_channels, int64_t num_layers, int64_t groups,
                 bool add_upsample, const torch::TensorOptions& options);
  torch::Tensor forward(torch::Tensor x);

  torch::nn::ModuleList resnets;
  torch::nn::ModuleList upsamplers;
};
TORCH_MODULE(VaeUpBlock);

class VaeEncoderImpl : public torch::nn::Module {
 public:
  VaeEncoderImpl(const VaeConfig& config, const torch::TensorOptions& options);
  /// [B, in, H, W] -> [B, 2*latent, H/2^(levels-1), W/2^(levels-1)]
  torch::Tensor forward(const torch::Tensor& x);

  Conv2d conv_in{nullptr};
  torch::nn::ModuleList down_blocks;
  VaeMidBlock mid_block{nullptr};
  GroupNorm conv_norm_out{nullptr};
  Conv2d conv_out{nullptr};
};
TORCH_MODULE(VaeEncoder);

class VaeDecoderImpl : public torch::nn::Module {
 public:
  VaeDecoderImpl(const VaeConfig& config, const torch::TensorOptions& options);
  /// [B, latent, h, w] -> [B, out, h*2^(levels-1), w*2^(levels-1)]
  torch::Tensor forward(const torch::Tensor& z);

  Conv2d conv_in{nullptr};
  VaeMidBlock mid_block{nullptr};
  torch::nn::ModuleList up_blocks;
  GroupNorm conv_norm_out{nullptr};
  Conv2d conv_out{nullptr};
};
TORCH_MODULE(VaeDecoder);

/// The encoder's diagonal Gaussian over latents.
struct LatentDistribution {
  torch::Tensor mean;    // [B, latent, h, w], not multiplied by the scaling factor
  torch::Tensor logvar;  // same shape, clamped to [-30, 20]
  torch::Tensor std() const { return torch::exp(0.5 * logvar); }
};

/// AutoencoderKL.
class VaeImpl : public torch::nn::Module {
 public:
  /// Builds the network with uninitialised parameters of `options` (kMeta: bookkeeping only).
  VaeImpl(const VaeConfig& config, const torch::TensorOptions& options);

  /// image [B, in, H, W] in [-1, 1] -> the latent distribution. Inputs are cast to the
  /// parameters' dtype. TORCH_CHECKs the shape.
  LatentDistribution encode(const torch::Tensor& image);
  /// latents [B, latent, h, w], already divided by the scaling factor -> image
  /// [B, out, 8h, 8w] (for SDXL), roughly in [-1, 1], before any clamping.
  torch::Tensor decode(const torch::Tensor& latents);

  const VaeConfig& config() const { return config_; }

  VaeEncoder encoder{nullptr};
  VaeDecoder decoder{nullptr};
  Conv2d quant_conv{nullptr};
  Conv2d post_quant_conv{nullptr};

 private:
  VaeConfig config_;
};
TORCH_MODULE(Vae);

}  // namespace dgxpx::sdxl
