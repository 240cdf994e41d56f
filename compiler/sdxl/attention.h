#pragma once
// Multi-head scaled dot-product attention on projected queries, keys and values, shared by
// the CLIP text encoders, the UNet's transformer blocks and the VAE's mid-block attention.
// With libtorch >= 2.0 it runs at::scaled_dot_product_attention (fused kernels on CUDA); on
// 1.13 it runs plain matmul + softmax. Never baddbmm(beta=0): on 1.13 CPU that reads the
// uninitialised output buffer (MANIFEST "Conventions / quirks").
#include <cstdint>

#include <torch/torch.h>

namespace dgxpx::sdxl {

enum class AttentionMask { none, causal };

/// softmax(q k^T / sqrt(D)) v per head.
/// q [B, Lq, H*D], k and v [B, Lk, H*D] -> [B, Lq, H*D]. `causal` hides keys after the query
/// position (Lq == Lk). Half-precision inputs get a float32 softmax.
torch::Tensor multi_head_attention(const torch::Tensor& q, const torch::Tensor& k,
                                   const torch::Tensor& v, int64_t heads,
                                   AttentionMask mask = AttentionMask::none);

/// The unfused path: matmul, softmax, matmul, with the [B*H, Lq, Lk] scores computed in blocks
/// of at most `max_score_bytes` (query rows, then batch*head slices). multi_head_attention
/// runs this when libtorch has no fused kernel; tests compare the two.
torch::Tensor plain_multi_head_attention(const torch::Tensor& q, const torch::Tensor& k,
                                         const torch::Tensor& v, int64_t heads,
                                         AttentionMask mask = AttentionMask::none,
                                         int64_t max_score_bytes = int64_t{512} << 20);

/// Whether multi_head_attention uses the fused libtorch kernel in this build.
bool fused_attention_available();

}  // namespace dgxpx::sdxl
