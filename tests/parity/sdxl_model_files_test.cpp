// Loading the reference model from both layouts (fixtures/sdxl-tiny): the diffusers folder and
// the single-file checkpoint must give the same diffusers-named tensors and configurations.
#include "compiler/sdxl/model_files.h"

#include <unistd.h>

#include "tests/support/catch_torch.h"
#include <nlohmann/json.hpp>
#include <fstream>
#include <set>

#include "compiler/sdxl/clip_text_model.h"
#include "compiler/sdxl/unet.h"
#include "compiler/sdxl/vae.h"
#include "compiler/util/error.h"
#include "tests/support/fixtures.h"
#include "tests/support/python_json.h"

using namespace dgxpx::sdxl;
namespace fs = std::filesystem;

namespace {

nlohmann::json cases_json() { return dgxpx::testing::read_python_json(dgxpx::testing::sdxl_tiny() / "cases.json"); }

fs::path model_folder() {
  return dgxpx::testing::sdxl_tiny() / cases_json().at("model_dir").get<std::string>();
}
// Tensors in the safetensors files of the component's subfolder of the diffusers folder.
size_t stored_tensor_count(Component component) {
  size_t count = 0;
  for (const auto& entry : fs::directory_iterator(model_folder() / component_name(component)))
    if (entry.path().extension() == ".safetensors") count += SafetensorsFile::open(entry.path()).entries().size();
  REQUIRE(count > 0);
  return count;
}

// The parameter count cases.json's model_summary records for a component.
int64_t recorded_params(Component component) {
  return cases_json().at("model_summary").at(std::string(component_name(component)) + "_params").get<int64_t>();
}

fs::path single_file() {
  return dgxpx::testing::sdxl_tiny() / cases_json().at("single_file").get<std::string>();
}

std::set<std::string> keys(const StateDict& dict) {
  std::set<std::string> out;
  for (const auto& item : dict) out.insert(item.first);
  return out;
}

}  // namespace

TEST_CASE("the fixture's diffusers folder opens with its config.json configurations",
          "[sdxl][model_files]") {
  ModelWeights model = open_model_weights(model_folder());
  REQUIRE(model.layout == ModelLayout::diffusers_folder);
  REQUIRE_FALSE(model.sdxl_base);
  ModelConfigs configs = read_diffusers_configs(model_folder());
  REQUIRE(same_config(model.configs.unet, configs.unet));
  // The safetensors files of each component, as listed in the fixture's files.
  for (Component component : kAllComponents) {
    const auto& part = model.at(component);
    INFO(component_name(component));
    REQUIRE_FALSE(part.tensors.empty());
    REQUIRE(part.source.find(std::string(component_name(component)) + "/") != std::string::npos);
  }
  REQUIRE(model.at(Component::vae).tensors.count("decoder.mid_block.attentions.0.to_q.weight"));
  REQUIRE(model.at(Component::text_encoder_2).tensors.count("text_projection.weight"));
}

TEST_CASE("single file and diffusers folder give the same diffusers-named tensors",
          "[sdxl][model_files]") {
  ModelWeights folder = open_model_weights(model_folder());
  ModelLoadOptions options;
  options.config_folder = model_folder();
  ModelWeights single = open_model_weights(single_file(), options);
  REQUIRE(single.layout == ModelLayout::single_file);

  for (Component component : kAllComponents) {
    const StateDict& a = folder.at(component).tensors;
    const StateDict& b = single.at(component).tensors;
    INFO(component_name(component));
    REQUIRE(keys(a) == keys(b));
    for (const auto& [name, tensor] : a) {
      INFO(name);
      const torch::Tensor& other = b.at(name);
      REQUIRE(other.scalar_type() == tensor.scalar_type());  // both fp16
      REQUIRE(other.sizes() == tensor.sizes());
      REQUIRE(torch::equal(other, tensor));
    }
  }
  // Each component holds every tensor its folder's safetensors files hold.
  for (Component component : kAllComponents) {
    INFO(component_name(component));
    REQUIRE(folder.at(component).tensors.size() == stored_tensor_count(component));
  }
}

