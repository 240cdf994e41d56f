// Reference parity of the SDXL pipeline, LoRA and seamless tiling against the sdxl-tiny
// fixtures (cases.json kinds pipeline, pipeline_ext, lora, lora_skipped, seamless), CPU
// float32, tolerances from the cases. Each case prints its max abs error per output. Every
// input of a case reaches the code under test and every output is compared: one this harness
// does not know fails the case.
#include <cstdio>
#include <functional>
#include <iostream>
#include <cstring>
#include <map>
#include <set>
#include <string>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "compiler/sdxl/lora.h"
#include "compiler/sdxl/pipeline.h"
#include "compiler/sdxl/prompt_encoding.h"
#include "compiler/sdxl/safetensors.h"
#include "compiler/sdxl/seamless.h"
#include "compiler/util/error.h"
#include "tests/parity/sdxl_diffusers_schedulers.h"
#include "tests/parity/sdxl_sampling_refs.h"
#include "tests/support/fixtures.h"

// libtorch brings glog, whose CHECK would shadow Catch's: Catch comes last and takes it back.
#undef CHECK
#include <catch2/catch.hpp>

#include "tests/parity/sdxl_pipeline_requests.h"  // after Catch: it uses Catch's macros

namespace {

using dgxpx::testing::max_abs_diff;
using dgxpx::testing::request_of;
using dgxpx::testing::require_known;
using dgxpx::testing::sdxl_tiny;
using dgxpx::testing::sdxl_tiny_cases;
using dgxpx::testing::sdxl_tiny_cases_of_kind;
using dgxpx::testing::sdxl_tiny_ref;
using nlohmann::json;
namespace sdxl = dgxpx::sdxl;

sdxl::SdxlModel load_fixture_model() {
  return sdxl::load_sdxl_model(sdxl_tiny() / sdxl_tiny_cases().at("model_dir").get<std::string>());
}

// The UNet's conditioning inputs of the pipeline cases are encode_prompt outputs: they are held
// to the encode_prompt cases' tolerance.
double text_atol() {
  double atol = 0.0;
  for (const auto& c : sdxl_tiny_cases_of_kind("encode_prompt"))
    atol = std::max(atol, c.at("tolerance").at("suggested_atol").get<double>());
  REQUIRE(atol > 0.0);  // a fixture set without encode_prompt cases cannot judge them
  return atol;
}

// Compares one output, prints its error, and checks it against `atol`.
void check(const std::string& case_name, const std::string& output, const torch::Tensor& got,
           const json& ref, double atol) {
  const torch::Tensor want = sdxl_tiny_ref(ref.get<std::string>());
  INFO("case " << case_name << " output " << output);
  REQUIRE(got.sizes() == want.sizes());
  const double err = max_abs_diff(got, want);
  std::printf("case %-34s %-34s max_abs_err = %.3g (atol %.3g)\n", case_name.c_str(),
              output.c_str(), err, atol);
  CHECK(err <= atol);
}

struct PipelineTolerances {
  double latents, image, embeds;
};

// The outputs every pipeline kind records (the schedule, the UNet's conditioning, the latents and
// the image): checks `output` and returns true, or false for a name it does not know.
bool check_common_output(const std::string& name, const std::string& output, const json& ref,
                         const sdxl::GenerationTrace& trace, const sdxl::GenerationResult& result,
                         const PipelineTolerances& atol) {
  if (output == "timesteps") {
    const torch::Tensor want = sdxl_tiny_ref(ref.get<std::string>());
    INFO("case " << name << " timesteps: got " << trace.timesteps << " expected " << want);
    CHECK(trace.timesteps.dtype() == want.dtype());
    CHECK(torch::equal(trace.timesteps, want));
  } else if (output == "unet_prompt_embeds") {
    check(name, output, trace.conditioning.encoder_hidden_states, ref, atol.embeds);
  } else if (output == "unet_add_text_embeds") {
    check(name, output, trace.conditioning.text_embeds, ref, atol.embeds);
  } else if (output == "unet_add_time_ids") {
    check(name, output, trace.conditioning.time_ids, ref, 0.0);
  } else if (output == "latents_after_each_step") {
    check(name, output, torch::stack(trace.latents_after_step), ref, atol.latents);
  } else if (output == "latents") {
    check(name, output, result.latents, ref, atol.latents);
  } else if (output == "image") {
    check(name, output, result.image, ref, atol.image);
  } else {
    return false;
  }
  return true;
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
  throw std::runtime_error("no " + kind + " case " + name);
}

// The case a description such as "same inputs as case unet.0 (...)" names.
const json& referenced_case(const std::string& kind, const json& description) {
  const std::string text = description.get<std::string>();
  const auto at = text.find("case ");
  if (at == std::string::npos) throw std::runtime_error("no case named in '" + text + "'");
  const auto begin = at + 5;
  return find_case(kind, text.substr(begin, text.find_first_of(" )", begin) - begin));
}

// The UNet on a unet case's inputs.
torch::Tensor unet_on(sdxl::SdxlModel& model, const json& unet_case) {
  torch::NoGradGuard no_grad;
  const auto& in = unet_case.at("inputs");
  const auto real = [&](const char* k) { return sdxl_tiny_ref(in.at(k).get<std::string>()); };
  sdxl::UNetConditioning cond{real("encoder_hidden_states"), real("text_embeds"), real("time_ids")};
  return model.unet->forward(real("sample"), real("timestep"), cond);
}

torch::Tensor vae_decode_on(sdxl::SdxlModel& model, const json& vae_case) {
  torch::NoGradGuard no_grad;
  const auto& in = vae_case.at("inputs");
  const torch::Tensor latents =
      sdxl_tiny_ref(in.at("latents").get<std::string>()) / in.at("scaling_factor").get<double>();
  return model.vae->decode(latents);
}

void run_pipeline_case(sdxl::SdxlModel& model, const json& c) {
  const std::string name = c.at("name");
  const json& out = c.at("outputs");
  const double latents_atol = atol_of(c, "latents"), image_atol = atol_of(c, "image");
  const double embeds_atol = text_atol();
  sdxl::GenerationTrace trace;
  const auto result = sdxl::generate(model, request_of(c.at("inputs"), model), &trace);
  size_t compared = 0;
  for (const auto& [output, ref] : out.items()) {
    ++compared;
    if (output == "initial_noise") check(name, output, trace.initial_noise, ref, 0.0);  // seeded: exact
    else if (output == "initial_latents") check(name, output, trace.initial_latents, ref, latents_atol);
    else if (!check_common_output(name, output, ref, trace, result, {latents_atol, image_atol, embeds_atol}))
      FAIL("case " << name << ": unknown output '" << output << "'");
  }
  CHECK(compared > 0);
}

}  // namespace

