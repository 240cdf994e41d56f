// Reference parity of the SDXL pipeline, LoRA and seamless tiling against the sdxl-tiny
// fixtures (cases.json kinds pipeline, lora, seamless), CPU float32, tolerances from the cases.
// Each case prints its max abs error per output.
#include <cstdio>
#include <functional>
#include <iostream>
#include <map>
#include <string>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "compiler/sdxl/lora.h"
#include "compiler/sdxl/pipeline.h"
#include "compiler/sdxl/safetensors.h"
#include "compiler/sdxl/seamless.h"
#include "compiler/util/error.h"
#include "tests/parity/sdxl_sampling_refs.h"
#include "tests/support/fixtures.h"

// libtorch brings glog, whose CHECK would shadow Catch's: Catch comes last and takes it back.
#undef CHECK
#include <catch2/catch.hpp>

namespace {

using dgxpx::testing::max_abs_diff;
using dgxpx::testing::sdxl_tiny;
using dgxpx::testing::sdxl_tiny_cases_of_kind;
using dgxpx::testing::sdxl_tiny_ref;
using nlohmann::json;
namespace sdxl = dgxpx::sdxl;

// "text" is the encode_prompt tolerance used by the cases for text-encoder outputs; the UNet's
// conditioning inputs of the pipeline cases are such outputs.
constexpr double kTextAtol = 1e-4;

sdxl::SdxlModel load_fixture_model() {
  const auto dir = sdxl_tiny();
  return sdxl::load_sdxl_model(dir / "model");
}

sdxl::SamplerKind sampler_of(const std::string& scheduler_class) {
  if (scheduler_class == "EulerDiscreteScheduler") return sdxl::SamplerKind::euler;
  if (scheduler_class == "EulerAncestralDiscreteScheduler") return sdxl::SamplerKind::euler_ancestral;
  if (scheduler_class == "DDIMScheduler") return sdxl::SamplerKind::ddim;
  throw std::runtime_error("no sampler for scheduler class " + scheduler_class);
}

sdxl::GenerationRequest request_of(const json& in) {
  sdxl::GenerationRequest r;
  r.prompts = {in.at("prompt").get<std::string>()};
  if (!in.at("negative_prompt").is_null())
    r.negative_prompts = std::vector<std::string>{in.at("negative_prompt").get<std::string>()};
  r.width = in.at("width").get<int64_t>();
  r.height = in.at("height").get<int64_t>();
  r.steps = in.at("num_inference_steps").get<int64_t>();
  r.guidance = in.at("guidance_scale").get<double>();
  r.seed = in.at("seed").get<uint64_t>();
  r.sampler = sampler_of(in.at("scheduler").get<std::string>());
  r.images_per_prompt = in.at("num_images_per_prompt").get<int64_t>();
  REQUIRE(in.at("guidance_rescale").get<double>() == 0.0);
  REQUIRE(in.at("eta").get<double>() == 0.0);
  return r;
}

// Compares one output, prints its error, and checks it against `atol`.
void check(const std::string& case_name, const std::string& output, const torch::Tensor& got,
           const json& ref, double atol) {
  const torch::Tensor want = sdxl_tiny_ref(ref.get<std::string>());
  INFO("case " << case_name << " output " << output);
  REQUIRE(got.sizes() == want.sizes());
  const double err = max_abs_diff(got, want);
  std::printf("case %-26s %-34s max_abs_err = %.3g (atol %.3g)\n", case_name.c_str(),
              output.c_str(), err, atol);
  CHECK(err <= atol);
}

double atol_of(const json& c, const std::string& key) {
  return c.at("tolerance").at(key).at("suggested_atol").get<double>();
}

const json& find_case(const std::string& kind, const std::string& name) {
  // Entries are never reassigned: callers hold references into them.
  static std::map<std::string, json> cache;
  if (auto it = cache.find(name); it != cache.end()) return it->second;
  for (const auto& c : sdxl_tiny_cases_of_kind(kind))
    if (c.at("name") == name) return cache.emplace(name, c).first->second;
  throw std::runtime_error("no case " + name);
}

// The reference noise prediction of the base model on case unet.0.
torch::Tensor base_unet_noise_pred() {
  return sdxl_tiny_ref(find_case("unet", "unet.0").at("outputs").at("noise_pred").get<std::string>());
}

// The UNet on case unet.0's inputs.
torch::Tensor unet_on_case_unet0(sdxl::SdxlModel& model) {
  torch::NoGradGuard no_grad;
  const auto in = find_case("unet", "unet.0").at("inputs");
  const auto real = [&](const char* k) { return sdxl_tiny_ref(in.at(k).get<std::string>()); };
  sdxl::UNetConditioning cond{real("encoder_hidden_states"), real("text_embeds"), real("time_ids")};
  return model.unet->forward(real("sample"), real("timestep"), cond);
}

torch::Tensor vae_on_case_vae_decode(sdxl::SdxlModel& model) {
  torch::NoGradGuard no_grad;
  const auto in = find_case("vae_decode", "vae.decode").at("inputs");
  const torch::Tensor latents =
      sdxl_tiny_ref(in.at("latents").get<std::string>()) / in.at("scaling_factor").get<double>();
  return model.vae->decode(latents);
}

void run_pipeline_case(sdxl::SdxlModel& model, const json& c) {
  const std::string name = c.at("name");
  const json& out = c.at("outputs");
  const double latents_atol = atol_of(c, "latents"), image_atol = atol_of(c, "image");
  sdxl::GenerationTrace trace;
  const auto result = sdxl::generate(model, request_of(c.at("inputs")), &trace);
  check(name, "initial_noise", trace.initial_noise, out.at("initial_noise"), 0.0);
  check(name, "unet_prompt_embeds", trace.conditioning.encoder_hidden_states,
        out.at("unet_prompt_embeds"), kTextAtol);
  check(name, "unet_add_text_embeds", trace.conditioning.text_embeds, out.at("unet_add_text_embeds"),
        kTextAtol);
  check(name, "unet_add_time_ids", trace.conditioning.time_ids, out.at("unet_add_time_ids"), 0.0);
  check(name, "latents_after_each_step", torch::stack(trace.latents_after_step),
        out.at("latents_after_each_step"), latents_atol);
  check(name, "latents", result.latents, out.at("latents"), latents_atol);
  check(name, "image", result.image, out.at("image"), image_atol);
}

}  // namespace