TEST_CASE("configurations detected from the single file equal the config.json ones",
          "[sdxl][model_files]") {
  ModelConfigs expected = read_diffusers_configs(model_folder());
  SafetensorsFile file = SafetensorsFile::open(single_file());
  ModelConfigs detected = detect_configs(tensor_shapes(file), single_file().string(), &expected);
  CHECK(same_config(detected.unet, expected.unet));
  CHECK(same_config(detected.vae, expected.vae));
  CHECK(same_config(detected.text_encoder, expected.text_encoder));
  CHECK(same_config(detected.text_encoder_2, expected.text_encoder_2));

  // Without a configuration, the tiny model's heads are not what SDXL's conventions give:
  // detection must say so rather than guess.
  REQUIRE_THROWS_AS(detect_configs(tensor_shapes(file), single_file().string()),
                    dgxpx::util::InputError);
  REQUIRE_THROWS_AS(open_model_weights(single_file()), dgxpx::util::InputError);

  // The shape-decided fields do not depend on what is known: detect with SDXL base's
  // settings for the rest and compare those fields.
  ModelConfigs base_known{sdxl_base_unet_config(), sdxl_base_vae_config(),
                          sdxl_base_text_encoder_config(), sdxl_base_text_encoder_2_config()};
  base_known.unet.attention_heads = expected.unet.attention_heads;
  try {
    detect_configs(tensor_shapes(file), single_file().string(), &base_known);
    FAIL("SDXL base's configuration must not fit the tiny weights");
  } catch (const dgxpx::util::InputError& error) {
    std::string what = error.what();
    std::string channels;
    for (int64_t c : expected.unet.block_out_channels) channels += (channels.empty() ? "" : ", ") + std::to_string(c);
    REQUIRE(what.find("block_out_channels=[" + channels + "]") != std::string::npos);
  }
}

TEST_CASE("every fixture diffusers name maps back to a key of the single file",
          "[sdxl][model_files]") {
  ModelWeights folder = open_model_weights(model_folder());
  CheckpointNames names(folder.configs.unet, folder.configs.vae);
  SafetensorsFile file = SafetensorsFile::open(single_file());
  std::set<std::string> single_keys;
  for (const auto& entry : file.entries()) single_keys.insert(entry.name);

  std::set<std::string> reached;
  for (Component component : kAllComponents) {
    for (const auto& [name, tensor] : folder.at(component).tensors) {
      INFO(component_name(component) << " " << name);
      auto single_name = names.to_single_file(component, name);
      REQUIRE(single_name.has_value());
      REQUIRE(single_keys.count(*single_name));
      reached.insert(*single_name);
    }
  }
  REQUIRE(reached == single_keys);  // and every key of the single file is reached
}

TEST_CASE("the single file's converted tensors keep the official layouts' meaning",
          "[sdxl][model_files]") {
  ModelLoadOptions options;
  options.config_folder = model_folder();
  ModelWeights single = open_model_weights(single_file(), options);
  SafetensorsFile file = SafetensorsFile::open(single_file());
  const auto& te2 = single.at(Component::text_encoder_2).tensors;
  // text_projection is stored [hidden, proj] for x @ P; the Linear weight is its transpose.
  REQUIRE(torch::equal(te2.at("text_projection.weight"),
                       file.tensor("conditioner.embedders.1.model.text_projection").t()));
  // q, k, v are the thirds of in_proj, in that order (checked on the last layer).
  const std::string layer = std::to_string(single.configs.text_encoder_2.num_hidden_layers - 1);
  torch::Tensor packed =
      file.tensor("conditioner.embedders.1.model.transformer.resblocks." + layer + ".attn.in_proj_weight");
  torch::Tensor joined =
      torch::cat({te2.at("text_model.encoder.layers." + layer + ".self_attn.q_proj.weight"),
                  te2.at("text_model.encoder.layers." + layer + ".self_attn.k_proj.weight"),
                  te2.at("text_model.encoder.layers." + layer + ".self_attn.v_proj.weight")});
  REQUIRE(torch::equal(joined, packed));
  // VAE mid attention: [C, C, 1, 1] -> [C, C].
  REQUIRE(single.at(Component::vae).tensors.at("decoder.mid_block.attentions.0.to_v.weight").dim() ==
          2);
}

