#include "compiler/sdxl/attention.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include <torch/version.h>

// at::scaled_dot_product_attention is public from libtorch 2.0 on.
#if TORCH_VERSION_MAJOR >= 2
#define DGXPX_HAVE_SDPA 1
#else
#define DGXPX_HAVE_SDPA 0
#endif

namespace dgxpx::sdxl {

namespace {

void check_qkv(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
               int64_t heads) {
  TORCH_CHECK(q.dim() == 3 && k.dim() == 3 && v.dim() == 3, "attention: expected [B, L, H*D]");
  TORCH_CHECK(heads > 0 && q.size(2) % heads == 0 && k.size(2) == q.size(2) &&
                  v.size(2) == q.size(2) && k.size(1) == v.size(1) && k.size(0) == q.size(0) &&
                  v.size(0) == q.size(0),
              "attention: q ", q.sizes(), ", k ", k.sizes(), ", v ", v.sizes(),
              " do not split into ", heads, " heads");
}

// [B, L, H*D] -> [B, H, L, D]
torch::Tensor split_heads(const torch::Tensor& t, int64_t heads) {
  return t.reshape({t.size(0), t.size(1), heads, t.size(2) / heads}).transpose(1, 2);
}

// [B, H, L, D] -> [B, L, H*D]
torch::Tensor merge_heads(const torch::Tensor& t) {
  return t.transpose(1, 2).reshape({t.size(0), t.size(2), t.size(1) * t.size(3)});
}

}  // namespace

bool fused_attention_available() { return DGXPX_HAVE_SDPA != 0; }

torch::Tensor plain_multi_head_attention(const torch::Tensor& q_in, const torch::Tensor& k_in,
                                         const torch::Tensor& v_in, int64_t heads,
                                         AttentionMask mask, int64_t max_score_bytes) {
  check_qkv(q_in, k_in, v_in, heads);
  const int64_t b = q_in.size(0), lq = q_in.size(1), lk = k_in.size(1);
  const int64_t d = q_in.size(2) / heads, n = b * heads;
  // [B, L, H*D] -> [B*H, L, D]
  auto q = split_heads(q_in, heads).reshape({n, lq, d});
  auto k = split_heads(k_in, heads).reshape({n, lk, d});
  auto v = split_heads(v_in, heads).reshape({n, lk, d});
  const double scale = 1.0 / std::sqrt(static_cast<double>(d));
  torch::Tensor causal;
  if (mask == AttentionMask::causal) {
    TORCH_CHECK(lq == lk, "attention: a causal mask needs as many queries as keys");
    causal = torch::ones({lq, lk}, q.options().dtype(torch::kBool)).triu(1);
  }
  // Bound one block of scores: first by query rows, then by slices of the B*H batch.
  const int64_t row_bytes = std::max<int64_t>(1, lk * static_cast<int64_t>(sizeof(float)));
  const int64_t rows =
      std::clamp<int64_t>(max_score_bytes / row_bytes, 1, std::max<int64_t>(lq, 1));
  const int64_t slices =
      std::clamp<int64_t>(max_score_bytes / (row_bytes * rows), 1, std::max<int64_t>(n, 1));
  std::vector<torch::Tensor> slice_outs;
  for (int64_t s0 = 0; s0 < n; s0 += slices) {
    const int64_t s1 = std::min(n, s0 + slices);
    auto qs = q.slice(0, s0, s1), kt = k.slice(0, s0, s1).transpose(1, 2), vs = v.slice(0, s0, s1);
    std::vector<torch::Tensor> row_outs;
    for (int64_t r0 = 0; r0 < lq; r0 += rows) {
      const int64_t r1 = std::min(lq, r0 + rows);
      // [n', rows, D] x [n', D, Lk] -> [n', rows, Lk]
      auto scores = torch::matmul(qs.slice(1, r0, r1), kt) * scale;
      if (causal.defined())
        scores =
            scores.masked_fill(causal.slice(0, r0, r1), -std::numeric_limits<float>::infinity());
      auto probs = scores.scalar_type() == torch::kFloat || scores.scalar_type() == torch::kDouble
                       ? torch::softmax(scores, -1)
                       : torch::softmax(scores, -1, torch::kFloat).to(scores.scalar_type());
      row_outs.push_back(torch::matmul(probs, vs));  // [n', rows, D]
    }
    slice_outs.push_back(row_outs.size() == 1 ? row_outs[0] : torch::cat(row_outs, 1));
  }
  auto out = slice_outs.size() == 1 ? slice_outs[0] : torch::cat(slice_outs, 0);
  return merge_heads(out.reshape({b, heads, lq, d}));
}

torch::Tensor multi_head_attention(const torch::Tensor& q, const torch::Tensor& k,
                                   const torch::Tensor& v, int64_t heads, AttentionMask mask) {
#if DGXPX_HAVE_SDPA
  check_qkv(q, k, v, heads);
  auto out = at::scaled_dot_product_attention(split_heads(q, heads), split_heads(k, heads),
                                              split_heads(v, heads), {}, 0.0,
                                              /*is_causal=*/mask == AttentionMask::causal);
  return merge_heads(out);
#else
  return plain_multi_head_attention(q, k, v, heads, mask);
#endif
}

}  // namespace dgxpx::sdxl