// A StableDiffusionXLImg2ImgPipeline / StableDiffusionXLInpaintPipeline call's inputs: the
// text-to-image ones plus the init image, strength and (inpaint) mask. Height and width come
// from the image (img2img) or are checked against it (inpaint).
sdxl::GenerationRequest init_request_of(const json& in, const sdxl::SdxlModel& model, bool inpaint) {
  std::set<std::string> known = {"image", "strength", "requires_aesthetics_score", "aesthetic_score"};
  if (inpaint) known.insert({"mask_image", "masked_image_latents", "height", "width"});
  json rest = json::object();
  for (const auto& [key, value] : in.items())
    if (!known.count(key)) rest[key] = value;
  const torch::Tensor image = sdxl_tiny_ref(in.at("image").get<std::string>());
  REQUIRE(image.dim() == 4);
  if (!inpaint) {
    rest["height"] = image.size(2);
    rest["width"] = image.size(3);
  } else {
    rest["height"] = in.at("height");
    rest["width"] = in.at("width");
  }
  sdxl::GenerationRequest r = request_of(rest, model);
  // The SDXL base UNet takes 6 time ids: aesthetic-score conditioning (the refiner's) is off.
  REQUIRE(in.at("requires_aesthetics_score").get<bool>() == false);
  REQUIRE(in.at("aesthetic_score").is_null());
  sdxl::InitImage init;
  init.image = image;
  init.strength = in.at("strength").get<double>();
  if (inpaint) {
    REQUIRE(in.at("masked_image_latents").is_null());  // computed by the pipeline, not given
    init.mask = sdxl_tiny_ref(in.at("mask_image").get<std::string>());
  }
  r.init = init;
  return r;
}

