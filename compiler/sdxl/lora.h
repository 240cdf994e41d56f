#pragma once
// LoRA files and their application to loaded networks. A LoRA adds a low-rank delta to a
// layer's weight: W' = W + weight * (alpha / rank) * (up @ down). Three key layouts are read:
//   kohya / sd-scripts:  lora_unet_<sgm or diffusers name with '_'>.lora_down.weight / .lora_up.weight / .alpha,
//                        lora_te1_* (CLIP-L), lora_te2_* (OpenCLIP bigG), lora_te_* (= te1)
//   diffusers (0.2x):    unet.<module>.lora.down.weight / .lora.up.weight,
//                        text_encoder(_2).<module>.lora_linear_layer.down.weight / .up.weight
//   PEFT:                unet.<module>.lora_A.weight / .lora_B.weight (optional
//                        "base_model.model." inside the prefix), text_encoder(_2).<module>...
// Any layout may carry "<module>.alpha"; without it alpha = rank (scale 1), which is how
// diffusers stores pre-scaled up weights.
// Applying keeps the original weights of every touched tensor, so remove() restores them
// exactly and switching LoRA sets never drifts.
// References (layouts, not code): kohya-ss/sd-scripts networks/lora.py; diffusers v0.24.0
// loaders.py (LoraLoaderMixin, _maybe_map_sgm_blocks_to_diffusers, _fuse_lora);
// huggingface/peft tuners/lora.
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "compiler/sdxl/checkpoint_names.h"

namespace dgxpx::sdxl {

enum class LoraFormat { kohya, diffusers, peft };
const char* to_string(LoraFormat format);

/// The networks a LoRA can touch, by component (text encoders, UNet). Not owned.
struct LoraTargets {
  torch::nn::Module* unet = nullptr;
  torch::nn::Module* text_encoder = nullptr;
  torch::nn::Module* text_encoder_2 = nullptr;
  /// Single-file (SGM) names for kohya UNet keys (lora_unet_input_blocks_4_1_...).
  const CheckpointNames* names = nullptr;
};

/// One low-rank update of one weight tensor.
struct LoraLayer {
  Component component = Component::unet;
  std::string module;    // diffusers module name inside the component ("...attn2.to_k")
  torch::Tensor down;    // [r, in] or [r, in, kh, kw], float32
  torch::Tensor up;      // [out, r] or [out, r, 1, 1], float32, already multiplied by scale
  double scale = 1.0;    // alpha / rank (1 without an alpha), for reports
  std::string source_key;  // the file's key prefix, for messages
};

/// A parsed LoRA file, resolved against the target networks.
struct LoraFile {
  std::filesystem::path path;
  LoraFormat format = LoraFormat::kohya;
  std::vector<LoraLayer> layers;
  /// Keys that name no layer of the targets, or that no layout knows (LoHa, DoRA, ...).
  std::vector<std::string> unknown_keys;
};

/// Reads `path` (safetensors) and resolves every key against `targets`. Shapes are checked
/// against the target weights. Throws util::InputError naming the file for a file whose keys
/// match no layout, a half pair (down without up), a shape that does not fit its target, or a
/// non-scalar alpha; util::RuntimeFailure on I/O errors. Unknown keys are returned (and logged
/// as a warning listing them), not fatal.
LoraFile read_lora(const std::filesystem::path& path, const LoraTargets& targets);

/// The same from tensors already in memory (`name` is used in messages).
LoraFile parse_lora(const std::map<std::string, torch::Tensor>& tensors, const std::string& name,
                    const LoraTargets& targets);

/// A LoRA file with the weight it is applied at.
struct WeightedLora {
  const LoraFile* file = nullptr;
  double weight = 1.0;
};

/// Applies LoRA sets to networks and takes them off again.
class LoraPatcher {
 public:
  explicit LoraPatcher(LoraTargets targets) : targets_(targets) {}
  ~LoraPatcher() = default;
  LoraPatcher(const LoraPatcher&) = delete;
  LoraPatcher& operator=(const LoraPatcher&) = delete;

  /// Replaces whatever is applied by `loras`: every touched weight becomes
  /// original + sum_i weight_i * scale_i * (up_i @ down_i), computed in float32 and stored in the
  /// weight's dtype. Throws util::InputError if a layer names a module the targets lack (cannot
  /// happen for files read against the same targets).
  void apply(const std::vector<WeightedLora>& loras);

  /// Restores the original weights bit for bit and forgets them.
  void remove();

  /// Number of weight tensors currently patched.
  size_t patched_count() const { return originals_.size(); }

 private:
  LoraTargets targets_;
  std::map<std::string, std::pair<torch::Tensor, torch::Tensor>> originals_;  // key -> (param, copy)
};

/// The "<module>.weight" parameter of `component` in `targets` (the tensor a LoRA layer on
/// `module` updates), or an undefined tensor when there is none.
torch::Tensor lora_target_weight(const LoraTargets& targets, Component component,
                                 const std::string& module);

}  // namespace dgxpx::sdxl