TEST_CASE("sdxl pipeline cases match diffusers", "[sdxl][parity][pipeline]") {
  auto model = load_fixture_model();
  const auto cases = sdxl_tiny_cases_of_kind("pipeline");
  REQUIRE(cases.size() >= 3);
  for (const auto& c : cases) run_pipeline_case(model, c);
}

namespace {

sdxl::LoraTargets targets_of(sdxl::SdxlModel& model, const sdxl::CheckpointNames& names) {
  return {model.unet.get(), model.text_encoder.get(), model.text_encoder_2.get(), &names};
}

// Every output of a lora case, with `lora` fused at the case's scale.
void check_lora_outputs(sdxl::SdxlModel& model, const json& c, const std::string& label) {
  torch::NoGradGuard no_grad;
  const std::string name = c.at("name").get<std::string>() + label;
  const json& in = c.at("inputs");
  const json& out = c.at("outputs");
  const double unet_atol = atol_of(c, "unet_noise_pred"), text_atol = atol_of(c, "text"),
               image_atol = atol_of(c, "image");

  for (const auto& [key, ref] : out.items()) {
    const std::string prefix = "fused_weight.";
    if (key.rfind(prefix, 0) != 0) continue;
    const std::string rest = key.substr(prefix.size());
    const auto dot = rest.find('.');
    const std::string component = rest.substr(0, dot), module = rest.substr(dot + 1);
    const sdxl::Component comp = component == "unet" ? sdxl::Component::unet
                                 : component == "text_encoder" ? sdxl::Component::text_encoder
                                                               : sdxl::Component::text_encoder_2;
    const sdxl::LoraTargets t{model.unet.get(), model.text_encoder.get(), model.text_encoder_2.get()};
    check(name, key, sdxl::lora_target_weight(t, comp, module), ref, text_atol);
  }

  const torch::Tensor lora_pred = unet_on_case_unet0(model);
  check(name, "unet_noise_pred", lora_pred, out.at("unet_noise_pred"), unet_atol);
  // The LoRA must visibly change the UNet, or the comparison above proves nothing.
  CHECK(max_abs_diff(lora_pred, base_unet_noise_pred()) > 100 * unet_atol);

  std::vector<std::string> prompts;
  for (const auto& p : in.at("text_prompts")) prompts.push_back(p.get<std::string>());
  const auto te1 = model.text_encoder->forward(model.tokenizer->encode_batch(prompts));
  const auto te2 = model.text_encoder_2->forward(model.tokenizer_2->encode_batch(prompts));
  check(name, "te1_penultimate", te1.hidden_state, out.at("te1_penultimate"), text_atol);
  check(name, "te2_penultimate", te2.hidden_state, out.at("te2_penultimate"), text_atol);
  check(name, "te2_text_embeds", te2.text_embeds, out.at("te2_text_embeds"), text_atol);

  // encode_prompt outputs are what the pipeline's UNet conditioning is made of.
  auto request = request_of(in.at("pipeline"));
  sdxl::GenerationTrace trace;
  const auto result = sdxl::generate(model, request, &trace);
  const auto& cond = trace.conditioning;
  check(name, "negative_prompt_embeds", cond.encoder_hidden_states[0].unsqueeze(0),
        out.at("negative_prompt_embeds"), text_atol);
  check(name, "prompt_embeds", cond.encoder_hidden_states[1].unsqueeze(0), out.at("prompt_embeds"),
        text_atol);
  check(name, "negative_pooled_prompt_embeds", cond.text_embeds[0].unsqueeze(0),
        out.at("negative_pooled_prompt_embeds"), text_atol);
  check(name, "pooled_prompt_embeds", cond.text_embeds[1].unsqueeze(0),
        out.at("pooled_prompt_embeds"), text_atol);
  check(name, "image", result.image, out.at("image"), image_atol);
}

std::map<std::string, torch::Tensor> all_weights(sdxl::SdxlModel& model) {
  std::map<std::string, torch::Tensor> out;
  for (auto* m : std::initializer_list<torch::nn::Module*>{model.unet.get(), model.text_encoder.get(),
                                                          model.text_encoder_2.get()}) {
    const std::string tag = std::to_string(reinterpret_cast<uintptr_t>(m)) + ":";
    for (const auto& p : m->named_parameters()) out[tag + p.key()] = p.value().clone();
  }
  return out;
}

void require_weights_equal(sdxl::SdxlModel& model, const std::map<std::string, torch::Tensor>& before) {
  const auto now = all_weights(model);
  REQUIRE(now.size() == before.size());
  size_t differing = 0;
  for (const auto& [k, v] : before)
    if (!torch::equal(v, now.at(k))) ++differing;
  CHECK(differing == 0);
}

void run_lora_case(const std::string& case_name,
                   const std::function<sdxl::LoraFile(const sdxl::LoraTargets&)>& read,
                   const std::string& label, size_t expected_layers) {
  auto model = load_fixture_model();
  const sdxl::CheckpointNames names(model.configs.unet, model.configs.vae);
  const auto targets = targets_of(model, names);
  const json& c = find_case("lora", case_name);
  const auto base = all_weights(model);

  const sdxl::LoraFile file = read(targets);
  CHECK(file.unknown_keys.empty());
  CHECK(file.layers.size() == expected_layers);
  sdxl::LoraPatcher patcher(targets);
  patcher.apply({{&file, c.at("inputs").at("fuse_lora_scale").get<double>()}});
  CHECK(patcher.patched_count() == expected_layers);
  check_lora_outputs(model, c, label);

  // Apply -> remove gives the base weights back bit for bit.
  patcher.remove();
  require_weights_equal(model, base);
  check(c.at("name").get<std::string>() + label + " removed", "unet.0 noise_pred",
        unet_on_case_unet0(model), find_case("unet", "unet.0").at("outputs").at("noise_pred"),
        atol_of(c, "unet_noise_pred"));
}

}  // namespace