void run_init_image_case(sdxl::SdxlModel& model, const json& c, bool inpaint) {
  const std::string name = c.at("name");
  const json& out = c.at("outputs");
  const double initial_atol = atol_of(c, "initial_latents"), latents_atol = atol_of(c, "latents"),
               image_atol = atol_of(c, "image");
  const double embeds_atol = text_atol();
  const auto request = init_request_of(c.at("inputs"), model, inpaint);
  sdxl::GenerationTrace trace;
  const auto result = sdxl::generate(model, request, &trace);
  // The number of steps run is the fixture's, and strength must have truncated the schedule
  // (strength 1 excepted).
  CHECK(static_cast<int64_t>(trace.latents_after_step.size()) ==
        c.at("details").at("denoising_steps_run").get<int64_t>());
  if (request.init->strength < 1.0) CHECK(trace.timesteps.size(0) < request.steps);
  size_t compared = 0;
  for (const auto& [output, ref] : out.items()) {
    ++compared;
    if (output == "noise") check(name, output, trace.initial_noise, ref, 0.0);  // seeded: exact
    else if (output == "image_latents") check(name, output, trace.image_latents, ref, initial_atol);
    else if (output == "masked_image_latents" && inpaint)
      check(name, output, trace.masked_image_latents, ref, initial_atol);
    else if (output == "mask_latent" && inpaint) check(name, output, trace.mask_latent, ref, 0.0);
    else if (output == "initial_latents") check(name, output, trace.initial_latents, ref, initial_atol);
    else if (!check_common_output(name, output, ref, trace, result, {latents_atol, image_atol, embeds_atol}))
      FAIL("case " << name << ": unknown output '" << output << "'");
  }
  CHECK(compared > 0);
  if (inpaint) {
    // The kept region of the final latents is the init image's latents exactly.
    const auto keep = trace.mask_latent < 0.5;
    REQUIRE(keep.any().item<bool>());
    const double kept_err =
        max_abs_diff(result.latents.masked_select(keep.expand_as(result.latents)),
                     trace.image_latents.masked_select(keep.expand_as(trace.image_latents)));
    CHECK(kept_err <= c.at("details").at("final_latents_vs_image_latents_max_abs_in_kept_region").get<double>());
  }
}

TEST_CASE("sdxl pipeline cases match diffusers", "[sdxl][parity][pipeline]") {
  size_t cases = 0;
  for (const char* kind : {"pipeline", "pipeline_ext"}) {
    for (const auto& c : sdxl_tiny_cases_of_kind(kind)) {
      ++cases;
      DYNAMIC_SECTION(c.at("name").get<std::string>()) {
        auto model = load_fixture_model();
        run_pipeline_case(model, c);
      }
    }
  }
  REQUIRE(cases > 0);  // a fixture set without pipeline cases is a broken fixture set
}

