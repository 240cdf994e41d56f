#pragma once
// The SDXL UNet: sinusoidal timestep embedding plus SDXL's "text_time" added conditioning
// (pooled text embedding and the six size/crop numbers), then down, mid and up blocks sized
// per level from UNetConfig, so the same code runs the tiny reference model and SDXL base.
// Module names equal diffusers' state-dict keys (down_blocks.1.attentions.0.proj_in.weight...).
// Reference: diffusers/models/unet_2d_condition.py (UNet2DConditionModel) and embeddings.py
// (get_timestep_embedding, TimestepEmbedding) at v0.24.0, https://github.com/huggingface/diffusers
#include <cstdint>

#include <torch/torch.h>

#include "compiler/sdxl/config.h"
#include "compiler/sdxl/layers.h"
#include "compiler/sdxl/unet_blocks.h"

namespace dgxpx::sdxl {

/// Sinusoidal embedding of each value: t [N] -> [N, dim] float32, sin half then cos half
/// (cos first when `flip_sin_to_cos`), frequencies exp(-ln(10000) i / (dim/2 - freq_shift)).
torch::Tensor timestep_embedding(const torch::Tensor& t, int64_t dim, bool flip_sin_to_cos,
                                 double freq_shift);

/// linear_1 -> SiLU -> linear_2 (TimestepEmbedding).
class TimestepEmbeddingImpl : public torch::nn::Module {
 public:
  TimestepEmbeddingImpl(int64_t in_channels, int64_t dim, const torch::TensorOptions& options);
  /// [B, in] -> [B, dim]
  torch::Tensor forward(const torch::Tensor& x);

  Linear linear_1{nullptr}, linear_2{nullptr};
};
TORCH_MODULE(TimestepEmbedding);

/// SDXL's conditioning besides the noisy latents.
struct UNetConditioning {
  torch::Tensor encoder_hidden_states;  // [B, L, cross_attention_dim] (prompt embeddings)
  torch::Tensor text_embeds;            // [B, Pt] pooled text embedding
  torch::Tensor time_ids;               // [B, 6] orig_h, orig_w, crop_top, crop_left, h, w
};

/// UNet2DConditionModel with addition_embed_type "text_time".
class UNetImpl : public torch::nn::Module {
 public:
  /// Builds the network with uninitialised parameters of `options` (kMeta: bookkeeping only).
  /// TORCH_CHECKs a config it cannot build (see read_unet_config for user-facing checks).
  UNetImpl(const UNetConfig& config, const torch::TensorOptions& options);

  /// Predicts the noise: sample [B, in, H, W], timestep 0-d, [1] or [B] (float) ->
  /// [B, out, H, W]. Computes in the dtype of the parameters; inputs are cast to it.
  /// TORCH_CHECKs shapes.
  torch::Tensor forward(const torch::Tensor& sample, const torch::Tensor& timestep,
                        const UNetConditioning& cond);

  const UNetConfig& config() const { return config_; }

  Conv2d conv_in{nullptr};
  TimestepEmbedding time_embedding{nullptr};
  TimestepEmbedding add_embedding{nullptr};
  torch::nn::ModuleList down_blocks;
  UNetMidBlock mid_block{nullptr};
  torch::nn::ModuleList up_blocks;
  GroupNorm conv_norm_out{nullptr};
  Conv2d conv_out{nullptr};

 private:
  UNetConfig config_;
};
TORCH_MODULE(UNet);

}  // namespace dgxpx::sdxl
