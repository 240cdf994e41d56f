// SDXL base at real size on the meta device (no weights allocated): every parameter of our
// networks has a single-file key, and the shapes those keys would hold detect back as SDXL
// base's configurations. (Checking the keys against a real checkpoint's list is the networks'
// real-scale test; this one closes the loop between the name tables and detection.)
#include "tests/support/catch_torch.h"
#include <set>

#include "compiler/sdxl/checkpoint_names.h"
#include "compiler/sdxl/clip_text_model.h"
#include "compiler/sdxl/config_detect.h"
#include "compiler/sdxl/unet.h"
#include "compiler/sdxl/vae.h"

using namespace dgxpx::sdxl;

namespace {

// The shape a single file stores for a diffusers tensor of `shape` under `transform`.
std::vector<int64_t> stored_shape(std::vector<int64_t> shape, TensorTransform transform) {
  switch (transform) {
    case TensorTransform::none: return shape;
    case TensorTransform::transpose: return {shape[1], shape[0]};
    case TensorTransform::conv1x1_to_linear: return {shape[0], shape[1], 1, 1};
    case TensorTransform::in_proj_q:
    case TensorTransform::in_proj_k:
    case TensorTransform::in_proj_v: shape[0] *= 3; return shape;
  }
  return shape;
}

void add_single_file_shapes(const CheckpointNames& names, Component component,
                            const torch::nn::Module& module, TensorShapes& shapes,
                            std::set<std::string>& unmapped) {
  for (const auto& item : module.named_parameters(/*recurse=*/true)) {
    auto key = names.to_single_file(component, item.key());
    if (!key) {
      unmapped.insert(std::string(component_name(component)) + " " + item.key());
      continue;
    }
    auto targets = names.to_diffusers(*key);
    REQUIRE(targets);
    bool found = false;
    for (const auto& target : *targets) {
      if (target.component != component || target.name != item.key()) continue;
      shapes[*key] = stored_shape(item.value().sizes().vec(), target.transform);
      found = true;
    }
    INFO(item.key() << " -> " << *key);
    REQUIRE(found);  // the two directions agree
  }
}

}  // namespace

TEST_CASE("SDXL base's parameters all have single-file keys whose shapes detect as SDXL base",
          "[sdxl][names][detect]") {
  auto meta = torch::TensorOptions().dtype(torch::kFloat16).device(torch::kMeta);
  CheckpointNames names(sdxl_base_unet_config(), sdxl_base_vae_config());
  TensorShapes shapes;
  std::set<std::string> unmapped;
  add_single_file_shapes(names, Component::unet, *UNet(sdxl_base_unet_config(), meta), shapes,
                         unmapped);
  add_single_file_shapes(names, Component::vae, *Vae(sdxl_base_vae_config(), meta), shapes,
                         unmapped);
  add_single_file_shapes(names, Component::text_encoder,
                         *ClipTextModel(sdxl_base_text_encoder_config(), meta), shapes, unmapped);
  add_single_file_shapes(names, Component::text_encoder_2,
                         *ClipTextModel(sdxl_base_text_encoder_2_config(), meta), shapes,
                         unmapped);
  INFO(unmapped.size() << " unmapped, first: " << (unmapped.empty() ? "" : *unmapped.begin()));
  REQUIRE(unmapped.empty());

  ModelConfigs detected = detect_configs(shapes, "sdxl_base.safetensors");
  INFO(describe(detected.unet));
  REQUIRE(is_sdxl_base(detected));

  // Spot checks against keys of stabilityai's sd_xl_base_1.0.safetensors.
  for (const char* key : {
           "model.diffusion_model.input_blocks.8.1.transformer_blocks.9.ff.net.0.proj.weight",
           "model.diffusion_model.output_blocks.2.2.conv.weight",
           "model.diffusion_model.output_blocks.5.2.conv.weight",
           "model.diffusion_model.middle_block.1.transformer_blocks.9.attn2.to_v.weight",
           "model.diffusion_model.label_emb.0.2.weight",
           "first_stage_model.decoder.up.0.block.0.nin_shortcut.weight",
           "first_stage_model.encoder.mid.attn_1.q.weight",
           "conditioner.embedders.0.transformer.text_model.encoder.layers.11.self_attn.q_proj.weight",
           "conditioner.embedders.1.model.transformer.resblocks.31.attn.in_proj_weight",
           "conditioner.embedders.1.model.text_projection",
           "conditioner.embedders.1.model.positional_embedding",
       }) {
    INFO(key);
    REQUIRE(shapes.count(key));
  }
  REQUIRE(shapes.at("conditioner.embedders.1.model.transformer.resblocks.31.attn.in_proj_weight") ==
          std::vector<int64_t>{3840, 1280});
  REQUIRE(shapes.at("first_stage_model.encoder.mid.attn_1.q.weight") ==
          std::vector<int64_t>{512, 512, 1, 1});
}
