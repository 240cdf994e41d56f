#include "compiler/sdxl/checkpoint_names.h"

#include "tests/support/catch_torch.h"

using namespace dgxpx::sdxl;

namespace {

// SDXL base 1.0's UNet / VAE block structure (stabilityai/stable-diffusion-xl-base-1.0
// unet/config.json, vae/config.json); only what the name tables depend on.
UNetConfig sdxl_unet_layout() {
  UNetConfig config;
  config.block_out_channels = {320, 640, 1280};
  config.down_block_types = {"DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"};
  config.up_block_types = {"CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"};
  config.layers_per_block = 2;
  return config;
}

VaeConfig sdxl_vae_layout() {
  VaeConfig config;
  config.block_out_channels = {128, 256, 512, 512};
  config.layers_per_block = 2;
  return config;
}

// Checks `single_file` -> (component, diffusers, transform) and the way back.
void require_pair(const CheckpointNames& names, const std::string& single_file,
                  Component component, const std::string& diffusers,
                  TensorTransform transform = TensorTransform::none) {
  INFO(single_file << " <-> " << diffusers);
  auto targets = names.to_diffusers(single_file);
  REQUIRE(targets.has_value());
  REQUIRE(targets->size() == 1);
  REQUIRE(targets->front().component == component);
  REQUIRE(targets->front().name == diffusers);
  REQUIRE(targets->front().transform == transform);
  REQUIRE(names.to_single_file(component, diffusers) == single_file);
}

}  // namespace

TEST_CASE("SDXL base UNet names map between the single-file and diffusers layouts",
          "[sdxl][names]") {
  CheckpointNames names(sdxl_unet_layout(), sdxl_vae_layout());
  const std::string m = "model.diffusion_model.";
  require_pair(names, m + "time_embed.0.weight", Component::unet, "time_embedding.linear_1.weight");
  require_pair(names, m + "time_embed.2.bias", Component::unet, "time_embedding.linear_2.bias");
  require_pair(names, m + "label_emb.0.0.weight", Component::unet, "add_embedding.linear_1.weight");
  require_pair(names, m + "label_emb.0.2.bias", Component::unet, "add_embedding.linear_2.bias");
  require_pair(names, m + "input_blocks.0.0.weight", Component::unet, "conv_in.weight");
  require_pair(names, m + "input_blocks.1.0.in_layers.0.weight", Component::unet,
               "down_blocks.0.resnets.0.norm1.weight");
  require_pair(names, m + "input_blocks.2.0.emb_layers.1.bias", Component::unet,
               "down_blocks.0.resnets.1.time_emb_proj.bias");
  require_pair(names, m + "input_blocks.3.0.op.weight", Component::unet,
               "down_blocks.0.downsamplers.0.conv.weight");
  require_pair(names, m + "input_blocks.4.0.skip_connection.weight", Component::unet,
               "down_blocks.1.resnets.0.conv_shortcut.weight");
  require_pair(names, m + "input_blocks.6.0.op.bias", Component::unet,
               "down_blocks.1.downsamplers.0.conv.bias");
  require_pair(names, m + "input_blocks.8.1.transformer_blocks.9.ff.net.2.weight",
               Component::unet, "down_blocks.2.attentions.1.transformer_blocks.9.ff.net.2.weight");
  require_pair(names, m + "input_blocks.7.1.proj_in.weight", Component::unet,
               "down_blocks.2.attentions.0.proj_in.weight");
  require_pair(names, m + "middle_block.0.out_layers.3.weight", Component::unet,
               "mid_block.resnets.0.conv2.weight");
  require_pair(names, m + "middle_block.1.transformer_blocks.3.attn2.to_k.weight",
               Component::unet, "mid_block.attentions.0.transformer_blocks.3.attn2.to_k.weight");
  require_pair(names, m + "middle_block.2.in_layers.2.weight", Component::unet,
               "mid_block.resnets.1.conv1.weight");
  require_pair(names, m + "output_blocks.0.1.norm.weight", Component::unet,
               "up_blocks.0.attentions.0.norm.weight");
  require_pair(names, m + "output_blocks.2.2.conv.weight", Component::unet,
               "up_blocks.0.upsamplers.0.conv.weight");
  require_pair(names, m + "output_blocks.5.2.conv.bias", Component::unet,
               "up_blocks.1.upsamplers.0.conv.bias");
  require_pair(names, m + "output_blocks.8.0.skip_connection.weight", Component::unet,
               "up_blocks.2.resnets.2.conv_shortcut.weight");
  require_pair(names, m + "out.0.weight", Component::unet, "conv_norm_out.weight");
  require_pair(names, m + "out.2.bias", Component::unet, "conv_out.bias");

  // Names that do not exist in SDXL's layout.
  REQUIRE_FALSE(names.to_diffusers(m + "input_blocks.1.1.proj_in.weight"));  // level 0: no attn
  REQUIRE_FALSE(names.to_diffusers(m + "input_blocks.9.0.op.weight"));
  REQUIRE_FALSE(names.to_diffusers(m + "output_blocks.8.1.conv.weight"));  // no last upsampler
  REQUIRE_FALSE(names.to_diffusers(m + "input_blocks.1.0.in_layers.1.weight"));  // SiLU slot
  REQUIRE_FALSE(names.to_single_file(Component::unet, "down_blocks.0.attentions.0.norm.weight"));
}

