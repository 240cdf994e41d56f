#include "compiler/sdxl/model_files.h"

#include <set>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "compiler/util/atomic_file.h"
#include "compiler/util/error.h"

namespace dgxpx::sdxl {
namespace {

namespace fs = std::filesystem;

constexpr size_t kMaxNamesListed = 100;

[[noreturn]] void fail(const fs::path& where, const std::string& message) {
  throw util::InputError(util::SourceLocation{where.string(), 0, 0}, message);
}

std::string weights_basename(const fs::path& component_folder) {
  std::string name = component_folder.filename().string();
  return name.rfind("text_encoder", 0) == 0 ? "model" : "diffusion_pytorch_model";
}

// Shards listed in a "*.safetensors.index.json" (its "weight_map": tensor -> shard file).
std::vector<fs::path> shard_files(const fs::path& index) {
  auto text = util::read_file_or_throw(index);
  nlohmann::json json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object() || !json.contains("weight_map") ||
      !json["weight_map"].is_object())
    fail(index, "expected a JSON object with a \"weight_map\" object");
  std::set<std::string> names;
  for (const auto& [tensor, file] : json["weight_map"].items()) {
    if (!file.is_string())
      fail(index, "weight_map entry '" + tensor + "': " + util::expected_got("a file name",
                                                                             file.dump()));
    const std::string& shard = file.get_ref<const std::string&>();
    if (shard.empty() || shard.find('/') != std::string::npos || shard == "." || shard == "..")
      fail(index, "weight_map entry '" + tensor + "': shard '" + shard +
                      "' must be a file name in the same folder");
    names.insert(shard);
  }
  std::vector<fs::path> files;
  for (const auto& shard : names) files.push_back(index.parent_path() / shard);
  return files;
}

StateDict read_diffusers_component(const fs::path& folder, Component component,
                                   std::string& source) {
  StateDict tensors;
  for (const auto& path : diffusers_weight_files(folder)) {
    SafetensorsFile file = SafetensorsFile::open(path);
    source += (source.empty() ? "" : ", ") + path.string();
    for (const auto& entry : file.entries()) {
      std::string name =
          component == Component::vae ? modern_vae_name(entry.name) : entry.name;
      if (!tensors.emplace(name, file.tensor(entry)).second)
        fail(path, "tensor '" + entry.name + "' is stored twice (another shard or a legacy name)");
    }
  }
  return tensors;
}

torch::Tensor apply_transform(const torch::Tensor& stored, TensorTransform transform,
                              const TensorEntry& entry, const fs::path& file) {
  auto bad_shape = [&](const std::string& expected) {
    fail(file, "tensor '" + entry.name + "': " +
                   util::expected_got(expected, shape_string(stored.sizes())));
  };
  switch (transform) {
    case TensorTransform::none: return stored;
    case TensorTransform::transpose:
      if (stored.dim() != 2) bad_shape("2 dimensions [hidden, projection]");
      return stored.t();
    case TensorTransform::conv1x1_to_linear:
      if (stored.dim() == 2) return stored;  // already stored as a Linear weight
      if (stored.dim() != 4 || stored.size(2) != 1 || stored.size(3) != 1)
        bad_shape("a 1x1 convolution weight [out, in, 1, 1]");
      return stored.reshape({stored.size(0), stored.size(1)});  // a view: contiguous input
    case TensorTransform::in_proj_q:
    case TensorTransform::in_proj_k:
    case TensorTransform::in_proj_v: {
      if (stored.dim() < 1 || stored.size(0) % 3 != 0)
        bad_shape("a packed q/k/v tensor with 3 x hidden rows");
      int64_t part = transform == TensorTransform::in_proj_q   ? 0
                     : transform == TensorTransform::in_proj_k ? 1
                                                               : 2;
      int64_t rows = stored.size(0) / 3;
      return stored.narrow(0, part * rows, rows);
    }
  }
  return stored;
}

void list_names(std::string& message, const std::vector<std::string>& names) {
  for (size_t i = 0; i < names.size() && i < kMaxNamesListed; ++i) message += "\n    " + names[i];
  if (names.size() > kMaxNamesListed)
    message += "\n    ... and " + std::to_string(names.size() - kMaxNamesListed) + " more";
}

ModelWeights open_diffusers_folder(const fs::path& folder) {
  ModelWeights model;
  model.layout = ModelLayout::diffusers_folder;
  model.path = folder;
  model.configs = read_diffusers_configs(folder);
  for (Component component : kAllComponents) {
    ComponentWeights weights;
    weights.tensors = read_diffusers_component(folder / std::string(component_name(component)),
                                               component, weights.source);
    model.components[component] = std::move(weights);
  }
  return model;
}

ModelWeights open_single_file(const fs::path& path, const ModelLoadOptions& options) {
  SafetensorsFile file = SafetensorsFile::open(path);
  ModelWeights model;
  model.layout = ModelLayout::single_file;
  model.path = path;
  if (options.config_folder) {
    ModelConfigs known = read_diffusers_configs(*options.config_folder);
    model.configs = detect_configs(tensor_shapes(file), path.string(), &known);
  } else {
    model.configs = detect_configs(tensor_shapes(file), path.string());
  }
  CheckpointNames names(model.configs.unet, model.configs.vae);
  auto dicts = convert_single_file(file, names);
  for (Component component : kAllComponents)
    model.components[component] = ComponentWeights{std::move(dicts[component]), path.string()};
  return model;
}

}  // namespace

