// SDXL base at its real size, built on the meta device (shapes only, no memory): parameter
// counts against the published figures, and parameter names in the single-file layout against
// the keys real SDXL base checkpoints (sd_xl_base_1.0.safetensors) store.
#include <set>
#include <string>

#include "compiler/sdxl/checkpoint_names.h"
#include "compiler/sdxl/clip_text_model.h"
#include "compiler/sdxl/config.h"
#include "compiler/sdxl/unet.h"
#include "compiler/sdxl/vae.h"

// libtorch brings glog, whose CHECK would shadow Catch's (aborting instead of reporting):
// Catch comes last and takes the name back.
#undef CHECK
#include <catch2/catch.hpp>

namespace {

using namespace dgxpx::sdxl;

torch::TensorOptions meta() {
  return torch::TensorOptions().dtype(torch::kFloat).device(torch::kMeta);
}

// Single-file keys of every parameter of `module`; fails on a name no table maps.
std::set<std::string> single_file_keys(const torch::nn::Module& module, Component component,
                                       const CheckpointNames& names) {
  std::set<std::string> keys;
  for (const auto& item : module.named_parameters()) {
    auto key = names.to_single_file(component, item.key());
    INFO("diffusers name " << item.key());
    REQUIRE(key.has_value());
    keys.insert(*key);
  }
  return keys;
}

}  // namespace

TEST_CASE("SDXL base networks have the published parameter counts", "[sdxl][unit]") {
  UNet unet(sdxl_base_unet_config(), meta());
  ClipTextModel clip_l(sdxl_base_text_encoder_config(), meta());
  ClipTextModel clip_g(sdxl_base_text_encoder_2_config(), meta());
  Vae vae(sdxl_base_vae_config(), meta());
  CHECK(count_parameters(*unet) == 2567463684);
  CHECK(count_parameters(*clip_l) == 123060480);
  CHECK(count_parameters(*clip_g) == 694659840);
  CHECK(count_parameters(*vae) == 83653863);
  for (const auto& p : unet->parameters()) REQUIRE(p.device().type() == torch::kMeta);
}

