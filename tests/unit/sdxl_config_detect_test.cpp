#include "compiler/sdxl/config_detect.h"

#include "tests/support/catch_torch.h"
#include <string>

#include "compiler/util/error.h"

using namespace dgxpx::sdxl;
using dgxpx::util::InputError;

namespace {

// The tensors detection reads, with the shapes of SDXL base 1.0's single-file checkpoint
// (sd_xl_base_1.0.safetensors), for a UNet of `channels` and attention depths `depths`.
TensorShapes sdxl_like_shapes(const std::vector<int64_t>& channels,
                              const std::vector<int64_t>& depths, int64_t text2_hidden = 1280) {
  TensorShapes s;
  const std::string c0 = "conditioner.embedders.0.transformer.text_model.";
  s[c0 + "embeddings.token_embedding.weight"] = {49408, 768};
  s[c0 + "embeddings.position_embedding.weight"] = {77, 768};
  s[c0 + "embeddings.position_ids"] = {1, 77};
  for (int i = 0; i < 12; ++i) {
    s[c0 + "encoder.layers." + std::to_string(i) + ".mlp.fc1.weight"] = {3072, 768};
  }
  const std::string c1 = "conditioner.embedders.1.model.";
  s[c1 + "token_embedding.weight"] = {49408, text2_hidden};
  s[c1 + "positional_embedding"] = {77, text2_hidden};
  s[c1 + "text_projection"] = {text2_hidden, 1280};
  for (int i = 0; i < 32; ++i)
    s[c1 + "transformer.resblocks." + std::to_string(i) + ".mlp.c_fc.weight"] = {
        4 * text2_hidden, text2_hidden};

  const std::string m = "model.diffusion_model.";
  s[m + "input_blocks.0.0.weight"] = {channels[0], 4, 3, 3};
  s[m + "out.2.weight"] = {4, channels[0], 3, 3};
  s[m + "label_emb.0.0.weight"] = {4 * channels[0], 2816};
  const int levels = static_cast<int>(channels.size());
  for (int level = 0; level < levels; ++level) {
    for (int j = 0; j < 2; ++j) {
      std::string block = m + "input_blocks." + std::to_string(1 + 3 * level + j) + ".";
      s[block + "0.out_layers.3.weight"] = {channels[level], channels[level], 3, 3};
      for (int t = 0; t < depths[level]; ++t)
        s[block + "1.transformer_blocks." + std::to_string(t) + ".attn1.to_q.weight"] = {
            channels[level], channels[level]};
      if (depths[level] > 0) s[block + "1.proj_in.weight"] = {channels[level], channels[level]};
    }
    if (level + 1 < levels)
      s[m + "input_blocks." + std::to_string(3 * (level + 1)) + ".0.op.weight"] = {
          channels[level], channels[level], 3, 3};
    int down = levels - 1 - level;
    std::string up = m + "output_blocks." + std::to_string(3 * level) + ".";
    s[up + "0.in_layers.0.weight"] = {2 * channels[down]};
    if (depths[down] > 0) {
      s[up + "1.proj_in.weight"] = {channels[down], channels[down]};
      for (int t = 0; t < depths[down]; ++t)
        s[up + "1.transformer_blocks." + std::to_string(t) + ".norm1.weight"] = {channels[down]};
    }
  }
  const int64_t last = channels.back();
  s[m + "middle_block.1.proj_in.weight"] = {last, last};
  for (int t = 0; t < depths.back(); ++t)
    s[m + "middle_block.1.transformer_blocks." + std::to_string(t) + ".attn2.to_k.weight"] = {
        last, 2048};

  const std::string f = "first_stage_model.";
  const std::vector<int64_t> vae = {128, 256, 512, 512};
  for (int level = 0; level < 4; ++level)
    for (int j = 0; j < 2; ++j)
      s[f + "encoder.down." + std::to_string(level) + ".block." + std::to_string(j) +
        ".conv2.weight"] = {vae[level], vae[level], 3, 3};
  s[f + "encoder.conv_in.weight"] = {128, 3, 3, 3};
  s[f + "decoder.conv_out.weight"] = {3, 128, 3, 3};
  s[f + "post_quant_conv.weight"] = {4, 4, 1, 1};
  return s;
}

}  // namespace

TEST_CASE("SDXL base shapes detect as exactly SDXL base's configurations", "[sdxl][detect]") {
  ModelConfigs configs =
      detect_configs(sdxl_like_shapes({320, 640, 1280}, {0, 2, 10}), "sd_xl_base.safetensors");
  INFO(describe(configs.unet));
  REQUIRE(same_config(configs.unet, sdxl_base_unet_config()));
  REQUIRE(same_config(configs.vae, sdxl_base_vae_config()));
  REQUIRE(same_config(configs.text_encoder, sdxl_base_text_encoder_config()));
  REQUIRE(same_config(configs.text_encoder_2, sdxl_base_text_encoder_2_config()));
  REQUIRE(is_sdxl_base(configs));
}

TEST_CASE("other SDXL-family shapes detect their own structure", "[sdxl][detect]") {
  // SSD-1B-like depths: shallower attention, same widths.
  ModelConfigs configs =
      detect_configs(sdxl_like_shapes({320, 640, 1280}, {0, 2, 4}), "smaller.safetensors");
  REQUIRE(configs.unet.transformer_layers_per_block == std::vector<int64_t>{1, 2, 4});
  REQUIRE(configs.unet.attention_heads == std::vector<int64_t>{5, 10, 20});
  REQUIRE_FALSE(is_sdxl_base(configs));
}

TEST_CASE("detection fails clearly where SDXL's conventions do not fit", "[sdxl][detect]") {
  try {
    detect_configs(sdxl_like_shapes({16, 32, 48}, {0, 1, 2}), "tiny.safetensors");
    FAIL("expected an InputError");
  } catch (const InputError& error) {
    std::string what = error.what();
    INFO(what);
    REQUIRE(what.find("tiny.safetensors") != std::string::npos);
    REQUIRE(what.find("attention heads") != std::string::npos);
    REQUIRE(what.find("config.json") != std::string::npos);
  }
}

TEST_CASE("detection names the tensor it needs when it is missing", "[sdxl][detect]") {
  TensorShapes shapes = sdxl_like_shapes({320, 640, 1280}, {0, 2, 10});
  shapes.erase("model.diffusion_model.out.2.weight");
  try {
    detect_configs(shapes, "broken.safetensors");
    FAIL("expected an InputError");
  } catch (const InputError& error) {
    REQUIRE(std::string(error.what()).find("model.diffusion_model.out.2.weight") !=
            std::string::npos);
  }
}

TEST_CASE("a known configuration must agree with the shapes", "[sdxl][detect]") {
  ModelConfigs known{sdxl_base_unet_config(), sdxl_base_vae_config(),
                     sdxl_base_text_encoder_config(), sdxl_base_text_encoder_2_config()};
  TensorShapes shapes = sdxl_like_shapes({320, 640, 1280}, {0, 2, 10});
  REQUIRE(is_sdxl_base(detect_configs(shapes, "base.safetensors", &known)));

  known.unet.cross_attention_dim = 1024;
  try {
    detect_configs(shapes, "base.safetensors", &known);
    FAIL("expected an InputError");
  } catch (const InputError& error) {
    std::string what = error.what();
    REQUIRE(what.find("UNet configuration does not match") != std::string::npos);
    REQUIRE(what.find("cross_attention_dim=1024") != std::string::npos);
  }
}
