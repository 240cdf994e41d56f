#include "compiler/sdxl/layers.h"

namespace dgxpx::sdxl {

namespace F = torch::nn::functional;

torch::Tensor empty_parameter(torch::IntArrayRef shape, const torch::TensorOptions& options) {
  // Inference only: no autograd bookkeeping on weights.
  return torch::empty(shape, options.requires_grad(false));
}

LinearImpl::LinearImpl(int64_t in_features, int64_t out_features, bool with_bias,
                       const torch::TensorOptions& options) {
  weight = register_parameter("weight", empty_parameter({out_features, in_features}, options),
                              /*requires_grad=*/false);
  if (with_bias) bias = register_parameter("bias", empty_parameter({out_features}, options), false);
}

torch::Tensor LinearImpl::forward(const torch::Tensor& x) { return torch::linear(x, weight, bias); }

Conv2dImpl::Conv2dImpl(int64_t in_channels, int64_t out_channels, int64_t kernel_size,
                       int64_t stride_, int64_t padding_, const torch::TensorOptions& options)
    : stride(stride_), padding(padding_) {
  weight = register_parameter(
      "weight", empty_parameter({out_channels, in_channels, kernel_size, kernel_size}, options),
      false);
  bias = register_parameter("bias", empty_parameter({out_channels}, options), false);
}

torch::Tensor Conv2dImpl::forward(const torch::Tensor& x) {
  if (padding == 0 || padding_mode == PaddingMode::zeros)
    return torch::conv2d(x, weight, bias, torch::IntArrayRef{stride, stride},
                         torch::IntArrayRef{padding, padding});
  // Wrap the tiled axes by hand and leave the others to the convolution's own zero padding.
  // Both axes is exactly torch.nn.Conv2d(padding_mode="circular"): one pad, then no padding.
  const int64_t wrap_w = padding_mode == PaddingMode::circular_y ? 0 : padding;
  const int64_t wrap_h = padding_mode == PaddingMode::circular_x ? 0 : padding;
  // F::pad lists the last axis first: (left, right, top, bottom).
  const torch::Tensor wrapped =
      F::pad(x, F::PadFuncOptions({wrap_w, wrap_w, wrap_h, wrap_h}).mode(torch::kCircular));
  return torch::conv2d(wrapped, weight, bias, torch::IntArrayRef{stride, stride},
                       torch::IntArrayRef{padding - wrap_h, padding - wrap_w});
}

GroupNormImpl::GroupNormImpl(int64_t num_groups_, int64_t num_channels, double eps_,
                             const torch::TensorOptions& options)
    : num_groups(num_groups_), eps(eps_) {
  TORCH_CHECK(num_channels % num_groups == 0, "GroupNorm: ", num_channels,
              " channels are not divisible into ", num_groups, " groups");
  weight = register_parameter("weight", empty_parameter({num_channels}, options), false);
  bias = register_parameter("bias", empty_parameter({num_channels}, options), false);
}

torch::Tensor GroupNormImpl::forward(const torch::Tensor& x) {
  return torch::group_norm(x, num_groups, weight, bias, eps);
}

LayerNormImpl::LayerNormImpl(int64_t dim, double eps_, const torch::TensorOptions& options)
    : eps(eps_) {
  weight = register_parameter("weight", empty_parameter({dim}, options), false);
  bias = register_parameter("bias", empty_parameter({dim}, options), false);
}

torch::Tensor LayerNormImpl::forward(const torch::Tensor& x) {
  return torch::layer_norm(x, {weight.size(0)}, weight, bias, eps);
}

EmbeddingImpl::EmbeddingImpl(int64_t num_embeddings, int64_t dim,
                             const torch::TensorOptions& options) {
  weight = register_parameter("weight", empty_parameter({num_embeddings, dim}, options), false);
}

torch::Tensor EmbeddingImpl::forward(const torch::Tensor& ids) {
  TORCH_CHECK(ids.scalar_type() == torch::kLong, "Embedding: ids must be int64");
  if (ids.numel() > 0) {
    const int64_t lo = ids.min().item<int64_t>(), hi = ids.max().item<int64_t>();
    TORCH_CHECK(lo >= 0 && hi < weight.size(0), "Embedding: id out of range [0, ", weight.size(0),
                "): got ", lo < 0 ? lo : hi);
  }
  return torch::embedding(weight, ids);
}

int64_t count_parameters(const torch::nn::Module& module) {
  int64_t total = 0;
  for (const auto& p : module.parameters()) total += p.numel();
  return total;
}

void set_conv_padding_mode(torch::nn::Module& module, PaddingMode mode) {
  for (auto& child : module.modules(/*include_self=*/true))
    if (auto* conv = child->as<Conv2dImpl>()) conv->padding_mode = mode;
}

}  // namespace dgxpx::sdxl
