#pragma once
// The one place that converts tensor names between the single-file (original Stability / SGM)
// layout and diffusers naming, in both directions, from tables. Our modules use diffusers names
// (named_parameters() == diffusers state-dict keys), so a single file is renamed on load and a
// diffusers name can be mapped back to the key a real checkpoint stores it under.
// References (layouts, not code):
//   diffusers v0.24.0 scripts/convert_diffusers_to_original_sdxl.py (UNet, VAE, CLIP tables)
//   https://github.com/huggingface/diffusers/blob/v0.24.0/scripts/convert_diffusers_to_original_sdxl.py
//   diffusers v0.24.0 convert_from_ckpt.py convert_open_clip_checkpoint (OpenCLIP -> HF CLIP)
//   https://github.com/huggingface/diffusers/blob/v0.24.0/src/diffusers/pipelines/stable_diffusion/convert_from_ckpt.py
//   Stability generative-models sgm/modules/diffusionmodules/openaimodel.py (input_blocks, ...)
//   https://github.com/Stability-AI/generative-models/blob/main/sgm/modules/diffusionmodules/openaimodel.py
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/sdxl/config.h"

namespace dgxpx::sdxl {

/// The four weight-carrying parts of an SDXL model.
enum class Component { unet, vae, text_encoder, text_encoder_2 };
inline constexpr Component kAllComponents[] = {Component::unet, Component::vae,
                                               Component::text_encoder,
                                               Component::text_encoder_2};

/// "unet", "vae", "text_encoder", "text_encoder_2" (also the diffusers folder names).
std::string_view component_name(Component component);

/// The key prefix of a component inside a single-file checkpoint, e.g. "model.diffusion_model.".
std::string_view single_file_prefix(Component component);

/// What turns a stored single-file tensor into the diffusers one.
enum class TensorTransform {
  none,
  transpose,          // OpenCLIP text_projection [hidden, proj] -> Linear weight [proj, hidden]
  conv1x1_to_linear,  // VAE mid-attention q/k/v/proj_out [C, C, 1, 1] -> Linear [C, C]
  in_proj_q,          // first third (rows) of OpenCLIP attn.in_proj_weight / in_proj_bias
  in_proj_k,          // second third
  in_proj_v,          // last third
};

/// One diffusers tensor a single-file tensor provides.
struct DiffusersTarget {
  Component component;
  std::string name;  // diffusers name inside the component, e.g. "conv_in.weight"
  TensorTransform transform = TensorTransform::none;
};

/// Name tables for one model. UNet and VAE block numbering depends on the configuration (levels,
/// layers per block, which levels have attention); the CLIP tables are fixed.
class CheckpointNames {
 public:
  CheckpointNames(const UNetConfig& unet, const VaeConfig& vae);

  /// Where the single-file tensor `name` goes: usually one target; three for OpenCLIP's packed
  /// in_proj (q, k, v); none for a known non-weight (CLIP position_ids, OpenCLIP logit_scale).
  /// nullopt when no table knows the name.
  std::optional<std::vector<DiffusersTarget>> to_diffusers(std::string_view name) const;

  /// The single-file key that stores `diffusers_name` of `component` (the inverse of
  /// to_diffusers; text_encoder_2's q/k/v_proj all map to the shared "attn.in_proj_weight" /
  /// "attn.in_proj_bias" key, and its text_projection.weight to the official
  /// "...model.text_projection" key). nullopt when no table knows the name.
  std::optional<std::string> to_single_file(Component component,
                                            std::string_view diffusers_name) const;

  /// How the path below a rule's prefix is renamed.
  enum class Inner { keep, unet_resnet, vae_resnet, vae_attention, openclip_block };
  /// One rule of a table: tensors under `single_file` are tensors under `diffusers` (both
  /// relative to the component; prefixes end in '.', anything else is an exact key).
  struct Rule {
    std::string single_file;
    std::string diffusers;
    Inner inner = Inner::keep;
    TensorTransform transform = TensorTransform::none;  // for exact keys
  };
  /// The rules of one component, for tests and tools.
  const std::vector<Rule>& rules(Component component) const;

 private:
  std::vector<Rule> unet_rules_;
  std::vector<Rule> vae_rules_;
};

/// Maps names of older diffusers VAE folders (mid-block attention "query", "key", "value",
/// "proj_attn", before diffusers 0.14) to today's ("to_q", "to_k", "to_v", "to_out.0"); other
/// names are returned unchanged.
std::string modern_vae_name(std::string_view diffusers_name);

}  // namespace dgxpx::sdxl
