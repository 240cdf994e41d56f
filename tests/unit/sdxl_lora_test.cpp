// LoRA key layouts, scaling, several files at once, unknown keys and exact removal, on a tiny
// randomly initialised CLIP text model (no fixtures needed).
#include <torch/torch.h>

#include "compiler/sdxl/clip_text_model.h"
#include "compiler/sdxl/lora.h"
#include "compiler/util/error.h"

// libtorch brings glog, whose CHECK would shadow Catch's: Catch comes last and takes it back.
#undef CHECK
#include <catch2/catch.hpp>

namespace sdxl = dgxpx::sdxl;

namespace {

sdxl::ClipTextModel tiny_text_model() {
  sdxl::ClipTextConfig config;
  config.vocab_size = 16;
  config.hidden_size = 8;
  config.intermediate_size = 12;
  config.num_hidden_layers = 2;
  config.num_attention_heads = 2;
  config.max_position_embeddings = 6;
  sdxl::ClipTextModel model(config, torch::TensorOptions().dtype(torch::kFloat32));
  torch::manual_seed(7);
  torch::NoGradGuard no_grad;
  for (auto& p : model->parameters()) p.copy_(torch::randn(p.sizes()));
  return model;
}

struct Pair {
  torch::Tensor down, up;
};

Pair random_pair(int64_t out, int64_t in, int64_t rank, int seed) {
  torch::manual_seed(seed);
  return {torch::randn({rank, in}), torch::randn({out, rank})};
}

}  // namespace

TEST_CASE("kohya LoRA: W' = W + weight * alpha/rank * up@down, removal is exact", "[sdxl][lora]") {
  auto te = tiny_text_model();
  const sdxl::LoraTargets targets{nullptr, te.get(), nullptr, nullptr};
  const torch::Tensor w0 = te->text_model->encoder->layers[0]->as<sdxl::ClipEncoderLayerImpl>()->self_attn->q_proj->weight.clone();
  const auto pair = random_pair(8, 8, 2, 1);
  std::map<std::string, torch::Tensor> tensors = {
      {"lora_te1_text_model_encoder_layers_0_self_attn_q_proj.lora_down.weight", pair.down.to(torch::kHalf)},
      {"lora_te1_text_model_encoder_layers_0_self_attn_q_proj.lora_up.weight", pair.up.to(torch::kHalf)},
      {"lora_te1_text_model_encoder_layers_0_self_attn_q_proj.alpha", torch::tensor(1.0).to(torch::kHalf)},
      {"lora_te1_text_model_encoder_layers_9_self_attn_q_proj.lora_down.weight", pair.down},
      {"lora_unet_something.lora_up.weight", pair.up},
      {"lora_te1_text_model_encoder_layers_0_mlp_fc1.hada_w1_a", pair.up},
  };
  const auto file = sdxl::parse_lora(tensors, "test.safetensors", targets);
  CHECK(file.format == sdxl::LoraFormat::kohya);
  REQUIRE(file.layers.size() == 1);
  CHECK(file.layers[0].module == "text_model.encoder.layers.0.self_attn.q_proj");
  CHECK(file.layers[0].scale == Approx(0.5));
  const std::vector<std::string> expected_unknown = {
      "lora_te1_text_model_encoder_layers_0_mlp_fc1.hada_w1_a",
      "lora_te1_text_model_encoder_layers_9_self_attn_q_proj.lora_down.weight",
      "lora_unet_something.lora_up.weight"};
  CHECK(file.unknown_keys == expected_unknown);

  sdxl::LoraPatcher patcher(targets);
  patcher.apply({{&file, 0.8}});
  const torch::Tensor w = sdxl::lora_target_weight(targets, sdxl::Component::text_encoder,
                                                   "text_model.encoder.layers.0.self_attn.q_proj");
  const torch::Tensor expected = w0 + 0.8 * 0.5 * torch::matmul(pair.up.to(torch::kHalf).to(torch::kFloat32),
                                                                pair.down.to(torch::kHalf).to(torch::kFloat32));
  CHECK((w - expected).abs().max().item<double>() < 1e-5);
  CHECK(patcher.patched_count() == 1);
  patcher.remove();
  CHECK(torch::equal(w, w0));
  CHECK(patcher.patched_count() == 0);
}

TEST_CASE("diffusers and PEFT keys name the same layers, and several LoRAs add up", "[sdxl][lora]") {
  auto te = tiny_text_model();
  const sdxl::LoraTargets targets{nullptr, te.get(), nullptr, nullptr};
  const std::string layer = "text_model.encoder.layers.1.mlp.fc1";
  const torch::Tensor w0 = sdxl::lora_target_weight(targets, sdxl::Component::text_encoder, layer).clone();
  const auto a = random_pair(12, 8, 3, 2), b = random_pair(12, 8, 2, 3);
  const auto fa = sdxl::parse_lora({{"text_encoder." + layer + ".lora_linear_layer.down.weight", a.down},
                                    {"text_encoder." + layer + ".lora_linear_layer.up.weight", a.up}},
                                   "a", targets);
  const auto fb = sdxl::parse_lora({{"text_encoder.base_model.model." + layer + ".lora_A.weight", b.down},
                                    {"text_encoder.base_model.model." + layer + ".lora_B.weight", b.up}},
                                   "b", targets);
  CHECK(fa.format == sdxl::LoraFormat::diffusers);
  CHECK(fb.format == sdxl::LoraFormat::peft);
  REQUIRE(fb.layers.size() == 1);
  CHECK(fb.layers[0].module == layer);
  CHECK(fb.layers[0].scale == 1.0);

  sdxl::LoraPatcher patcher(targets);
  patcher.apply({{&fa, 1.0}, {&fb, -0.5}});
  const torch::Tensor w = sdxl::lora_target_weight(targets, sdxl::Component::text_encoder, layer);
  const torch::Tensor expected = w0 + torch::matmul(a.up, a.down) - 0.5 * torch::matmul(b.up, b.down);
  CHECK((w - expected).abs().max().item<double>() < 1e-5);

  // Switching sets starts from the originals, not from the patched weights: no drift.
  for (int i = 0; i < 5; ++i) {
    patcher.apply({{&fb, 1.0}});
    patcher.apply({{&fa, 0.3}});
  }
  CHECK((w - (w0 + 0.3 * torch::matmul(a.up, a.down))).abs().max().item<double>() < 1e-5);
  patcher.apply({});
  CHECK(torch::equal(w, w0));
}

TEST_CASE("bad LoRA files are input errors naming the layer", "[sdxl][lora]") {
  auto te = tiny_text_model();
  const sdxl::LoraTargets targets{nullptr, te.get(), nullptr, nullptr};
  const auto p = random_pair(8, 8, 2, 4);
  // Half a pair.
  CHECK_THROWS_AS(sdxl::parse_lora({{"lora_te1_text_model_encoder_layers_0_self_attn_k_proj.lora_down.weight", p.down}},
                                   "half", targets),
                  dgxpx::util::InputError);
  // Shapes that do not fit the target (fc1 is [12, 8]).
  CHECK_THROWS_AS(sdxl::parse_lora({{"lora_te1_text_model_encoder_layers_0_mlp_fc1.lora_down.weight", p.down},
                                    {"lora_te1_text_model_encoder_layers_0_mlp_fc1.lora_up.weight", p.up}},
                                   "shape", targets),
                  dgxpx::util::InputError);
  // Nothing of a known layout.
  CHECK_THROWS_AS(sdxl::parse_lora({{"foo.bar", p.down}}, "none", targets), dgxpx::util::InputError);
}
