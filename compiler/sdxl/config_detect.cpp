#include "compiler/sdxl/config_detect.h"

#include <algorithm>
#include <set>
#include <sstream>

#include "compiler/sdxl/checkpoint_names.h"
#include "compiler/util/error.h"

namespace dgxpx::sdxl {
namespace {

// SDXL's conventions for what shapes cannot say: every attention head is 64 wide (UNet levels
// 320/640/1280 -> 5/10/20 heads, CLIP-L 768 -> 12, bigG 1280 -> 20) and GroupNorm uses 32
// groups. https://huggingface.co/stabilityai/stable-diffusion-xl-base-1.0 (*/config.json)
constexpr int64_t kConventionalHeadWidth = 64;
constexpr int64_t kConventionalNormGroups = 32;

class ShapeReader {
 public:
  ShapeReader(const TensorShapes& shapes, const std::string& file_name)
      : shapes_(shapes), file_name_(file_name) {}

  bool has(const std::string& name) const { return shapes_.count(name) != 0; }

  /// Dimension `index` of tensor `name`, which must have rank `rank`.
  int64_t dim(const std::string& name, size_t rank, size_t index) const {
    auto it = shapes_.find(name);
    if (it == shapes_.end())
      fail("cannot detect the model configuration: tensor '" + name + "' is missing");
    if (it->second.size() != rank)
      fail("tensor '" + name + "': " +
           util::expected_got(std::to_string(rank) + " dimensions",
                              std::to_string(it->second.size())));
    return it->second[index];
  }

  size_t rank(const std::string& name) const {
    auto it = shapes_.find(name);
    if (it == shapes_.end())
      fail("cannot detect the model configuration: tensor '" + name + "' is missing");
    return it->second.size();
  }