TEST_CASE("sdxl lora.kohya matches diffusers", "[sdxl][parity][lora]") {
  const auto path = sdxl_tiny() / find_case("lora", "lora.kohya").at("inputs").at("lora_file").get<std::string>();
  // 534 tensors = 178 layers x (down, up, alpha)
  run_lora_case("lora.kohya", [&](const sdxl::LoraTargets& t) {
    auto f = sdxl::read_lora(path, t);
    CHECK(f.format == sdxl::LoraFormat::kohya);
    return f;
  }, "", 178);
}

TEST_CASE("sdxl lora.diffusers matches diffusers", "[sdxl][parity][lora]") {
  const auto path = sdxl_tiny() / find_case("lora", "lora.diffusers").at("inputs").at("lora_file").get<std::string>();
  run_lora_case("lora.diffusers", [&](const sdxl::LoraTargets& t) {
    auto f = sdxl::read_lora(path, t);
    CHECK(f.format == sdxl::LoraFormat::diffusers);
    return f;
  }, "", 178);
}

TEST_CASE("sdxl PEFT-keyed LoRA reproduces lora.diffusers", "[sdxl][parity][lora]") {
  const auto path = sdxl_tiny() / find_case("lora", "lora.diffusers").at("inputs").at("lora_file").get<std::string>();
  // Rename the diffusers file's keys the way PEFT writes them.
  const auto file = sdxl::SafetensorsFile::open(path);
  std::map<std::string, torch::Tensor> renamed;
  const auto replace = [](std::string s, const std::string& from, const std::string& to) {
    const auto p = s.find(from);
    if (p != std::string::npos) s.replace(p, from.size(), to);
    return s;
  };
  for (const auto& e : file.entries()) {
    std::string k = e.name;
    k = replace(k, ".lora_linear_layer.down.", ".lora_A.");
    k = replace(k, ".lora_linear_layer.up.", ".lora_B.");
    k = replace(k, ".lora.down.", ".lora_A.");
    k = replace(k, ".lora.up.", ".lora_B.");
    REQUIRE((k.find(".lora_A.weight") != std::string::npos || k.find(".lora_B.weight") != std::string::npos));
    REQUIRE((k.rfind("unet.", 0) == 0 || k.rfind("text_encoder.", 0) == 0 || k.rfind("text_encoder_2.", 0) == 0));
    renamed.emplace(k, file.tensor(e));
  }
  run_lora_case("lora.diffusers", [&](const sdxl::LoraTargets& t) {
    auto f = sdxl::parse_lora(renamed, "peft-renamed", t);
    CHECK(f.format == sdxl::LoraFormat::peft);
    return f;
  }, " (PEFT keys)", 178);
}

