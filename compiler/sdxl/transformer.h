#pragma once
// The UNet's spatial transformer: self-attention, cross-attention on the text embeddings and a
// GEGLU feed-forward per token, with linear projections in and out (SDXL's
// use_linear_projection). Reference: diffusers/models/attention.py (BasicTransformerBlock,
// FeedForward, GEGLU), attention_processor.py (Attention), transformer_2d.py
// (Transformer2DModel) at v0.24.0, https://github.com/huggingface/diffusers
#include <cstdint>

#include <torch/torch.h>

#include "compiler/sdxl/layers.h"

namespace dgxpx::sdxl {

/// Multi-head attention with to_q/to_k/to_v (no bias in the UNet) and to_out.0 (diffusers
/// Attention with the default processor).
class CrossAttentionImpl : public torch::nn::Module {
 public:
  /// `context_dim` 0: self-attention (keys and values from the query input).
  CrossAttentionImpl(int64_t query_dim, int64_t context_dim, int64_t heads, int64_t head_dim,
                     const torch::TensorOptions& options);
  /// x [B, L, query_dim], context [B, Lc, context_dim] (undefined: x) -> [B, L, query_dim]
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& context = {});

  Linear to_q{nullptr}, to_k{nullptr}, to_v{nullptr};
  torch::nn::ModuleList to_out;  // 0: Linear; 1 (dropout) has no parameters and is omitted
  int64_t heads;
};
TORCH_MODULE(CrossAttention);

/// proj -> (hidden, gate) halves -> hidden * gelu(gate) (GEGLU).
class GegluImpl : public torch::nn::Module {
 public:
  GegluImpl(int64_t dim_in, int64_t dim_out, const torch::TensorOptions& options);
  /// [..., dim_in] -> [..., dim_out]
  torch::Tensor forward(const torch::Tensor& x);

  Linear proj{nullptr};  // [2*dim_out, dim_in]
};
TORCH_MODULE(Geglu);

/// net.0 = GEGLU(dim, 4*dim), net.1 = dropout (no-op), net.2 = Linear(4*dim, dim).
class FeedForwardImpl : public torch::nn::Module {
 public:
  FeedForwardImpl(int64_t dim, const torch::TensorOptions& options);
  /// [..., dim] -> [..., dim]
  torch::Tensor forward(const torch::Tensor& x);

  torch::nn::ModuleList net;
};
TORCH_MODULE(FeedForward);

/// Pre-LayerNorm self-attention, cross-attention and feed-forward, each residual.
class BasicTransformerBlockImpl : public torch::nn::Module {
 public:
  BasicTransformerBlockImpl(int64_t dim, int64_t heads, int64_t head_dim, int64_t context_dim,
                            const torch::TensorOptions& options);
  /// x [B, L, dim], context [B, Lc, context_dim] -> [B, L, dim]
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& context);

  LayerNorm norm1{nullptr};
  CrossAttention attn1{nullptr};
  LayerNorm norm2{nullptr};
  CrossAttention attn2{nullptr};
  LayerNorm norm3{nullptr};
  FeedForward ff{nullptr};
};
TORCH_MODULE(BasicTransformerBlock);

/// GroupNorm, proj_in, `depth` transformer blocks over the H*W tokens, proj_out, residual
/// (Transformer2DModel, continuous input, use_linear_projection=True).
class Transformer2DImpl : public torch::nn::Module {
 public:
  Transformer2DImpl(int64_t channels, int64_t heads, int64_t depth, int64_t context_dim,
                    int64_t groups, const torch::TensorOptions& options);
  /// x [B, C, H, W], context [B, Lc, context_dim] -> [B, C, H, W]
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& context);

  GroupNorm norm{nullptr};
  Linear proj_in{nullptr};
  torch::nn::ModuleList transformer_blocks;
  Linear proj_out{nullptr};
};
TORCH_MODULE(Transformer2D);

}  // namespace dgxpx::sdxl