  /// The numbers N of names "<prefix>N.<...>", which must run 0..count-1 without gaps.
  int64_t count_indexed(const std::string& prefix) const {
    std::set<int64_t> seen;
    for (auto it = shapes_.lower_bound(prefix); it != shapes_.end(); ++it) {
      const std::string& name = it->first;
      if (name.compare(0, prefix.size(), prefix) != 0) break;
      size_t end = name.find('.', prefix.size());
      if (end == std::string::npos || end == prefix.size()) continue;
      std::string digits = name.substr(prefix.size(), end - prefix.size());
      if (digits.size() > 6 ||
          !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
        continue;
      seen.insert(std::stoll(digits));
    }
    if (!seen.empty() && *seen.rbegin() + 1 != static_cast<int64_t>(seen.size()))
      fail("tensors '" + prefix + "N...' skip numbers (highest " +
           std::to_string(*seen.rbegin()) + ", " + std::to_string(seen.size()) + " present)");
    return static_cast<int64_t>(seen.size());
  }

  [[noreturn]] void fail(const std::string& message) const {
    throw util::InputError(util::SourceLocation{file_name_, 0, 0}, message);
  }

 private:
  const TensorShapes& shapes_;
  const std::string& file_name_;
};

int64_t conventional_heads(const ShapeReader& reader, int64_t channels, const std::string& what) {
  if (channels % kConventionalHeadWidth != 0)
    reader.fail("cannot infer the attention heads of " + what + " (" + std::to_string(channels) +
                " channels is not a multiple of SDXL's " +
                std::to_string(kConventionalHeadWidth) +
                "-wide heads); give the model's configuration (a diffusers folder's "
                "config.json files)");
  return channels / kConventionalHeadWidth;
}

int64_t conventional_groups(const ShapeReader& reader, const std::vector<int64_t>& channels,
                            const std::string& what) {
  for (int64_t c : channels)
    if (c % kConventionalNormGroups != 0)
      reader.fail("cannot infer the norm groups of " + what + " (" + std::to_string(c) +
                  " channels is not a multiple of " + std::to_string(kConventionalNormGroups) +
                  "); give the model's configuration (a diffusers folder's config.json files)");
  return kConventionalNormGroups;
}

ClipTextConfig detect_text_encoder(const ShapeReader& reader, const ClipTextConfig* known) {
  const std::string p = std::string(single_file_prefix(Component::text_encoder)) + "text_model.";
  ClipTextConfig config = known ? *known : sdxl_base_text_encoder_config();
  config.vocab_size = reader.dim(p + "embeddings.token_embedding.weight", 2, 0);
  config.hidden_size = reader.dim(p + "embeddings.token_embedding.weight", 2, 1);
  config.max_position_embeddings = reader.dim(p + "embeddings.position_embedding.weight", 2, 0);
  config.intermediate_size = reader.dim(p + "encoder.layers.0.mlp.fc1.weight", 2, 0);
  config.num_hidden_layers = reader.count_indexed(p + "encoder.layers.");
  config.projection_dim = 0;  // CLIPTextModel: SDXL uses no projection of CLIP-L
  if (!known) {
    config.num_attention_heads =
        conventional_heads(reader, config.hidden_size, "text encoder 1 (CLIP-L)");
    config.hidden_act = "quick_gelu";
  }
  return config;
}

ClipTextConfig detect_text_encoder_2(const ShapeReader& reader, const ClipTextConfig* known) {
  const std::string p(single_file_prefix(Component::text_encoder_2));
  ClipTextConfig config = known ? *known : sdxl_base_text_encoder_2_config();
  config.vocab_size = reader.dim(p + "token_embedding.weight", 2, 0);
  config.hidden_size = reader.dim(p + "token_embedding.weight", 2, 1);
  config.max_position_embeddings = reader.dim(p + "positional_embedding", 2, 0);
  config.intermediate_size = reader.dim(p + "transformer.resblocks.0.mlp.c_fc.weight", 2, 0);
  config.num_hidden_layers = reader.count_indexed(p + "transformer.resblocks.");
  // Official files store [hidden, proj] for x @ P; diffusers' converter the Linear [proj, hidden].
  if (reader.has(p + "text_projection"))
    config.projection_dim = reader.dim(p + "text_projection", 2, 1);
  else
    config.projection_dim = reader.dim(p + "text_projection.weight", 2, 0);
  if (!known) {
    config.num_attention_heads =
        conventional_heads(reader, config.hidden_size, "text encoder 2 (OpenCLIP bigG)");
    config.hidden_act = "gelu";
  }
  return config;
}

UNetConfig detect_unet(const ShapeReader& reader, const UNetConfig* known,
                       int64_t pooled_text_dim) {
  const std::string p(single_file_prefix(Component::unet));
  UNetConfig config = known ? *known : sdxl_base_unet_config();

  // Downsample blocks sit at input_blocks[(level + 1) * per_level], per_level = layers + 1.
  const int64_t input_blocks = reader.count_indexed(p + "input_blocks.");
  std::vector<int64_t> downsamplers;
  for (int64_t k = 0; k < input_blocks; ++k)
    if (reader.has(p + "input_blocks." + std::to_string(k) + ".0.op.weight"))
      downsamplers.push_back(k);
  const int64_t per_level = downsamplers.empty() ? input_blocks : downsamplers.front();
  const int64_t levels = static_cast<int64_t>(downsamplers.size()) + 1;
  if (per_level < 2 || input_blocks != levels * per_level)
    reader.fail("cannot detect the UNet layout: " + std::to_string(input_blocks) +
                " input_blocks with downsamplers at an irregular spacing");
  for (size_t i = 0; i < downsamplers.size(); ++i)
    if (downsamplers[i] != static_cast<int64_t>(i + 1) * per_level)
      reader.fail("cannot detect the UNet layout: downsampler at input_blocks." +
                  std::to_string(downsamplers[i]) + " breaks the level spacing");
  config.layers_per_block = per_level - 1;
  config.in_channels = reader.dim(p + "input_blocks.0.0.weight", 4, 1);
  config.out_channels = reader.dim(p + "out.2.weight", 4, 0);

  config.block_out_channels.clear();
  config.down_block_types.clear();
  config.up_block_types.clear();
  config.transformer_layers_per_block.clear();
  std::vector<int64_t> up_depths;
  for (int64_t level = 0; level < levels; ++level) {
    std::vector<int64_t> depths;
    for (int64_t j = 0; j + 1 < per_level; ++j) {
      std::string block = p + "input_blocks." + std::to_string(1 + level * per_level + j) + ".";
      depths.push_back(reader.has(block + "1.proj_in.weight")
                           ? reader.count_indexed(block + "1.transformer_blocks.")
                           : 0);
    }
    std::string first = p + "input_blocks." + std::to_string(1 + level * per_level) + ".";
    config.block_out_channels.push_back(reader.dim(first + "0.out_layers.3.weight", 4, 0));
    if (std::adjacent_find(depths.begin(), depths.end(), std::not_equal_to<>()) != depths.end())
      reader.fail("UNet level " + std::to_string(level) +
                  " has attention blocks of different depths; not supported");
    config.down_block_types.push_back(depths.front() > 0 ? "CrossAttnDownBlock2D"
                                                          : "DownBlock2D");
    // diffusers' SDXL config lists 1 for levels without attention.
    config.transformer_layers_per_block.push_back(std::max<int64_t>(depths.front(), 1));

    std::string up = p + "output_blocks." + std::to_string(level * per_level) + ".";
    const bool up_attention = reader.has(up + "1.proj_in.weight");
    config.up_block_types.push_back(up_attention ? "CrossAttnUpBlock2D" : "UpBlock2D");
    up_depths.push_back(up_attention ? reader.count_indexed(up + "1.transformer_blocks.") : 0);
  }
  // diffusers builds up level i with the depth of down level (levels - 1 - i); so do we.
  for (int64_t level = 0; level < levels; ++level) {
    int64_t down_level = levels - 1 - level;
    bool down_attention = config.down_block_types[down_level] == "CrossAttnDownBlock2D";
    if (up_depths[level] > 0 && down_attention &&
        up_depths[level] != config.transformer_layers_per_block[down_level])
      reader.fail("UNet up level " + std::to_string(level) + " has transformer depth " +
                  std::to_string(up_depths[level]) + " but down level " +
                  std::to_string(down_level) + " has " +
                  std::to_string(config.transformer_layers_per_block[down_level]) +
                  "; not supported");
  }
  const std::string mid = p + "middle_block.1.";
  if (reader.count_indexed(mid + "transformer_blocks.") != config.transformer_layers_per_block.back())
    reader.fail("UNet middle block depth differs from the last level's; not supported");
  config.cross_attention_dim = reader.dim(mid + "transformer_blocks.0.attn2.to_k.weight", 2, 1);
  // Linear projections store [C, C]; the 1x1-convolution variant [C, C, 1, 1].
  config.use_linear_projection = reader.rank(mid + "proj_in.weight") == 2;
  config.projection_class_embeddings_input_dim = reader.dim(p + "label_emb.0.0.weight", 2, 1);
  // add_embedding input = pooled text embedding + 6 sinusoidal time ids.
  int64_t time_ids_dim = config.projection_class_embeddings_input_dim - pooled_text_dim;
  if (time_ids_dim <= 0 || time_ids_dim % 6 != 0)
    reader.fail("UNet label_emb.0.0 takes " +
                std::to_string(config.projection_class_embeddings_input_dim) +
                " inputs, which is not the pooled text size " + std::to_string(pooled_text_dim) +
                " plus 6 time ids");
  config.addition_time_embed_dim = time_ids_dim / 6;

  if (!known) {
    config.attention_heads.clear();
    for (int64_t level = 0; level < levels; ++level)
      config.attention_heads.push_back(conventional_heads(
          reader, config.block_out_channels[level], "UNet level " + std::to_string(level)));
    config.norm_num_groups = conventional_groups(reader, config.block_out_channels, "the UNet");
  }
  return config;
}

VaeConfig detect_vae(const ShapeReader& reader, const VaeConfig* known) {
  const std::string p(single_file_prefix(Component::vae));
  VaeConfig config = known ? *known : sdxl_base_vae_config();
  const int64_t levels = reader.count_indexed(p + "encoder.down.");
  config.layers_per_block = reader.count_indexed(p + "encoder.down.0.block.");
  if (levels < 1 || config.layers_per_block < 1)
    reader.fail("cannot detect the VAE layout: no first_stage_model.encoder.down.N.block.M");
  config.block_out_channels.clear();
  for (int64_t level = 0; level < levels; ++level)
    config.block_out_channels.push_back(
        reader.dim(p + "encoder.down." + std::to_string(level) + ".block.0.conv2.weight", 4, 0));
  config.in_channels = reader.dim(p + "encoder.conv_in.weight", 4, 1);
  config.out_channels = reader.dim(p + "decoder.conv_out.weight", 4, 0);
  config.latent_channels = reader.dim(p + "post_quant_conv.weight", 4, 0);
  if (!known)
    config.norm_num_groups = conventional_groups(reader, config.block_out_channels, "the VAE");
  return config;
}

template <typename T>
std::string join(const std::vector<T>& values) {
  std::ostringstream out;
  out << "[";
  for (size_t i = 0; i < values.size(); ++i) out << (i ? ", " : "") << values[i];
  out << "]";
  return out.str();
}

template <typename Config>
void check_agrees(const ShapeReader& reader, const Config& detected, const Config& known,
                  const std::string& what) {
  if (!same_config(detected, known))
    reader.fail("the " + what + " configuration does not match the weights: configuration {" +
                describe(known) + "}, weights {" + describe(detected) + "}");
}

}  // namespace

ModelConfigs detect_configs(const TensorShapes& shapes, const std::string& file_name,
                            const ModelConfigs* known) {
  ShapeReader reader(shapes, file_name);
  ModelConfigs configs;
  configs.text_encoder = detect_text_encoder(reader, known ? &known->text_encoder : nullptr);
  configs.text_encoder_2 =
      detect_text_encoder_2(reader, known ? &known->text_encoder_2 : nullptr);
  configs.unet = detect_unet(reader, known ? &known->unet : nullptr,
                             configs.text_encoder_2.projection_dim);
  configs.vae = detect_vae(reader, known ? &known->vae : nullptr);
  if (known) {
    check_agrees(reader, configs.unet, known->unet, "UNet");
    check_agrees(reader, configs.vae, known->vae, "VAE");
    check_agrees(reader, configs.text_encoder, known->text_encoder, "text encoder 1");
    check_agrees(reader, configs.text_encoder_2, known->text_encoder_2, "text encoder 2");
  }
  return configs;
}

bool is_sdxl_base(const ModelConfigs& configs) {
  return same_config(configs.unet, sdxl_base_unet_config()) &&
         same_config(configs.vae, sdxl_base_vae_config()) &&
         same_config(configs.text_encoder, sdxl_base_text_encoder_config()) &&
         same_config(configs.text_encoder_2, sdxl_base_text_encoder_2_config());
}

bool same_config(const UNetConfig& a, const UNetConfig& b) { return describe(a) == describe(b); }
bool same_config(const VaeConfig& a, const VaeConfig& b) { return describe(a) == describe(b); }
bool same_config(const ClipTextConfig& a, const ClipTextConfig& b) {
  return describe(a) == describe(b);
}

// Every field is listed, so equality through describe() is exact (doubles print with
// round-trip precision).
std::string describe(const UNetConfig& c) {
  std::ostringstream out;
  out.precision(17);
  out << "in_channels=" << c.in_channels << " out_channels=" << c.out_channels
      << " block_out_channels=" << join(c.block_out_channels)
      << " down_block_types=" << join(c.down_block_types)
      << " up_block_types=" << join(c.up_block_types)
      << " layers_per_block=" << c.layers_per_block
      << " transformer_layers_per_block=" << join(c.transformer_layers_per_block)
      << " attention_heads=" << join(c.attention_heads)
      << " cross_attention_dim=" << c.cross_attention_dim
      << " use_linear_projection=" << c.use_linear_projection
      << " addition_time_embed_dim=" << c.addition_time_embed_dim
      << " projection_class_embeddings_input_dim=" << c.projection_class_embeddings_input_dim
      << " norm_num_groups=" << c.norm_num_groups << " norm_eps=" << c.norm_eps
      << " flip_sin_to_cos=" << c.flip_sin_to_cos << " freq_shift=" << c.freq_shift
      << " sample_size=" << c.sample_size;
  return out.str();
}

std::string describe(const VaeConfig& c) {
  std::ostringstream out;
  out.precision(17);
  out << "in_channels=" << c.in_channels << " out_channels=" << c.out_channels
      << " block_out_channels=" << join(c.block_out_channels)
      << " layers_per_block=" << c.layers_per_block << " latent_channels=" << c.latent_channels
      << " norm_num_groups=" << c.norm_num_groups << " scaling_factor=" << c.scaling_factor
      << " force_upcast=" << c.force_upcast << " sample_size=" << c.sample_size;
  return out.str();
}

std::string describe(const ClipTextConfig& c) {
  std::ostringstream out;
  out.precision(17);
  out << "vocab_size=" << c.vocab_size << " hidden_size=" << c.hidden_size
      << " intermediate_size=" << c.intermediate_size
      << " num_hidden_layers=" << c.num_hidden_layers
      << " num_attention_heads=" << c.num_attention_heads
      << " max_position_embeddings=" << c.max_position_embeddings
      << " hidden_act=" << c.hidden_act << " layer_norm_eps=" << c.layer_norm_eps
      << " projection_dim=" << c.projection_dim << " bos_token_id=" << c.bos_token_id
      << " eos_token_id=" << c.eos_token_id << " pad_token_id=" << c.pad_token_id;
  return out.str();
}

}  // namespace dgxpx::sdxl