namespace {

void run_seamless_case(sdxl::SdxlModel& model, const json& c) {
  const std::string name = c.at("name");
  const json& out = c.at("outputs");
  // Circular padding must change the result, or matching the reference proves nothing.
  CHECK(max_abs_diff(sdxl_tiny_ref(out.at("unet_noise_pred").get<std::string>()),
                     base_unet_noise_pred()) > 100 * atol_of(c, "unet_noise_pred"));
  check(name, "unet_noise_pred", unet_on_case_unet0(model), out.at("unet_noise_pred"),
        atol_of(c, "unet_noise_pred"));
  check(name, "vae_decode_image", vae_on_case_vae_decode(model), out.at("vae_decode_image"),
        atol_of(c, "vae_decode_image"));
  const auto result = sdxl::generate(model, request_of(c.at("inputs").at("pipeline")));
  check(name, "image", result.image, out.at("image"), atol_of(c, "image"));
}

}  // namespace

TEST_CASE("sdxl seamless (circular padding on both axes) matches diffusers", "[sdxl][parity][seamless]") {
  auto model = load_fixture_model();
  sdxl::set_tiling(*model.unet, sdxl::Tiling::xy);
  sdxl::set_tiling(*model.vae, sdxl::Tiling::xy);
  run_seamless_case(model, find_case("seamless", "seamless"));
}

TEST_CASE("sdxl seamless_legacy_naive is circular padding on the plain Conv2d layers only",
          "[sdxl][parity][seamless]") {
  // What diffusers 0.24 (no PEFT) gives when a user sets padding_mode="circular" on every
  // torch.nn.Conv2d: only conv_in/conv_out (and the 1x1 quant convs, unaffected) are plain
  // Conv2d; resnet and up/down-sampler convolutions are LoRACompatibleConv and ignore it.
  auto model = load_fixture_model();
  const auto circular = sdxl::PaddingMode::circular;
  model.unet->conv_in->padding_mode = circular;
  model.unet->conv_out->padding_mode = circular;
  model.vae->encoder->conv_in->padding_mode = circular;
  model.vae->encoder->conv_out->padding_mode = circular;
  model.vae->decoder->conv_in->padding_mode = circular;
  model.vae->decoder->conv_out->padding_mode = circular;
  run_seamless_case(model, find_case("seamless", "seamless_legacy_naive"));
}

TEST_CASE("sdxl pipeline runs batches of prompts and sizes that are multiples of 8 only",
          "[sdxl][parity][pipeline]") {
  auto model = load_fixture_model();
  const json& c = find_case("pipeline", "pipeline.pipe_cfg");
  auto request = request_of(c.at("inputs"));
  request.prompts = {request.prompts[0], "A Photo Of A CAT"};
  request.images_per_prompt = 2;
  request.width = 136;  // latents 17 x 9: not a multiple of the UNet's 2^levels
  request.height = 72;
  sdxl::GenerationTrace trace;
  const auto result = sdxl::generate(model, request, &trace);
  CHECK(result.latents.sizes() == torch::IntArrayRef({4, 4, 9, 17}));
  CHECK(result.image.sizes() == torch::IntArrayRef({4, 72, 136, 3}));
  CHECK_FALSE(result.image.isnan().any().item<bool>());
  // CFG batch: [negatives x4, positives x4]; prompts repeat consecutively ([p0, p0, p1, p1]).
  const auto& embeds = trace.conditioning.encoder_hidden_states;
  REQUIRE(embeds.size(0) == 8);
  CHECK(torch::equal(embeds[4], embeds[5]));
  CHECK_FALSE(torch::equal(embeds[5], embeds[6]));
  CHECK(max_abs_diff(embeds.slice(0, 4, 5),
                     sdxl_tiny_ref(c.at("outputs").at("unet_prompt_embeds").get<std::string>()).slice(0, 1, 2)) <= kTextAtol);
  const auto ids = trace.conditioning.time_ids;
  CHECK(torch::equal(ids[0], torch::tensor({72.f, 136.f, 0.f, 0.f, 72.f, 136.f})));

  request.width = 132;  // not a multiple of 8
  CHECK_THROWS_AS(sdxl::generate(model, request), dgxpx::util::InputError);
}
