#include "compiler/sdxl/vae.h"

#include "compiler/sdxl/attention.h"

namespace dgxpx::sdxl {

namespace {
constexpr double kVaeEps = 1e-6;  // every VAE norm (diffusers builds them with eps=1e-6)
}

VaeAttentionImpl::VaeAttentionImpl(int64_t channels, int64_t groups,
                                   const torch::TensorOptions& options) {
  group_norm = register_module("group_norm", GroupNorm(groups, channels, kVaeEps, options));
  to_q = register_module("to_q", Linear(channels, channels, true, options));
  to_k = register_module("to_k", Linear(channels, channels, true, options));
  to_v = register_module("to_v", Linear(channels, channels, true, options));
  to_out = register_module("to_out", torch::nn::ModuleList());
  to_out->push_back(Linear(channels, channels, true, options));
}

torch::Tensor VaeAttentionImpl::forward(const torch::Tensor& x) {
  const int64_t b = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
  // [B, C, H, W] -> [B, H*W, C]
  auto tokens = group_norm(x).reshape({b, c, h * w}).transpose(1, 2);
  auto attended = multi_head_attention(to_q(tokens), to_k(tokens), to_v(tokens), /*heads=*/1);
  attended = to_out->ptr<LinearImpl>(0)->forward(attended);
  // [B, H*W, C] -> [B, C, H, W]
  return attended.transpose(1, 2).reshape({b, c, h, w}) + x;
}

VaeMidBlockImpl::VaeMidBlockImpl(int64_t channels, int64_t groups,
                                 const torch::TensorOptions& options) {
  attentions = register_module("attentions", torch::nn::ModuleList());
  resnets = register_module("resnets", torch::nn::ModuleList());
  resnets->push_back(ResnetBlock2D(channels, channels, 0, groups, kVaeEps, options));
  attentions->push_back(VaeAttention(channels, groups, options));
  resnets->push_back(ResnetBlock2D(channels, channels, 0, groups, kVaeEps, options));
}

torch::Tensor VaeMidBlockImpl::forward(const torch::Tensor& x) {
  auto h = resnets->ptr<ResnetBlock2DImpl>(0)->forward(x);
  h = attentions->ptr<VaeAttentionImpl>(0)->forward(h);
  return resnets->ptr<ResnetBlock2DImpl>(1)->forward(h);
}

VaeDownBlockImpl::VaeDownBlockImpl(int64_t in_channels, int64_t out_channels, int64_t num_layers,
                                   int64_t groups, bool add_downsample,
                                   const torch::TensorOptions& options) {
  resnets = register_module("resnets", torch::nn::ModuleList());
  downsamplers = register_module("downsamplers", torch::nn::ModuleList());
  for (int64_t i = 0; i < num_layers; ++i)
    resnets->push_back(ResnetBlock2D(i == 0 ? in_channels : out_channels, out_channels, 0, groups,
                                     kVaeEps, options));
  if (add_downsample)
    downsamplers->push_back(
        Downsample2D(out_channels, Downsample2DImpl::Padding::right_bottom, options));
}

torch::Tensor VaeDownBlockImpl::forward(torch::Tensor x) {
  for (const auto& resnet : *resnets) x = resnet->as<ResnetBlock2DImpl>()->forward(x);
  if (!downsamplers->is_empty()) x = downsamplers->ptr<Downsample2DImpl>(0)->forward(x);
  return x;
}

VaeUpBlockImpl::VaeUpBlockImpl(int64_t in_channels, int64_t out_channels, int64_t num_layers,
                               int64_t groups, bool add_upsample,
                               const torch::TensorOptions& options) {
  resnets = register_module("resnets", torch::nn::ModuleList());
  upsamplers = register_module("upsamplers", torch::nn::ModuleList());
  for (int64_t i = 0; i < num_layers; ++i)
    resnets->push_back(ResnetBlock2D(i == 0 ? in_channels : out_channels, out_channels, 0, groups,
                                     kVaeEps, options));
  if (add_upsample) upsamplers->push_back(Upsample2D(out_channels, options));
}

torch::Tensor VaeUpBlockImpl::forward(torch::Tensor x) {
  for (const auto& resnet : *resnets) x = resnet->as<ResnetBlock2DImpl>()->forward(x);
  if (!upsamplers->is_empty()) x = upsamplers->ptr<Upsample2DImpl>(0)->forward(x);
  return x;
}

VaeEncoderImpl::VaeEncoderImpl(const VaeConfig& config, const torch::TensorOptions& options) {
  const auto& channels = config.block_out_channels;
  const int64_t groups = config.norm_num_groups;
  conv_in = register_module("conv_in", Conv2d(config.in_channels, channels[0], 3, 1, 1, options));
  down_blocks = register_module("down_blocks", torch::nn::ModuleList());
  int64_t out_ch = channels[0];
  for (size_t i = 0; i < channels.size(); ++i) {
    const int64_t in_ch = out_ch;
    out_ch = channels[i];
    down_blocks->push_back(VaeDownBlock(in_ch, out_ch, config.layers_per_block, groups,
                                        /*add_downsample=*/i + 1 < channels.size(), options));
  }
  mid_block = register_module("mid_block", VaeMidBlock(channels.back(), groups, options));
  conv_norm_out =
      register_module("conv_norm_out", GroupNorm(groups, channels.back(), kVaeEps, options));
  // double_z: mean and log-variance
  conv_out = register_module("conv_out",
                             Conv2d(channels.back(), 2 * config.latent_channels, 3, 1, 1, options));
}

torch::Tensor VaeEncoderImpl::forward(const torch::Tensor& x) {
  auto h = conv_in(x);
  for (const auto& block : *down_blocks) h = block->as<VaeDownBlockImpl>()->forward(h);
  h = mid_block(h);
  return conv_out(torch::silu(conv_norm_out(h)));
}

VaeDecoderImpl::VaeDecoderImpl(const VaeConfig& config, const torch::TensorOptions& options) {
  const auto& channels = config.block_out_channels;
  const int64_t groups = config.norm_num_groups;
  conv_in =
      register_module("conv_in", Conv2d(config.latent_channels, channels.back(), 3, 1, 1, options));
  mid_block = register_module("mid_block", VaeMidBlock(channels.back(), groups, options));
  up_blocks = register_module("up_blocks", torch::nn::ModuleList());
  int64_t out_ch = channels.back();
  for (size_t i = 0; i < channels.size(); ++i) {
    const int64_t in_ch = out_ch;
    out_ch = channels[channels.size() - 1 - i];
    up_blocks->push_back(VaeUpBlock(in_ch, out_ch, config.layers_per_block + 1, groups,
                                    /*add_upsample=*/i + 1 < channels.size(), options));
  }
  conv_norm_out =
      register_module("conv_norm_out", GroupNorm(groups, channels[0], kVaeEps, options));
  conv_out =
      register_module("conv_out", Conv2d(channels[0], config.out_channels, 3, 1, 1, options));
}

torch::Tensor VaeDecoderImpl::forward(const torch::Tensor& z) {
  auto h = mid_block(conv_in(z));
  for (const auto& block : *up_blocks) h = block->as<VaeUpBlockImpl>()->forward(h);
  return conv_out(torch::silu(conv_norm_out(h)));
}

VaeImpl::VaeImpl(const VaeConfig& config, const torch::TensorOptions& options) : config_(config) {
  TORCH_CHECK(!config.block_out_channels.empty(), "VAE: block_out_channels is empty");
  encoder = register_module("encoder", VaeEncoder(config, options));
  decoder = register_module("decoder", VaeDecoder(config, options));
  const int64_t moments = 2 * config.latent_channels;
  quant_conv = register_module("quant_conv", Conv2d(moments, moments, 1, 1, 0, options));
  post_quant_conv = register_module(
      "post_quant_conv", Conv2d(config.latent_channels, config.latent_channels, 1, 1, 0, options));
}

LatentDistribution VaeImpl::encode(const torch::Tensor& image) {
  TORCH_CHECK(image.dim() == 4 && image.size(1) == config_.in_channels, "VAE: image must be [B, ",
              config_.in_channels, ", H, W], got ", image.sizes());
  auto moments = quant_conv(encoder(image.to(quant_conv->weight.scalar_type())));
  // [B, 2L, h, w] -> mean, logvar [B, L, h, w]
  auto halves = moments.chunk(2, 1);
  return LatentDistribution{halves[0], torch::clamp(halves[1], -30.0, 20.0)};
}

torch::Tensor VaeImpl::decode(const torch::Tensor& latents) {
  TORCH_CHECK(latents.dim() == 4 && latents.size(1) == config_.latent_channels,
              "VAE: latents must be [B, ", config_.latent_channels, ", h, w], got ",
              latents.sizes());
  return decoder(post_quant_conv(latents.to(post_quant_conv->weight.scalar_type())));
}

}  // namespace dgxpx::sdxl
