#include "compiler/sdxl/unet_blocks.h"

namespace dgxpx::sdxl {

namespace {

ResnetBlock2D make_resnet(int64_t in, int64_t out, const UNetLevelOptions& level,
                          const torch::TensorOptions& options) {
  return ResnetBlock2D(in, out, level.temb_channels, level.groups, level.eps, options);
}

Transformer2D make_transformer(int64_t channels, const UNetLevelOptions& level,
                               const torch::TensorOptions& options) {
  return Transformer2D(channels, level.heads, level.transformer_depth, level.context_dim,
                       level.groups, options);
}

}  // namespace

UNetDownBlockImpl::UNetDownBlockImpl(int64_t in_channels, int64_t out_channels, int64_t num_layers,
                                     bool add_downsample, const UNetLevelOptions& level,
                                     const torch::TensorOptions& options) {
  resnets = register_module("resnets", torch::nn::ModuleList());
  attentions = register_module("attentions", torch::nn::ModuleList());
  downsamplers = register_module("downsamplers", torch::nn::ModuleList());
  for (int64_t i = 0; i < num_layers; ++i) {
    resnets->push_back(
        make_resnet(i == 0 ? in_channels : out_channels, out_channels, level, options));
    if (level.transformer_depth > 0)
      attentions->push_back(make_transformer(out_channels, level, options));
  }
  if (add_downsample)
    downsamplers->push_back(
        Downsample2D(out_channels, Downsample2DImpl::Padding::symmetric, options));
}

torch::Tensor UNetDownBlockImpl::forward(torch::Tensor x, const torch::Tensor& temb,
                                         const torch::Tensor& context,
                                         std::vector<torch::Tensor>& skips) {
  for (size_t i = 0; i < resnets->size(); ++i) {
    x = resnets->ptr<ResnetBlock2DImpl>(i)->forward(x, temb);
    if (!attentions->is_empty()) x = attentions->ptr<Transformer2DImpl>(i)->forward(x, context);
    skips.push_back(x);
  }
  if (!downsamplers->is_empty()) {
    x = downsamplers->ptr<Downsample2DImpl>(0)->forward(x);
    skips.push_back(x);
  }
  return x;
}

UNetMidBlockImpl::UNetMidBlockImpl(int64_t channels, const UNetLevelOptions& level,
                                   const torch::TensorOptions& options) {
  attentions = register_module("attentions", torch::nn::ModuleList());
  resnets = register_module("resnets", torch::nn::ModuleList());
  resnets->push_back(make_resnet(channels, channels, level, options));
  attentions->push_back(make_transformer(channels, level, options));
  resnets->push_back(make_resnet(channels, channels, level, options));
}

torch::Tensor UNetMidBlockImpl::forward(const torch::Tensor& x, const torch::Tensor& temb,
                                        const torch::Tensor& context) {
  auto h = resnets->ptr<ResnetBlock2DImpl>(0)->forward(x, temb);
  h = attentions->ptr<Transformer2DImpl>(0)->forward(h, context);
  return resnets->ptr<ResnetBlock2DImpl>(1)->forward(h, temb);
}

UNetUpBlockImpl::UNetUpBlockImpl(int64_t in_channels, int64_t prev_out_channels,
                                 int64_t out_channels, int64_t num_layers, bool add_upsample,
                                 const UNetLevelOptions& level,
                                 const torch::TensorOptions& options) {
  resnets = register_module("resnets", torch::nn::ModuleList());
  attentions = register_module("attentions", torch::nn::ModuleList());
  upsamplers = register_module("upsamplers", torch::nn::ModuleList());
  for (int64_t i = 0; i < num_layers; ++i) {
    // The last resnet of a level meets the skip from the level below (its input width).
    const int64_t skip_channels = i == num_layers - 1 ? in_channels : out_channels;
    const int64_t from_below = i == 0 ? prev_out_channels : out_channels;
    resnets->push_back(make_resnet(from_below + skip_channels, out_channels, level, options));
    if (level.transformer_depth > 0)
      attentions->push_back(make_transformer(out_channels, level, options));
  }
  if (add_upsample) upsamplers->push_back(Upsample2D(out_channels, options));
}

torch::Tensor UNetUpBlockImpl::forward(torch::Tensor x, std::vector<torch::Tensor>& skips,
                                       const torch::Tensor& temb, const torch::Tensor& context,
                                       const std::optional<std::vector<int64_t>>& upsample_size) {
  for (size_t i = 0; i < resnets->size(); ++i) {
    TORCH_INTERNAL_ASSERT(!skips.empty(), "UNet up block ran out of skip connections");
    // [B, C, H, W] ++ [B, Cs, H, W] -> [B, C+Cs, H, W]
    x = torch::cat({x, skips.back()}, 1);
    skips.pop_back();
    x = resnets->ptr<ResnetBlock2DImpl>(i)->forward(x, temb);
    if (!attentions->is_empty()) x = attentions->ptr<Transformer2DImpl>(i)->forward(x, context);
  }
  if (!upsamplers->is_empty()) x = upsamplers->ptr<Upsample2DImpl>(0)->forward(x, upsample_size);
  return x;
}

}  // namespace dgxpx::sdxl