std::vector<fs::path> diffusers_weight_files(const fs::path& component_folder) {
  if (!fs::is_directory(component_folder))
    fail(component_folder, "expected a diffusers component folder");
  const std::string base = weights_basename(component_folder);
  for (const char* variant : {"", ".fp16"}) {
    fs::path single = component_folder / (base + variant + ".safetensors");
    if (fs::is_regular_file(single)) return {single};
    fs::path index = component_folder / (base + variant + ".safetensors.index.json");
    if (fs::is_regular_file(index)) return shard_files(index);
  }
  for (const char* pickle : {".bin", ".fp16.bin", ".ckpt"})
    if (fs::exists(component_folder / (base + pickle)))
      fail(component_folder / (base + pickle),
           "only .safetensors weights are loaded (pickle files can run code); convert this "
           "file to safetensors");
  fail(component_folder, "expected " + base + ".safetensors (or an fp16 variant or a sharded "
                         "index) in this folder");
}

ModelConfigs read_diffusers_configs(const fs::path& folder) {
  ModelConfigs configs;
  configs.unet = read_unet_config(folder / "unet" / "config.json");
  configs.vae = read_vae_config(folder / "vae" / "config.json");
  configs.text_encoder = read_clip_text_config(folder / "text_encoder" / "config.json");
  configs.text_encoder_2 = read_clip_text_config(folder / "text_encoder_2" / "config.json");
  return configs;
}

TensorShapes tensor_shapes(const SafetensorsFile& file) {
  TensorShapes shapes;
  for (const auto& entry : file.entries()) shapes.emplace(entry.name, entry.shape);
  return shapes;
}

std::map<Component, StateDict> convert_single_file(const SafetensorsFile& file,
                                                   const CheckpointNames& names) {
  std::map<Component, StateDict> dicts;
  std::map<std::pair<Component, std::string>, std::string> provided_by;
  std::vector<std::string> unknown;
  for (const auto& entry : file.entries()) {
    auto targets = names.to_diffusers(entry.name);
    if (!targets) {
      unknown.push_back(entry.name + " " + shape_string(entry.shape));
      continue;
    }
    if (targets->empty()) continue;  // a known non-weight
    torch::Tensor stored = file.tensor(entry);
    for (const auto& target : *targets) {
      auto [it, inserted] = provided_by.emplace(std::make_pair(target.component, target.name),
                                                entry.name);
      if (!inserted)
        fail(file.path(), "tensors '" + it->second + "' and '" + entry.name +
                              "' both provide " + std::string(component_name(target.component)) +
                              " '" + target.name + "'");
      dicts[target.component][target.name] =
          apply_transform(stored, target.transform, entry, file.path());
    }
  }
  if (!unknown.empty()) {
    std::string message = std::to_string(unknown.size()) +
                          " tensors are not part of an SDXL checkpoint this loader knows:";
    list_names(message, unknown);
    fail(file.path(), message);
  }
  return dicts;
}

ModelWeights open_model_weights(const fs::path& path, const ModelLoadOptions& options) {
  ModelWeights model;
  if (fs::is_directory(path)) {
    if (!fs::is_regular_file(path / "model_index.json"))
      fail(path, "expected a diffusers folder with model_index.json (or a .safetensors file)");
    model = open_diffusers_folder(path);
  } else if (fs::is_regular_file(path)) {
    if (path.extension() != ".safetensors")
      fail(path, "only .safetensors checkpoints are loaded (pickle .ckpt/.bin files can run "
                 "code); convert this file to safetensors");
    model = open_single_file(path, options);
  } else {
    fail(path, "model not found (expected a diffusers folder or a .safetensors file)");
  }
  model.sdxl_base = is_sdxl_base(model.configs);
  spdlog::debug("opened {} ({}{})", path.string(),
                model.layout == ModelLayout::single_file ? "single file" : "diffusers folder",
                model.sdxl_base ? ", SDXL base configuration" : "");
  return model;
}

LoadSummary load_component(torch::nn::Module& module, const ModelWeights& weights,
                           Component component) {
  const ComponentWeights& part = weights.at(component);
  return load_state_dict(module, part.tensors, std::string(component_name(component)),
                         part.source);
}

}  // namespace dgxpx::sdxl
