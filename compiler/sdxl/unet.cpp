#include "compiler/sdxl/unet.h"

#include <algorithm>
#include <cmath>

namespace dgxpx::sdxl {

torch::Tensor timestep_embedding(const torch::Tensor& t, int64_t dim, bool flip_sin_to_cos,
                                 double freq_shift) {
  TORCH_CHECK(t.dim() == 1, "timestep_embedding: expected [N], got ", t.sizes());
  const int64_t half = dim / 2;
  // Same float32 op order as diffusers' get_timestep_embedding (max_period 10000, scale 1).
  auto exponent = torch::arange(0, half, t.options().dtype(torch::kFloat)) * (-std::log(10000.0));
  exponent = exponent / (static_cast<double>(half) - freq_shift);
  auto args = t.to(torch::kFloat).unsqueeze(1) * torch::exp(exponent).unsqueeze(0);  // [N, half]
  auto emb = flip_sin_to_cos ? torch::cat({torch::cos(args), torch::sin(args)}, -1)
                             : torch::cat({torch::sin(args), torch::cos(args)}, -1);
  if (dim % 2 == 1) emb = torch::constant_pad_nd(emb, {0, 1});
  return emb;
}

TimestepEmbeddingImpl::TimestepEmbeddingImpl(int64_t in_channels, int64_t dim,
                                             const torch::TensorOptions& options) {
  linear_1 = register_module("linear_1", Linear(in_channels, dim, true, options));
  // the SiLU between them has no parameters
  linear_2 = register_module("linear_2", Linear(dim, dim, true, options));
}

torch::Tensor TimestepEmbeddingImpl::forward(const torch::Tensor& x) {
  return linear_2(torch::silu(linear_1(x)));
}

namespace {

bool has_cross_attention(const std::string& block_type) {
  return block_type.rfind("CrossAttn", 0) == 0;
}

}  // namespace

UNetImpl::UNetImpl(const UNetConfig& config, const torch::TensorOptions& options)
    : config_(config) {
  const auto& channels = config.block_out_channels;
  const size_t levels = channels.size();
  TORCH_CHECK(levels > 0 && config.down_block_types.size() == levels &&
                  config.up_block_types.size() == levels &&
                  config.transformer_layers_per_block.size() == levels &&
                  config.attention_heads.size() == levels,
              "UNet: per-level config lists must all have ", levels, " entries");
  const int64_t temb_dim = 4 * channels[0];

  conv_in = register_module("conv_in", Conv2d(config.in_channels, channels[0], 3, 1, 1, options));
  // time_proj and add_time_proj are parameter-free (timestep_embedding).
  time_embedding =
      register_module("time_embedding", TimestepEmbedding(channels[0], temb_dim, options));
  add_embedding = register_module(
      "add_embedding",
      TimestepEmbedding(config.projection_class_embeddings_input_dim, temb_dim, options));

  auto level_options = [&](size_t level, int64_t depth) {
    UNetLevelOptions o;
    o.temb_channels = temb_dim;
    o.transformer_depth = depth;
    o.heads = config.attention_heads[level];
    o.context_dim = config.cross_attention_dim;
    o.groups = config.norm_num_groups;
    o.eps = config.norm_eps;
    return o;
  };

  down_blocks = register_module("down_blocks", torch::nn::ModuleList());
  int64_t out_ch = channels[0];
  for (size_t i = 0; i < levels; ++i) {
    const int64_t in_ch = out_ch;
    out_ch = channels[i];
    const int64_t depth = has_cross_attention(config.down_block_types[i])
                              ? config.transformer_layers_per_block[i]
                              : 0;
    down_blocks->push_back(UNetDownBlock(in_ch, out_ch, config.layers_per_block,
                                         /*add_downsample=*/i + 1 < levels, level_options(i, depth),
                                         options));
  }

  mid_block = register_module(
      "mid_block",
      UNetMidBlock(channels.back(),
                   level_options(levels - 1, config.transformer_layers_per_block.back()), options));

  // Up levels walk the per-level lists in reverse.
  up_blocks = register_module("up_blocks", torch::nn::ModuleList());
  out_ch = channels.back();
  for (size_t i = 0; i < levels; ++i) {
    const size_t level = levels - 1 - i;
    const int64_t prev_out = out_ch;
    out_ch = channels[level];
    const int64_t in_ch = channels[level == 0 ? 0 : level - 1];
    const int64_t depth = has_cross_attention(config.up_block_types[i])
                              ? config.transformer_layers_per_block[level]
                              : 0;
    up_blocks->push_back(UNetUpBlock(in_ch, prev_out, out_ch, config.layers_per_block + 1,
                                     /*add_upsample=*/i + 1 < levels, level_options(level, depth),
                                     options));
  }

  conv_norm_out = register_module(
      "conv_norm_out", GroupNorm(config.norm_num_groups, channels[0], config.norm_eps, options));
  // conv_act (SiLU, no parameters) runs before conv_out
  conv_out =
      register_module("conv_out", Conv2d(channels[0], config.out_channels, 3, 1, 1, options));
}

torch::Tensor UNetImpl::forward(const torch::Tensor& sample_in, const torch::Tensor& timestep,
                                const UNetConditioning& cond) {
  TORCH_CHECK(sample_in.dim() == 4 && sample_in.size(1) == config_.in_channels,
              "UNet: sample must be [B, ", config_.in_channels, ", H, W], got ", sample_in.sizes());
  const int64_t batch = sample_in.size(0);
  const auto dtype = conv_in->weight.scalar_type();
  const auto& ehs_in = cond.encoder_hidden_states;
  TORCH_CHECK(
      ehs_in.dim() == 3 && ehs_in.size(0) == batch && ehs_in.size(2) == config_.cross_attention_dim,
      "UNet: encoder_hidden_states must be [", batch, ", L, ", config_.cross_attention_dim,
      "], got ", ehs_in.sizes());
  TORCH_CHECK(
      cond.time_ids.dim() == 2 && cond.time_ids.size(0) == batch && cond.text_embeds.dim() == 2 &&
          cond.text_embeds.size(0) == batch &&
          cond.text_embeds.size(1) + cond.time_ids.size(1) * config_.addition_time_embed_dim ==
              config_.projection_class_embeddings_input_dim,
      "UNet: text_embeds ", cond.text_embeds.sizes(), " and time_ids ", cond.time_ids.sizes(),
      " do not make the ", config_.projection_class_embeddings_input_dim,
      " added-conditioning inputs");

  auto sample = sample_in.to(dtype);
  auto context = ehs_in.to(dtype);

  // Time: 0-d or [1] broadcasts over the batch.
  auto t = timestep.dim() == 0 ? timestep.reshape({1}) : timestep;
  TORCH_CHECK(t.dim() == 1 && (t.size(0) == 1 || t.size(0) == batch),
              "UNet: timestep must be 0-d, [1] or [", batch, "], got ", timestep.sizes());
  t = t.to(sample.device()).expand({batch});
  auto t_emb = timestep_embedding(t, config_.block_out_channels[0], config_.flip_sin_to_cos,
                                  config_.freq_shift)
                   .to(dtype);
  auto emb = time_embedding(t_emb);  // [B, 4*C0]

  // text_time: cat(text_embeds, flatten(sinusoidal(each time id)))  [B, Pt + 6*Dt]
  auto time_embeds = timestep_embedding(cond.time_ids.to(sample.device()).flatten(),
                                        config_.addition_time_embed_dim, config_.flip_sin_to_cos,
                                        config_.freq_shift)
                         .reshape({batch, -1});
  auto add_embeds =
      torch::cat({cond.text_embeds.to(sample.device()).to(torch::kFloat), time_embeds}, -1)
          .to(dtype);
  emb = emb + add_embedding(add_embeds);

  // Latents that are not multiples of 2^upsamplers upsample to the skip's size.
  const int64_t factor = int64_t{1} << (config_.block_out_channels.size() - 1);
  const bool forward_upsample_size = sample.size(2) % factor != 0 || sample.size(3) % factor != 0;

  auto h = conv_in(sample);
  std::vector<torch::Tensor> skips{h};
  for (const auto& block : *down_blocks)
    h = block->as<UNetDownBlockImpl>()->forward(h, emb, context, skips);
  h = mid_block(h, emb, context);
  for (size_t i = 0; i < up_blocks->size(); ++i) {
    auto block = up_blocks->ptr<UNetUpBlockImpl>(i);
    const size_t consumed = block->resnets->size();
    std::optional<std::vector<int64_t>> upsample_size;
    if (i + 1 < up_blocks->size() && forward_upsample_size) {
      TORCH_INTERNAL_ASSERT(skips.size() > consumed);
      const auto& next_skip = skips[skips.size() - consumed - 1];
      upsample_size = std::vector<int64_t>{next_skip.size(2), next_skip.size(3)};
    }
    h = block->forward(h, skips, emb, context, upsample_size);
  }
  TORCH_INTERNAL_ASSERT(skips.empty(), "UNet: unused skip connections");
  return conv_out(torch::silu(conv_norm_out(h)));
}

}  // namespace dgxpx::sdxl