namespace {

sdxl::LoraTargets targets_of(sdxl::SdxlModel& model, const sdxl::CheckpointNames& names) {
  return {model.unet.get(), model.text_encoder.get(), model.text_encoder_2.get(), &names};
}

// Every output of a lora case, with the LoRA fused at the case's scale. Outputs this harness
// does not know fail the case.
void check_lora_outputs(sdxl::SdxlModel& model, const json& c, const std::string& label) {
  torch::NoGradGuard no_grad;
  const std::string name = c.at("name").get<std::string>() + label;
  const json& in = c.at("inputs");
  const json& out = c.at("outputs");
  const double unet_atol = atol_of(c, "unet_noise_pred"), text_atol = atol_of(c, "text"),
               image_atol = atol_of(c, "image");
  const json& unet_case = referenced_case("unet", in.at("unet_input"));

  // encode_prompt with the case's arguments.
  const json& ep = in.at("encode_prompt");
  require_known(ep, {"prompt", "negative_prompt", "do_classifier_free_guidance"}, "lora encode_prompt input");
  sdxl::PromptTexts texts;
  texts.prompt = {ep.at("prompt").get<std::string>()};
  if (!ep.at("negative_prompt").is_null())
    texts.negative_prompt = std::vector<std::string>{ep.at("negative_prompt").get<std::string>()};
  sdxl::PromptEncodingOptions options;
  options.classifier_free_guidance = ep.at("do_classifier_free_guidance").get<bool>();
  const sdxl::TokenizeFn tokenize = [&model](const std::vector<std::string>& batch, int encoder) {
    return (encoder == 0 ? model.tokenizer : model.tokenizer_2)->encode_batch(batch);
  };
  const auto embeds = sdxl::encode_prompt(model.text_encoder, model.text_encoder_2, tokenize, texts, options);

  std::vector<std::string> prompts;
  for (const auto& p : in.at("text_prompts")) prompts.push_back(p.get<std::string>());
  const auto te1 = model.text_encoder->forward(model.tokenizer->encode_batch(prompts));
  const auto te2 = model.text_encoder_2->forward(model.tokenizer_2->encode_batch(prompts));
  const auto result = sdxl::generate(model, request_of(in.at("pipeline"), model));

  const std::map<std::string, torch::Tensor> text_outputs = {
      {"te1_penultimate", te1.hidden_state},
      {"te2_penultimate", te2.hidden_state},
      {"te2_text_embeds", te2.text_embeds},
      {"prompt_embeds", embeds.prompt_embeds},
      {"negative_prompt_embeds", embeds.negative_prompt_embeds},
      {"pooled_prompt_embeds", embeds.pooled_prompt_embeds},
      {"negative_pooled_prompt_embeds", embeds.negative_pooled_prompt_embeds}};
  for (const auto& [key, ref] : out.items()) {
    const std::string prefix = "fused_weight.";
    if (key.rfind(prefix, 0) == 0) {
      const std::string rest = key.substr(prefix.size());
      const auto dot = rest.find('.');
      const std::string component = rest.substr(0, dot), module = rest.substr(dot + 1);
      sdxl::Component comp;
      if (component == "unet") comp = sdxl::Component::unet;
      else if (component == "text_encoder") comp = sdxl::Component::text_encoder;
      else if (component == "text_encoder_2") comp = sdxl::Component::text_encoder_2;
      else FAIL("case " << name << ": fused weight of unknown component '" << component << "'");
      const sdxl::LoraTargets t{model.unet.get(), model.text_encoder.get(), model.text_encoder_2.get()};
      check(name, key, sdxl::lora_target_weight(t, comp, module), ref, text_atol);
    } else if (key == "unet_noise_pred") {
      const torch::Tensor lora_pred = unet_on(model, unet_case);
      check(name, key, lora_pred, ref, unet_atol);
      // The LoRA must visibly change the UNet, or the comparison above proves nothing.
      CHECK(max_abs_diff(lora_pred, sdxl_tiny_ref(unet_case.at("outputs").at("noise_pred").get<std::string>())) >
            100 * unet_atol);
    } else if (key == "image") {
      check(name, key, result.image, ref, image_atol);
    } else if (auto it = text_outputs.find(key); it != text_outputs.end()) {
      check(name, key, it->second, ref, text_atol);
    } else {
      FAIL("case " << name << ": unknown output '" << key << "'");
    }
  }
}

// LoRA layers a file holds: one per down (A) matrix, whatever the layout.
size_t lora_layers_in(const std::filesystem::path& path) {
  size_t layers = 0;
  const auto file = sdxl::SafetensorsFile::open(path);
  for (const auto& e : file.entries())
    for (const char* down : {".lora_down.weight", ".lora.down.weight", ".lora_linear_layer.down.weight", ".lora_A.weight"})
      if (e.name.size() > std::strlen(down) && e.name.compare(e.name.size() - std::strlen(down), std::string::npos, down) == 0)
        ++layers;
  REQUIRE(layers > 0);
  return layers;
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

const std::set<std::string> kLoraInputs = {"lora_file", "format", "rank", "alpha", "alpha_note", "fuse_lora_scale",
                                           "load", "targets", "unet_input", "text_prompts", "encode_prompt",
                                           "pipeline", "fusion"};

sdxl::LoraFormat format_of(const json& c) {
  const std::string format = c.at("inputs").at("format").get<std::string>();
  if (format == "kohya") return sdxl::LoraFormat::kohya;
  if (format == "diffusers") return sdxl::LoraFormat::diffusers;
  FAIL("case " << c.at("name") << ": unknown LoRA format '" << format << "'");
  return sdxl::LoraFormat::kohya;
}

// Applies the case's LoRA (as `read` gives it) at its scale, checks every output, removes it.
void run_lora_case(const json& c, const std::function<sdxl::LoraFile(const sdxl::LoraTargets&)>& read,
                   const std::string& label) {
  require_known(c.at("inputs"), kLoraInputs, "lora input");
  auto model = load_fixture_model();
  const sdxl::CheckpointNames names(model.configs.unet, model.configs.vae);
  const auto targets = targets_of(model, names);
  const json& in = c.at("inputs");
  const auto base = all_weights(model);
  const size_t expected_layers = lora_layers_in(sdxl_tiny() / in.at("lora_file").get<std::string>());

  const sdxl::LoraFile file = read(targets);
  CHECK(file.unknown_keys.empty());
  CHECK(file.layers.size() == expected_layers);
  for (const auto& layer : file.layers) {
    INFO(layer.module);
    const int64_t rank = layer.down.size(0);
    CHECK(rank == in.at("rank").get<int64_t>());
    // A recorded alpha is the file's; none (diffusers format) means alpha = rank.
    CHECK(layer.scale == Approx(in.at("alpha").is_null() ? 1.0 : in.at("alpha").get<double>() / rank));
  }
  sdxl::LoraPatcher patcher(targets);
  patcher.apply({{&file, in.at("fuse_lora_scale").get<double>()}});
  CHECK(patcher.patched_count() == expected_layers);
  check_lora_outputs(model, c, label);

  // Apply -> remove gives the base weights back bit for bit.
  patcher.remove();
  require_weights_equal(model, base);
  const json& unet_case = referenced_case("unet", in.at("unet_input"));
  check(c.at("name").get<std::string>() + label + " removed", unet_case.at("name").get<std::string>() + " noise_pred",
        unet_on(model, unet_case), unet_case.at("outputs").at("noise_pred"), atol_of(c, "unet_noise_pred"));
}

// The first lora case in `format`.
const json& lora_case_in(sdxl::LoraFormat format) {
  static std::vector<json> cases = sdxl_tiny_cases_of_kind("lora");
  for (const auto& c : cases)
    if (format_of(c) == format) return c;
  throw std::runtime_error("the fixture set has no lora case in this format");
}

}  // namespace

TEST_CASE("sdxl lora cases match diffusers", "[sdxl][parity][lora]") {
  const auto cases = sdxl_tiny_cases_of_kind("lora");
  REQUIRE_FALSE(cases.empty());
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.at("name").get<std::string>()) {
      const auto path = sdxl_tiny() / c.at("inputs").at("lora_file").get<std::string>();
      const sdxl::LoraFormat format = format_of(c);
      run_lora_case(c, [&](const sdxl::LoraTargets& t) {
        auto f = sdxl::read_lora(path, t);
        CHECK(f.format == format);
        return f;
      }, "");
    }
  }
}