TEST_CASE("VAE names map, decoder levels reversed, mid attention reshaped", "[sdxl][names]") {
  CheckpointNames names(sdxl_unet_layout(), sdxl_vae_layout());
  const std::string f = "first_stage_model.";
  require_pair(names, f + "encoder.conv_in.weight", Component::vae, "encoder.conv_in.weight");
  require_pair(names, f + "encoder.down.1.block.0.nin_shortcut.weight", Component::vae,
               "encoder.down_blocks.1.resnets.0.conv_shortcut.weight");
  require_pair(names, f + "encoder.down.2.downsample.conv.weight", Component::vae,
               "encoder.down_blocks.2.downsamplers.0.conv.weight");
  require_pair(names, f + "encoder.mid.block_2.norm2.bias", Component::vae,
               "encoder.mid_block.resnets.1.norm2.bias");
  require_pair(names, f + "encoder.mid.attn_1.norm.weight", Component::vae,
               "encoder.mid_block.attentions.0.group_norm.weight");
  require_pair(names, f + "encoder.mid.attn_1.proj_out.weight", Component::vae,
               "encoder.mid_block.attentions.0.to_out.0.weight",
               TensorTransform::conv1x1_to_linear);
  require_pair(names, f + "encoder.mid.attn_1.proj_out.bias", Component::vae,
               "encoder.mid_block.attentions.0.to_out.0.bias");
  require_pair(names, f + "decoder.mid.attn_1.q.weight", Component::vae,
               "decoder.mid_block.attentions.0.to_q.weight", TensorTransform::conv1x1_to_linear);
  require_pair(names, f + "encoder.norm_out.weight", Component::vae,
               "encoder.conv_norm_out.weight");
  require_pair(names, f + "decoder.up.0.block.0.nin_shortcut.weight", Component::vae,
               "decoder.up_blocks.3.resnets.0.conv_shortcut.weight");
  require_pair(names, f + "decoder.up.3.block.2.conv1.weight", Component::vae,
               "decoder.up_blocks.0.resnets.2.conv1.weight");
  require_pair(names, f + "decoder.up.3.upsample.conv.weight", Component::vae,
               "decoder.up_blocks.0.upsamplers.0.conv.weight");
  require_pair(names, f + "quant_conv.weight", Component::vae, "quant_conv.weight");
  require_pair(names, f + "post_quant_conv.bias", Component::vae, "post_quant_conv.bias");
  REQUIRE_FALSE(names.to_diffusers(f + "decoder.up.0.upsample.conv.weight"));  // top level
  REQUIRE_FALSE(names.to_diffusers(f + "encoder.down.3.downsample.conv.weight"));
  REQUIRE_FALSE(names.to_diffusers(f + "loss.logvar"));
}

