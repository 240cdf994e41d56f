#pragma once
// The leaf layers every SDXL network is built from. They differ from torch::nn's in one way
// that matters: parameters are created with torch::empty (no random init) on the dtype and
// device the caller passes down, so SDXL base can be built on the meta device for parameter
// bookkeeping, and on a real device without paying for an initialisation the loader overwrites.
// Parameter names equal PyTorch's ("weight", "bias") so checkpoint keys line up.
#include <cstdint>
#include <vector>

#include <torch/torch.h>

namespace dgxpx::sdxl {

/// Creates an uninitialised parameter tensor; contents are undefined until weights are loaded.
torch::Tensor empty_parameter(torch::IntArrayRef shape, const torch::TensorOptions& options);

/// y = x W^T + b.  https://pytorch.org/docs/stable/generated/torch.nn.Linear.html
/// weight [out, in], bias [out].
class LinearImpl : public torch::nn::Module {
 public:
  LinearImpl(int64_t in_features, int64_t out_features, bool bias,
             const torch::TensorOptions& options);
  /// [..., in] -> [..., out]
  torch::Tensor forward(const torch::Tensor& x);

  torch::Tensor weight;
  torch::Tensor bias;  // undefined when built without bias
};
TORCH_MODULE(Linear);

/// How a padded convolution pads its input. The circular modes are for seamless tiling: an axis
/// that wraps pads each edge with the opposite edge's pixels, so the output continues across it.
enum class PaddingMode {
  zeros,       ///< zeros on both axes (torch.nn.Conv2d's default)
  circular,    ///< wraps both axes (torch.nn.Conv2d(padding_mode="circular"))
  circular_x,  ///< wraps the width (left and right edges meet), zeros above and below
  circular_y,  ///< wraps the height (top and bottom edges meet), zeros left and right
};

/// 2-D convolution. https://pytorch.org/docs/stable/generated/torch.nn.Conv2d.html
/// weight [out, in, k, k], bias [out].
class Conv2dImpl : public torch::nn::Module {
 public:
  Conv2dImpl(int64_t in_channels, int64_t out_channels, int64_t kernel_size, int64_t stride,
             int64_t padding, const torch::TensorOptions& options);
  /// [B, in, H, W] -> [B, out, H', W']
  torch::Tensor forward(const torch::Tensor& x);

  torch::Tensor weight;
  torch::Tensor bias;
  int64_t stride;
  int64_t padding;
  /// Switched per module at run time (seamless tiling); affects only padded convolutions.
  PaddingMode padding_mode = PaddingMode::zeros;
};
TORCH_MODULE(Conv2d);

/// https://pytorch.org/docs/stable/generated/torch.nn.GroupNorm.html  weight/bias [C].
class GroupNormImpl : public torch::nn::Module {
 public:
  GroupNormImpl(int64_t num_groups, int64_t num_channels, double eps,
                const torch::TensorOptions& options);
  /// [B, C, ...] -> same shape
  torch::Tensor forward(const torch::Tensor& x);

  torch::Tensor weight;
  torch::Tensor bias;
  int64_t num_groups;
  double eps;
};
TORCH_MODULE(GroupNorm);

/// Normalisation over the last dimension.
/// https://pytorch.org/docs/stable/generated/torch.nn.LayerNorm.html  weight/bias [dim].
class LayerNormImpl : public torch::nn::Module {
 public:
  LayerNormImpl(int64_t dim, double eps, const torch::TensorOptions& options);
  /// [..., dim] -> same shape
  torch::Tensor forward(const torch::Tensor& x);

  torch::Tensor weight;
  torch::Tensor bias;
  double eps;
};
TORCH_MODULE(LayerNorm);

/// Lookup table. https://pytorch.org/docs/stable/generated/torch.nn.Embedding.html
/// weight [num_embeddings, dim].
class EmbeddingImpl : public torch::nn::Module {
 public:
  EmbeddingImpl(int64_t num_embeddings, int64_t dim, const torch::TensorOptions& options);
  /// int64 ids [...] -> [..., dim]; TORCH_CHECKs that every id is in range.
  torch::Tensor forward(const torch::Tensor& ids);

  torch::Tensor weight;
};
TORCH_MODULE(Embedding);

/// Sum of numel over all parameters (works on the meta device).
int64_t count_parameters(const torch::nn::Module& module);

/// Sets the padding mode of every Conv2d below `module` (and of `module` itself); the mode only
/// changes the result of convolutions whose padding is non-zero.
void set_conv_padding_mode(torch::nn::Module& module, PaddingMode mode);

}  // namespace dgxpx::sdxl
