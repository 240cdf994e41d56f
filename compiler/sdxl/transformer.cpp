#include "compiler/sdxl/transformer.h"

#include "compiler/sdxl/attention.h"

namespace dgxpx::sdxl {

CrossAttentionImpl::CrossAttentionImpl(int64_t query_dim, int64_t context_dim, int64_t heads_,
                                       int64_t head_dim, const torch::TensorOptions& options)
    : heads(heads_) {
  const int64_t inner = heads * head_dim;
  const int64_t kv_dim = context_dim > 0 ? context_dim : query_dim;
  to_q = register_module("to_q", Linear(query_dim, inner, false, options));
  to_k = register_module("to_k", Linear(kv_dim, inner, false, options));
  to_v = register_module("to_v", Linear(kv_dim, inner, false, options));
  to_out = register_module("to_out", torch::nn::ModuleList());
  to_out->push_back(Linear(inner, query_dim, true, options));
}

torch::Tensor CrossAttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& context) {
  const auto& kv = context.defined() ? context : x;
  auto attended = multi_head_attention(to_q(x), to_k(kv), to_v(kv), heads);
  return to_out->ptr<LinearImpl>(0)->forward(attended);
}

GegluImpl::GegluImpl(int64_t dim_in, int64_t dim_out, const torch::TensorOptions& options) {
  proj = register_module("proj", Linear(dim_in, 2 * dim_out, true, options));
}

torch::Tensor GegluImpl::forward(const torch::Tensor& x) {
  auto halves = proj(x).chunk(2, -1);
  return halves[0] * torch::gelu(halves[1]);
}

FeedForwardImpl::FeedForwardImpl(int64_t dim, const torch::TensorOptions& options) {
  const int64_t inner = 4 * dim;
  net = register_module("net", torch::nn::ModuleList());
  net->push_back(Geglu(dim, inner, options));
  net->push_back(torch::nn::Identity());  // dropout
  net->push_back(Linear(inner, dim, true, options));
}

torch::Tensor FeedForwardImpl::forward(const torch::Tensor& x) {
  return net->ptr<LinearImpl>(2)->forward(net->ptr<GegluImpl>(0)->forward(x));
}

BasicTransformerBlockImpl::BasicTransformerBlockImpl(int64_t dim, int64_t heads, int64_t head_dim,
                                                     int64_t context_dim,
                                                     const torch::TensorOptions& options) {
  constexpr double kEps = 1e-5;  // diffusers' norm_eps default for these blocks
  norm1 = register_module("norm1", LayerNorm(dim, kEps, options));
  attn1 = register_module("attn1", CrossAttention(dim, 0, heads, head_dim, options));
  norm2 = register_module("norm2", LayerNorm(dim, kEps, options));
  attn2 = register_module("attn2", CrossAttention(dim, context_dim, heads, head_dim, options));
  norm3 = register_module("norm3", LayerNorm(dim, kEps, options));
  ff = register_module("ff", FeedForward(dim, options));
}

torch::Tensor BasicTransformerBlockImpl::forward(const torch::Tensor& x,
                                                 const torch::Tensor& context) {
  auto h = x + attn1(norm1(x));
  h = h + attn2(norm2(h), context);
  return h + ff(norm3(h));
}

Transformer2DImpl::Transformer2DImpl(int64_t channels, int64_t heads, int64_t depth,
                                     int64_t context_dim, int64_t groups,
                                     const torch::TensorOptions& options) {
  TORCH_CHECK(heads > 0 && channels % heads == 0, "Transformer2D: ", channels,
              " channels do not split into ", heads, " heads");
  const int64_t head_dim = channels / heads;
  norm = register_module("norm", GroupNorm(groups, channels, 1e-6, options));
  proj_in = register_module("proj_in", Linear(channels, channels, true, options));
  transformer_blocks = register_module("transformer_blocks", torch::nn::ModuleList());
  for (int64_t i = 0; i < depth; ++i)
    transformer_blocks->push_back(
        BasicTransformerBlock(channels, heads, head_dim, context_dim, options));
  proj_out = register_module("proj_out", Linear(channels, channels, true, options));
}

torch::Tensor Transformer2DImpl::forward(const torch::Tensor& x, const torch::Tensor& context) {
  const int64_t b = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
  // [B, C, H, W] -> [B, H*W, C]
  auto tokens = norm(x).permute({0, 2, 3, 1}).reshape({b, h * w, c});
  tokens = proj_in(tokens);
  for (const auto& block : *transformer_blocks)
    tokens = block->as<BasicTransformerBlockImpl>()->forward(tokens, context);
  tokens = proj_out(tokens);
  // [B, H*W, C] -> [B, C, H, W]
  return tokens.reshape({b, h, w, c}).permute({0, 3, 1, 2}).contiguous() + x;
}

}  // namespace dgxpx::sdxl
