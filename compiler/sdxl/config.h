#pragma once
// Network configurations, sized from diffusers' config.json or detected from a single-file
// checkpoint's tensor shapes. The same code runs the tiny reference model and SDXL base.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace dgxpx::sdxl {

/// CLIP text transformer (CLIP ViT-L "text_encoder", OpenCLIP bigG "text_encoder_2").
struct ClipTextConfig {
  int64_t vocab_size = 49408;
  int64_t hidden_size = 768;
  int64_t intermediate_size = 3072;
  int64_t num_hidden_layers = 12;
  int64_t num_attention_heads = 12;
  int64_t max_position_embeddings = 77;
  std::string hidden_act = "quick_gelu";  // "quick_gelu" or "gelu"
  double layer_norm_eps = 1e-5;
  int64_t projection_dim = 0;  // > 0: has text_projection (CLIPTextModelWithProjection)
  int64_t bos_token_id = 0;
  int64_t eos_token_id = 2;
  int64_t pad_token_id = 1;
};

/// SDXL UNet (UNet2DConditionModel with addition_embed_type "text_time").
struct UNetConfig {
  int64_t in_channels = 4;
  int64_t out_channels = 4;
  std::vector<int64_t> block_out_channels;
  std::vector<std::string> down_block_types;
  std::vector<std::string> up_block_types;
  int64_t layers_per_block = 2;
  std::vector<int64_t> transformer_layers_per_block;  // per down level; up uses it reversed
  std::vector<int64_t> attention_heads;  // per level; from config "attention_head_dim" (legacy name)
  int64_t cross_attention_dim = 2048;
  bool use_linear_projection = true;
  int64_t addition_time_embed_dim = 256;
  int64_t projection_class_embeddings_input_dim = 2816;
  int64_t norm_num_groups = 32;
  double norm_eps = 1e-5;
  bool flip_sin_to_cos = true;
  double freq_shift = 0;
  int64_t sample_size = 128;
};

/// AutoencoderKL.
struct VaeConfig {
  int64_t in_channels = 3;
  int64_t out_channels = 3;
  std::vector<int64_t> block_out_channels;
  int64_t layers_per_block = 2;
  int64_t latent_channels = 4;
  int64_t norm_num_groups = 32;
  double scaling_factor = 0.13025;
  bool force_upcast = true;
  int64_t sample_size = 1024;
};

/// Published SDXL base 1.0 configurations.
ClipTextConfig sdxl_base_text_encoder_config();
ClipTextConfig sdxl_base_text_encoder_2_config();
UNetConfig sdxl_base_unet_config();
VaeConfig sdxl_base_vae_config();

/// Parse diffusers config.json files. Throw util::InputError naming the file and the key on a
/// missing or ill-typed field.
ClipTextConfig read_clip_text_config(const std::filesystem::path& config_json);
UNetConfig read_unet_config(const std::filesystem::path& config_json);
VaeConfig read_vae_config(const std::filesystem::path& config_json);

}  // namespace dgxpx::sdxl