TEST_CASE("SDXL base parameter names map to the keys of real single-file checkpoints",
          "[sdxl][unit]") {
  const CheckpointNames names(sdxl_base_unet_config(), sdxl_base_vae_config());
  UNet unet(sdxl_base_unet_config(), meta());
  ClipTextModel clip_l(sdxl_base_text_encoder_config(), meta());
  ClipTextModel clip_g(sdxl_base_text_encoder_2_config(), meta());
  Vae vae(sdxl_base_vae_config(), meta());

  std::set<std::string> keys;
  for (const auto& [module, component] :
       {std::pair<const torch::nn::Module*, Component>{unet.get(), Component::unet},
        {clip_l.get(), Component::text_encoder},
        {clip_g.get(), Component::text_encoder_2},
        {vae.get(), Component::vae}}) {
    auto part = single_file_keys(*module, component, names);
    keys.insert(part.begin(), part.end());
  }

  // A sample of keys stored in stabilityai's sd_xl_base_1.0.safetensors, all levels and parts.
  const char* real_keys[] = {
      "model.diffusion_model.time_embed.0.weight",
      "model.diffusion_model.time_embed.2.bias",
      "model.diffusion_model.label_emb.0.0.weight",
      "model.diffusion_model.label_emb.0.2.bias",
      "model.diffusion_model.input_blocks.0.0.weight",
      "model.diffusion_model.input_blocks.1.0.in_layers.0.weight",
      "model.diffusion_model.input_blocks.1.0.in_layers.2.weight",
      "model.diffusion_model.input_blocks.1.0.emb_layers.1.weight",
      "model.diffusion_model.input_blocks.1.0.out_layers.0.bias",
      "model.diffusion_model.input_blocks.1.0.out_layers.3.weight",
      "model.diffusion_model.input_blocks.3.0.op.weight",
      "model.diffusion_model.input_blocks.4.0.skip_connection.weight",
      "model.diffusion_model.input_blocks.4.1.norm.weight",
      "model.diffusion_model.input_blocks.4.1.proj_in.weight",
      "model.diffusion_model.input_blocks.4.1.transformer_blocks.0.attn1.to_q.weight",
      "model.diffusion_model.input_blocks.4.1.transformer_blocks.1.attn2.to_k.weight",
      "model.diffusion_model.input_blocks.5.1.proj_out.bias",
      "model.diffusion_model.input_blocks.6.0.op.bias",
      "model.diffusion_model.input_blocks.7.1.transformer_blocks.9.ff.net.0.proj.weight",
      "model.diffusion_model.input_blocks.8.1.transformer_blocks.9.attn2.to_v.weight",
      "model.diffusion_model.middle_block.0.in_layers.0.weight",
      "model.diffusion_model.middle_block.1.transformer_blocks.9.attn2.to_k.weight",
      "model.diffusion_model.middle_block.2.out_layers.3.bias",
      "model.diffusion_model.output_blocks.0.0.skip_connection.weight",
      "model.diffusion_model.output_blocks.0.1.transformer_blocks.0.attn2.to_k.weight",
      "model.diffusion_model.output_blocks.2.1.transformer_blocks.9.ff.net.2.weight",
      "model.diffusion_model.output_blocks.2.2.conv.weight",
      "model.diffusion_model.output_blocks.3.1.transformer_blocks.1.attn2.to_v.weight",
      "model.diffusion_model.output_blocks.5.1.proj_out.weight",
      "model.diffusion_model.output_blocks.5.2.conv.bias",
      "model.diffusion_model.output_blocks.8.0.out_layers.3.weight",
      "model.diffusion_model.out.0.weight",
      "model.diffusion_model.out.2.bias",
      "first_stage_model.encoder.conv_in.weight",
      "first_stage_model.encoder.down.0.block.0.conv1.weight",
      "first_stage_model.encoder.down.0.downsample.conv.weight",
      "first_stage_model.encoder.down.1.block.0.nin_shortcut.weight",
      "first_stage_model.encoder.mid.block_1.norm1.weight",
      "first_stage_model.encoder.mid.attn_1.k.bias",
      "first_stage_model.encoder.norm_out.weight",
      "first_stage_model.encoder.conv_out.bias",
      "first_stage_model.quant_conv.weight",
      "first_stage_model.post_quant_conv.bias",
      "first_stage_model.decoder.conv_in.weight",
      "first_stage_model.decoder.mid.attn_1.q.weight",
      "first_stage_model.decoder.mid.attn_1.proj_out.weight",
      "first_stage_model.decoder.mid.block_2.conv2.weight",
      "first_stage_model.decoder.up.0.block.0.nin_shortcut.weight",
      "first_stage_model.decoder.up.1.block.0.nin_shortcut.weight",
      "first_stage_model.decoder.up.1.upsample.conv.weight",
      "first_stage_model.decoder.up.3.block.2.conv1.weight",
      "first_stage_model.decoder.up.3.upsample.conv.weight",
      "first_stage_model.decoder.norm_out.bias",
      "conditioner.embedders.0.transformer.text_model.embeddings.token_embedding.weight",
      "conditioner.embedders.0.transformer.text_model.embeddings.position_embedding.weight",
      "conditioner.embedders.0.transformer.text_model.encoder.layers.0.self_attn.q_proj.weight",
      "conditioner.embedders.0.transformer.text_model.encoder.layers.11.mlp.fc2.bias",
      "conditioner.embedders.0.transformer.text_model.final_layer_norm.weight",
      "conditioner.embedders.1.model.token_embedding.weight",
      "conditioner.embedders.1.model.positional_embedding",
      "conditioner.embedders.1.model.transformer.resblocks.0.attn.in_proj_weight",
      "conditioner.embedders.1.model.transformer.resblocks.0.attn.in_proj_bias",
      "conditioner.embedders.1.model.transformer.resblocks.0.attn.out_proj.weight",
      "conditioner.embedders.1.model.transformer.resblocks.0.ln_1.weight",
      "conditioner.embedders.1.model.transformer.resblocks.31.ln_2.bias",
      "conditioner.embedders.1.model.transformer.resblocks.31.mlp.c_fc.weight",
      "conditioner.embedders.1.model.transformer.resblocks.31.mlp.c_proj.weight",
      "conditioner.embedders.1.model.ln_final.weight",
      "conditioner.embedders.1.model.text_projection",
  };
  for (const char* key : real_keys) {
    INFO(key);
    CHECK(keys.count(key) == 1);
  }
  // Keys real checkpoints do not have: the bottom level has no upsampler or downsampler, the
  // top UNet level has no attention, the VAE's top decoder level no upsampler.
  const char* absent_keys[] = {
      "model.diffusion_model.input_blocks.1.1.norm.weight",
      "model.diffusion_model.output_blocks.8.2.conv.weight",
      "model.diffusion_model.input_blocks.9.0.op.weight",
      "first_stage_model.encoder.down.3.downsample.conv.weight",
      "first_stage_model.decoder.up.0.upsample.conv.weight",
      "first_stage_model.encoder.down.0.block.0.nin_shortcut.weight",
  };
  for (const char* key : absent_keys) {
    INFO(key);
    CHECK(keys.count(key) == 0);
  }
  // OpenCLIP packs q/k/v into one in_proj per block: 32 blocks x (6 - 2) fewer keys.
  CHECK(keys.size() == unet->named_parameters().size() + vae->named_parameters().size() +
                           clip_l->named_parameters().size() + clip_g->named_parameters().size() -
                           32 * 4);
}