TEST_CASE("pickle weights and unknown single-file tensors are refused by name",
          "[sdxl][model_files]") {
  fs::path dir = fs::temp_directory_path() / ("dgxpx_model_files_test_" + std::to_string(::getpid()));
  fs::create_directories(dir);

  fs::path ckpt = dir / "model.ckpt";
  std::ofstream(ckpt) << "not a safetensors file";
  REQUIRE_THROWS_WITH(open_model_weights(ckpt), Catch::Contains("pickle"));

  // The fixture's single file plus one stray tensor.
  SafetensorsFile file = SafetensorsFile::open(single_file());
  std::map<std::string, torch::Tensor> tensors;
  for (const auto& entry : file.entries()) tensors[entry.name] = file.tensor(entry);
  tensors["model.diffusion_model.input_blocks.1.1.proj_in.weight"] = torch::zeros({2, 2});
  tensors["model_ema.num_updates"] = torch::zeros({1});
  fs::path extended = dir / "extended.safetensors";
  write_safetensors(extended, tensors);
  ModelLoadOptions options;
  options.config_folder = model_folder();
  try {
    open_model_weights(extended, options);
    FAIL("expected an InputError");
  } catch (const dgxpx::util::InputError& error) {
    std::string what = error.what();
    INFO(what);
    REQUIRE(what.find(extended.string()) != std::string::npos);
    REQUIRE(what.find("2 tensors are not part of an SDXL checkpoint") != std::string::npos);
    REQUIRE(what.find("model.diffusion_model.input_blocks.1.1.proj_in.weight [2, 2]") !=
            std::string::npos);
    REQUIRE(what.find("model_ema.num_updates [1]") != std::string::npos);
  }
  fs::remove_all(dir);
}

TEST_CASE("both layouts load strictly into the networks built from their configurations",
          "[sdxl][model_files]") {
  ModelLoadOptions options;
  options.config_folder = model_folder();
  for (const fs::path& path : {model_folder(), single_file()}) {
    INFO(path.string());
    ModelWeights model = open_model_weights(path, options);
    auto fp32 = torch::TensorOptions().dtype(torch::kFloat32);
    UNet unet(model.configs.unet, fp32);
    Vae vae(model.configs.vae, fp32);
    ClipTextModel text_encoder(model.configs.text_encoder, fp32);
    ClipTextModel text_encoder_2(model.configs.text_encoder_2, fp32);
    auto unet_summary = load_component(*unet, model, Component::unet);
    auto vae_summary = load_component(*vae, model, Component::vae);
    auto te_summary = load_component(*text_encoder, model, Component::text_encoder);
    auto te2_summary = load_component(*text_encoder_2, model, Component::text_encoder_2);
    // Parameter counts cases.json's model_summary records.
    REQUIRE(unet_summary.elements == recorded_params(Component::unet));
    REQUIRE(vae_summary.elements == recorded_params(Component::vae));
    REQUIRE(te_summary.elements == recorded_params(Component::text_encoder));
    REQUIRE(te2_summary.elements == recorded_params(Component::text_encoder_2));
    REQUIRE(unet_summary.conversion == "fp16→fp32");
    // Loaded values are the stored fp16 values.
    REQUIRE(torch::equal(text_encoder_2->text_projection->weight,
                         model.at(Component::text_encoder_2)
                             .tensors.at("text_projection.weight")
                             .to(torch::kFloat32)));
  }
}