TEST_CASE("sdxl lora_skipped cases record why no reference exists", "[sdxl][parity][lora]") {
  // Nothing to compare, by the fixture set's own account: such a case must say why and carry
  // no outputs (an output here would be a reference nobody checks).
  for (const auto& c : sdxl_tiny_cases_of_kind("lora_skipped")) {
    INFO(c.at("name"));
    CHECK_FALSE(c.at("status").get<std::string>().empty());
    CHECK(c.at("outputs").empty());
  }
}

TEST_CASE("sdxl PEFT-keyed LoRA reproduces the diffusers-format lora case", "[sdxl][parity][lora]") {
  const json& c = lora_case_in(sdxl::LoraFormat::diffusers);
  const auto path = sdxl_tiny() / c.at("inputs").at("lora_file").get<std::string>();
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
  run_lora_case(c, [&](const sdxl::LoraTargets& t) {
    auto f = sdxl::parse_lora(renamed, "peft-renamed", t);
    CHECK(f.format == sdxl::LoraFormat::peft);
    return f;
  }, " (PEFT keys)");
}

namespace {

// "unet.down_blocks.0.resnets.0.conv1 (LoRACompatibleConv, padding=(1, 1))" -> the component
// ("unet" or "vae") and the module path inside it.
std::pair<std::string, std::string> conv_name(const std::string& entry) {
  const std::string path = entry.substr(0, entry.find(' '));
  const auto dot = path.find('.');
  return {path.substr(0, dot), path.substr(dot + 1)};
}

// The padded convolutions of `module` ("" for none), by module path.
std::map<std::string, sdxl::Conv2dImpl*> padded_convs(torch::nn::Module& module) {
  std::map<std::string, sdxl::Conv2dImpl*> out;
  for (const auto& item : module.named_modules())
    if (auto* conv = item.value()->as<sdxl::Conv2dImpl>()) out[item.key()] = conv;
  return out;
}

// Sets exactly the case's details.circular_convs to circular padding (all others zeros).
// Returns true when that is every padded convolution of the UNet and the VAE, i.e. what
// set_tiling(xy) does.
bool apply_circular_convs(sdxl::SdxlModel& model, const json& c) {
  std::map<std::string, std::map<std::string, sdxl::Conv2dImpl*>> convs = {
      {"unet", padded_convs(*model.unet)}, {"vae", padded_convs(*model.vae)}};
  std::set<sdxl::Conv2dImpl*> circular;
  for (const auto& entry : c.at("details").at("circular_convs")) {
    const auto [component, path] = conv_name(entry.get<std::string>());
    INFO("circular conv " << entry);
    REQUIRE(convs.count(component));
    REQUIRE(convs[component].count(path));
    circular.insert(convs[component][path]);
  }
  REQUIRE_FALSE(circular.empty());
  bool all = true;
  for (auto& [component, by_path] : convs)
    for (auto& [path, conv] : by_path) {
      const bool wraps = circular.count(conv) > 0;
      conv->padding_mode = wraps ? sdxl::PaddingMode::circular : sdxl::PaddingMode::zeros;
      // 1x1 convolutions pad nothing, so whether they are listed does not matter.
      if (!wraps && conv->padding != 0) all = false;
    }
  return all;
}

void run_seamless_case(const json& c) {
  require_known(c.at("inputs"), {"pipeline", "unet_input", "vae_decode_input"}, "seamless input");
  auto model = load_fixture_model();
  const std::string name = c.at("name");
  const json& in = c.at("inputs");
  const json& out = c.at("outputs");
  const json& unet_case = referenced_case("unet", in.at("unet_input"));
  const json& vae_case = referenced_case("vae_decode", in.at("vae_decode_input"));
  if (apply_circular_convs(model, c)) {
    // Fully circular: the product's seamless mode must be exactly this.
    sdxl::set_tiling(*model.unet, sdxl::Tiling::none);
    sdxl::set_tiling(*model.vae, sdxl::Tiling::none);
    sdxl::set_tiling(*model.unet, sdxl::Tiling::xy);
    sdxl::set_tiling(*model.vae, sdxl::Tiling::xy);
  }
  for (const auto& [output, ref] : out.items()) {
    if (output == "unet_noise_pred") {
      // Circular padding must change the result, or matching the reference proves nothing.
      CHECK(max_abs_diff(sdxl_tiny_ref(ref.get<std::string>()),
                         sdxl_tiny_ref(unet_case.at("outputs").at("noise_pred").get<std::string>())) >
            100 * atol_of(c, output));
      check(name, output, unet_on(model, unet_case), ref, atol_of(c, output));
    } else if (output == "vae_decode_image") {
      check(name, output, vae_decode_on(model, vae_case), ref, atol_of(c, output));
    } else if (output == "image") {
      check(name, output, sdxl::generate(model, request_of(in.at("pipeline"), model)).image, ref,
            atol_of(c, output));
    } else {
      FAIL("case " << name << ": unknown output '" << output << "'");
    }
  }
}

}  // namespace

