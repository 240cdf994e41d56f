#pragma once
// Opening an SDXL model as people download it: a diffusers folder (model_index.json, unet/,
// vae/, text_encoder/, text_encoder_2/, each with config.json and safetensors weights) or a
// single-file checkpoint in the original Stability layout. Either way the result is, per
// component, a configuration and a diffusers-named StateDict of views over the mapped files,
// ready for load_state_dict(). Only safetensors are read: pickle (.bin/.ckpt) can run code.
#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "compiler/sdxl/checkpoint_names.h"
#include "compiler/sdxl/config_detect.h"
#include "compiler/sdxl/safetensors.h"
#include "compiler/sdxl/state_dict.h"

namespace dgxpx::sdxl {

enum class ModelLayout { diffusers_folder, single_file };

/// One component's weights.
struct ComponentWeights {
  StateDict tensors;   // diffusers names
  std::string source;  // the file(s) they came from, for messages
};

/// A whole model, opened but not yet loaded into networks.
struct ModelWeights {
  ModelLayout layout = ModelLayout::diffusers_folder;
  std::filesystem::path path;
  ModelConfigs configs;
  bool sdxl_base = false;  // the configurations are SDXL base 1.0's
  std::map<Component, ComponentWeights> components;  // all four

  /// The weights of `component` (always present after open_model_weights).
  const ComponentWeights& at(Component component) const { return components.at(component); }
};

struct ModelLoadOptions {
  /// For a single file: a diffusers folder (or one holding just unet/, vae/, text_encoder/,
  /// text_encoder_2/ config.json files) supplying what the shapes cannot, such as attention
  /// heads; it must agree with the weights. Unused for diffusers folders.
  std::optional<std::filesystem::path> config_folder;
};

/// Opens `path`: a folder with model_index.json, or a .safetensors single file. Configurations
/// come from config.json (folders) or detect_configs() (single files). Throws util::InputError
/// naming the file (and tensors) for anything unexpected: missing components or configs,
/// pickle-only weights, malformed safetensors, single-file tensors no table knows (listed by
/// name), a tensor of an unsupported dtype; util::RuntimeFailure on I/O errors.
ModelWeights open_model_weights(const std::filesystem::path& path,
                                const ModelLoadOptions& options = {});

/// The four config.json files of a diffusers folder. Throws util::InputError.
ModelConfigs read_diffusers_configs(const std::filesystem::path& folder);

/// The weights file(s) of one diffusers component folder: "<name>.safetensors", else the fp16
/// variant "<name>.fp16.safetensors", else the shards of "<name>[.fp16].safetensors.index.json"
/// (name: diffusion_pytorch_model or model). Throws util::InputError if none is there.
std::vector<std::filesystem::path> diffusers_weight_files(
    const std::filesystem::path& component_folder);

/// Single-file tensor name -> shape, the input of detect_configs().
TensorShapes tensor_shapes(const SafetensorsFile& file);

/// Splits a single-file checkpoint into per-component diffusers-named dicts through `names`
/// (renaming, splitting OpenCLIP's in_proj, transposing text_projection, reshaping VAE 1x1
/// convolutions). Known non-weights are dropped. Throws util::InputError listing every name no
/// table knows, naming a tensor whose shape does not fit its transform, or two stored tensors
/// that provide the same diffusers tensor.
std::map<Component, StateDict> convert_single_file(const SafetensorsFile& file,
                                                   const CheckpointNames& names);

/// load_state_dict() for one component of an opened model.
LoadSummary load_component(torch::nn::Module& module, const ModelWeights& weights,
                           Component component);

}  // namespace dgxpx::sdxl