TEST_CASE("CLIP-L names are kept and OpenCLIP bigG names are converted", "[sdxl][names]") {
  CheckpointNames names(sdxl_unet_layout(), sdxl_vae_layout());
  const std::string c0 = "conditioner.embedders.0.transformer.";
  const std::string c1 = "conditioner.embedders.1.model.";
  require_pair(names, c0 + "text_model.encoder.layers.11.mlp.fc2.bias", Component::text_encoder,
               "text_model.encoder.layers.11.mlp.fc2.bias");
  require_pair(names, c0 + "text_model.final_layer_norm.weight", Component::text_encoder,
               "text_model.final_layer_norm.weight");

  require_pair(names, c1 + "token_embedding.weight", Component::text_encoder_2,
               "text_model.embeddings.token_embedding.weight");
  require_pair(names, c1 + "positional_embedding", Component::text_encoder_2,
               "text_model.embeddings.position_embedding.weight");
  require_pair(names, c1 + "ln_final.bias", Component::text_encoder_2,
               "text_model.final_layer_norm.bias");
  require_pair(names, c1 + "text_projection", Component::text_encoder_2, "text_projection.weight",
               TensorTransform::transpose);
  require_pair(names, c1 + "transformer.resblocks.31.ln_1.weight", Component::text_encoder_2,
               "text_model.encoder.layers.31.layer_norm1.weight");
  require_pair(names, c1 + "transformer.resblocks.0.mlp.c_fc.bias", Component::text_encoder_2,
               "text_model.encoder.layers.0.mlp.fc1.bias");
  require_pair(names, c1 + "transformer.resblocks.5.mlp.c_proj.weight", Component::text_encoder_2,
               "text_model.encoder.layers.5.mlp.fc2.weight");
  require_pair(names, c1 + "transformer.resblocks.7.attn.out_proj.weight",
               Component::text_encoder_2, "text_model.encoder.layers.7.self_attn.out_proj.weight");

  // diffusers' converter writes the Linear orientation under ".weight": accepted as is, but
  // the way back gives the official key.
  auto linear = names.to_diffusers(c1 + "text_projection.weight");
  REQUIRE(linear);
  REQUIRE(linear->size() == 1);
  REQUIRE(linear->front().name == "text_projection.weight");
  REQUIRE(linear->front().transform == TensorTransform::none);

  auto packed = names.to_diffusers(c1 + "transformer.resblocks.3.attn.in_proj_weight");
  REQUIRE(packed);
  REQUIRE(packed->size() == 3);
  const char* parts[] = {"q_proj", "k_proj", "v_proj"};
  const TensorTransform transforms[] = {TensorTransform::in_proj_q, TensorTransform::in_proj_k,
                                        TensorTransform::in_proj_v};
  for (int i = 0; i < 3; ++i) {
    std::string expected = std::string("text_model.encoder.layers.3.self_attn.") + parts[i];
    REQUIRE((*packed)[i].name == expected + ".weight");
    REQUIRE((*packed)[i].transform == transforms[i]);
    REQUIRE(names.to_single_file(Component::text_encoder_2, expected + ".weight") ==
            c1 + "transformer.resblocks.3.attn.in_proj_weight");
    REQUIRE(names.to_single_file(Component::text_encoder_2, expected + ".bias") ==
            c1 + "transformer.resblocks.3.attn.in_proj_bias");
  }
  REQUIRE(names.to_diffusers(c1 + "transformer.resblocks.3.attn.in_proj_bias")->size() == 3);
  REQUIRE_FALSE(names.to_diffusers(c1 + "transformer.resblocks.x.ln_1.weight"));
  REQUIRE_FALSE(names.to_diffusers(c1 + "visual.proj"));
}

TEST_CASE("known non-weights are dropped, unknown names are not guessed", "[sdxl][names]") {
  CheckpointNames names(sdxl_unet_layout(), sdxl_vae_layout());
  auto position_ids =
      names.to_diffusers("conditioner.embedders.0.transformer.text_model.embeddings.position_ids");
  REQUIRE(position_ids);
  REQUIRE(position_ids->empty());
  REQUIRE(names.to_diffusers("conditioner.embedders.1.model.logit_scale")->empty());
  REQUIRE_FALSE(names.to_diffusers("model_ema.decay"));
  REQUIRE_FALSE(names.to_diffusers("cond_stage_model.transformer.text_model.final_layer_norm.weight"));
}

TEST_CASE("UNet tables follow the configuration's levels and attention", "[sdxl][names]") {
  // Two levels, one resnet per level, attention only in the last level.
  UNetConfig config;
  config.block_out_channels = {8, 16};
  config.down_block_types = {"DownBlock2D", "CrossAttnDownBlock2D"};
  config.up_block_types = {"CrossAttnUpBlock2D", "UpBlock2D"};
  config.layers_per_block = 1;
  CheckpointNames names(config, sdxl_vae_layout());
  const std::string m = "model.diffusion_model.";
  require_pair(names, m + "input_blocks.2.0.op.weight", Component::unet,
               "down_blocks.0.downsamplers.0.conv.weight");
  require_pair(names, m + "input_blocks.3.1.proj_out.weight", Component::unet,
               "down_blocks.1.attentions.0.proj_out.weight");
  require_pair(names, m + "output_blocks.1.2.conv.weight", Component::unet,
               "up_blocks.0.upsamplers.0.conv.weight");
  require_pair(names, m + "output_blocks.3.0.in_layers.2.weight", Component::unet,
               "up_blocks.1.resnets.1.conv1.weight");
  REQUIRE_FALSE(names.to_diffusers(m + "input_blocks.4.0.in_layers.0.weight"));
}

TEST_CASE("legacy diffusers VAE attention names are modernised", "[sdxl][names]") {
  REQUIRE(modern_vae_name("decoder.mid_block.attentions.0.query.weight") ==
          "decoder.mid_block.attentions.0.to_q.weight");
  REQUIRE(modern_vae_name("encoder.mid_block.attentions.0.proj_attn.bias") ==
          "encoder.mid_block.attentions.0.to_out.0.bias");
  REQUIRE(modern_vae_name("encoder.mid_block.attentions.0.key.bias") ==
          "encoder.mid_block.attentions.0.to_k.bias");
  REQUIRE(modern_vae_name("decoder.mid_block.attentions.0.to_v.weight") ==
          "decoder.mid_block.attentions.0.to_v.weight");
  REQUIRE(modern_vae_name("decoder.up_blocks.0.resnets.0.conv1.weight") ==
          "decoder.up_blocks.0.resnets.0.conv1.weight");
}