TEST_CASE("sdxl seamless cases (circular padding) match diffusers", "[sdxl][parity][seamless]") {
  const auto cases = sdxl_tiny_cases_of_kind("seamless");
  REQUIRE_FALSE(cases.empty());
  for (const auto& c : cases) DYNAMIC_SECTION(c.at("name").get<std::string>()) { run_seamless_case(c); }
}

TEST_CASE("sdxl pipeline runs batches of prompts and sizes that are multiples of the VAE factor only",
          "[sdxl][parity][pipeline]") {
  auto model = load_fixture_model();
  // A classifier-free-guidance case with a negative prompt, whichever the fixture set has.
  const json* cfg_case = nullptr;
  for (const auto& c : sdxl_tiny_cases_of_kind("pipeline"))
    if (!cfg_case && c.at("inputs").at("guidance_scale").get<double>() > 1.0 &&
        !c.at("inputs").at("negative_prompt").is_null())
      cfg_case = &find_case("pipeline", c.at("name").get<std::string>());
  REQUIRE(cfg_case);
  const json& c = *cfg_case;
  auto request = request_of(c.at("inputs"), model);
  request.prompts = {request.prompts[0], request.prompts[0] + ", second prompt"};
  request.images_per_prompt = 2;
  const int64_t factor = int64_t{1} << (model.configs.vae.block_out_channels.size() - 1);
  REQUIRE(factor > 1);
  // Odd latent sizes: not a multiple of the UNet's downsampling, which the UNet must handle.
  const int64_t latent_w = 17, latent_h = 9;
  request.width = latent_w * factor;
  request.height = latent_h * factor;
  sdxl::GenerationTrace trace;
  const auto result = sdxl::generate(model, request, &trace);
  const int64_t channels = model.configs.unet.in_channels;
  CHECK(result.latents.sizes() == torch::IntArrayRef({4, channels, latent_h, latent_w}));
  CHECK(result.image.sizes() == torch::IntArrayRef({4, request.height, request.width, 3}));
  CHECK_FALSE(result.image.isnan().any().item<bool>());
  // CFG batch: [negatives x4, positives x4]; prompts repeat consecutively ([p0, p0, p1, p1]).
  const auto& embeds = trace.conditioning.encoder_hidden_states;
  REQUIRE(embeds.size(0) == 8);
  CHECK(torch::equal(embeds[4], embeds[5]));
  CHECK_FALSE(torch::equal(embeds[5], embeds[6]));
  CHECK(max_abs_diff(embeds.slice(0, 4, 5),
                     sdxl_tiny_ref(c.at("outputs").at("unet_prompt_embeds").get<std::string>()).slice(0, 1, 2)) <=
        text_atol());
  const auto h = static_cast<float>(request.height), w = static_cast<float>(request.width);
  CHECK(torch::equal(trace.conditioning.time_ids[0], torch::tensor({h, w, 0.f, 0.f, h, w})));

  request.width += factor / 2;  // not a multiple of the VAE's factor
  CHECK_THROWS_AS(sdxl::generate(model, request), dgxpx::util::InputError);
}

TEST_CASE("sdxl micro-conditioning reaches the UNet's time ids", "[sdxl][parity][pipeline]") {
  auto model = load_fixture_model();
  const auto cases = sdxl_tiny_cases_of_kind("pipeline");
  REQUIRE_FALSE(cases.empty());
  auto request = request_of(cases.front().at("inputs"), model);
  request.steps = 1;
  request.micro.original_size = std::make_pair(int64_t{1024}, int64_t{768});
  request.micro.crop_top_left = {32, 16};
  request.micro.target_size = std::make_pair(int64_t{512}, int64_t{384});
  sdxl::GenerationTrace trace;
  const auto with_micro = sdxl::generate(model, request, &trace);
  for (int64_t i = 0; i < trace.conditioning.time_ids.size(0); ++i)
    CHECK(torch::equal(trace.conditioning.time_ids[i], torch::tensor({1024.f, 768.f, 32.f, 16.f, 512.f, 384.f})));
  request.micro = {};
  const auto plain = sdxl::generate(model, request);
  CHECK(max_abs_diff(with_micro.latents, plain.latents) > 0.0);  // the UNet sees them
}

TEST_CASE("sdxl img2img cases match diffusers", "[sdxl][parity][pipeline][img2img]") {
  const auto cases = sdxl_tiny_cases_of_kind("img2img");
  REQUIRE_FALSE(cases.empty());
  for (const auto& c : cases)
    DYNAMIC_SECTION(c.at("name").get<std::string>()) {
      auto model = load_fixture_model();
      run_init_image_case(model, c, false);
    }
}

TEST_CASE("sdxl inpaint cases (4-channel UNet) match diffusers", "[sdxl][parity][pipeline][inpaint]") {
  const auto cases = sdxl_tiny_cases_of_kind("inpaint");
  REQUIRE_FALSE(cases.empty());
  for (const auto& c : cases)
    DYNAMIC_SECTION(c.at("name").get<std::string>()) {
      auto model = load_fixture_model();
      run_init_image_case(model, c, true);
    }
}

TEST_CASE("sdxl init images: strength and shapes are checked", "[sdxl][parity][pipeline][img2img]") {
  CHECK(sdxl::first_step_for_strength(10, 0.3) == 7);
  CHECK(sdxl::first_step_for_strength(10, 1.0) == 0);
  CHECK(sdxl::first_step_for_strength(8, 0.6) == 4);  // int(4.8) = 4 steps run
  CHECK_THROWS_AS(sdxl::first_step_for_strength(10, 0.0), dgxpx::util::InputError);
  CHECK_THROWS_AS(sdxl::first_step_for_strength(10, 1.5), dgxpx::util::InputError);
  CHECK_THROWS_AS(sdxl::first_step_for_strength(10, 0.05), dgxpx::util::InputError);  // no step
  auto model = load_fixture_model();
  const auto cases = sdxl_tiny_cases_of_kind("img2img");
  REQUIRE_FALSE(cases.empty());
  auto request = init_request_of(cases.front().at("inputs"), model, false);
  auto wrong = request;
  wrong.init->image = request.init->image.slice(2, 0, request.height / 2);
  CHECK_THROWS_AS(sdxl::generate(model, wrong), dgxpx::util::InputError);
  wrong = request;
  wrong.init->mask = torch::ones({1, 3, request.height, request.width});
  CHECK_THROWS_AS(sdxl::generate(model, wrong), dgxpx::util::InputError);
  wrong = request;
  wrong.init->strength = 0.0;
  CHECK_THROWS_AS(sdxl::generate(model, wrong), dgxpx::util::InputError);
}
