#include "compiler/sdxl/lora.h"

#include <algorithm>
#include <optional>
#include <unordered_map>

#include <spdlog/spdlog.h>

#include "compiler/sdxl/safetensors.h"
#include "compiler/sdxl/state_dict.h"
#include "compiler/util/error.h"

namespace dgxpx::sdxl {
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}
bool starts_with(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}
std::string underscored(std::string s) {
  std::replace(s.begin(), s.end(), '.', '_');
  return s;
}

torch::nn::Module* module_of(const LoraTargets& targets, Component component) {
  switch (component) {
    case Component::unet: return targets.unet;
    case Component::text_encoder: return targets.text_encoder;
    case Component::text_encoder_2: return targets.text_encoder_2;
    case Component::vae: return nullptr;
  }
  return nullptr;
}

struct ModuleRef {
  Component component;
  std::string module;
};

// Every way a file may name each LoRA-able layer (a 2-D or 4-D "weight") of the targets.
class TargetIndex {
 public:
  explicit TargetIndex(const LoraTargets& targets) {
    for (Component component : {Component::unet, Component::text_encoder, Component::text_encoder_2}) {
      torch::nn::Module* module = module_of(targets, component);
      if (!module) continue;
      for (const auto& item : module->named_parameters(/*recurse=*/true)) {
        const std::string& name = item.key();
        const auto dims = item.value().dim();
        if (!ends_with(name, ".weight") || (dims != 2 && dims != 4)) continue;
        const std::string layer = name.substr(0, name.size() - 7);
        const ModuleRef ref{component, layer};
        const std::string folder{component_name(component)};
        dotted_[folder + "." + layer] = ref;
        switch (component) {
          case Component::unet: {
            underscored_["lora_unet_" + underscored(layer)] = ref;
            if (targets.names) {
              // kohya's SDXL keys use the original SGM block names.
              if (auto sgm = targets.names->to_single_file(component, name)) {
                std::string inner = *sgm;
                const std::string prefix{single_file_prefix(component)};
                if (starts_with(inner, prefix)) inner = inner.substr(prefix.size());
                if (ends_with(inner, ".weight")) inner = inner.substr(0, inner.size() - 7);
                underscored_["lora_unet_" + underscored(inner)] = ref;
              }
            }
            break;
          }
          case Component::text_encoder:
            underscored_["lora_te1_" + underscored(layer)] = ref;
            underscored_["lora_te_" + underscored(layer)] = ref;
            break;
          case Component::text_encoder_2:
            underscored_["lora_te2_" + underscored(layer)] = ref;
            break;
          case Component::vae: break;
        }
      }
    }
  }

  std::optional<ModuleRef> find(const std::string& prefix) const {
    if (starts_with(prefix, "lora_")) {
      auto it = underscored_.find(prefix);
      if (it != underscored_.end()) return it->second;
      return std::nullopt;
    }
    auto it = dotted_.find(normalize_dotted(prefix));
    if (it != dotted_.end()) return it->second;
    return std::nullopt;
  }

 private:
  // "unet.base_model.model.X" / "base_model.model.unet.X" -> "unet.X"; diffusers' attention
  // processor layout "X.processor.to_q_lora" -> "X.to_q" ("to_out_lora" -> "to_out.0").
  static std::string normalize_dotted(std::string prefix) {
    const std::string peft = "base_model.model.";
    if (starts_with(prefix, peft)) prefix = prefix.substr(peft.size());
    const auto dot = prefix.find('.');
    if (dot != std::string::npos && prefix.compare(dot + 1, peft.size(), peft) == 0)
      prefix.erase(dot + 1, peft.size());
    const std::string processor = ".processor.";
    const auto p = prefix.find(processor);
    if (p != std::string::npos && ends_with(prefix, "_lora")) {
      std::string proj = prefix.substr(p + processor.size());
      proj = proj.substr(0, proj.size() - 5);
      if (proj == "to_out") proj = "to_out.0";
      prefix = prefix.substr(0, p) + "." + proj;
    }
    return prefix;
  }

  std::unordered_map<std::string, ModuleRef> underscored_;
  std::unordered_map<std::string, ModuleRef> dotted_;
};

enum class Part { down, up, alpha };

struct KeySuffix {
  const char* suffix;
  Part part;
  LoraFormat format;
};
// Longest first where one suffix ends another.
const KeySuffix kSuffixes[] = {
    {".lora_linear_layer.down.weight", Part::down, LoraFormat::diffusers},
    {".lora_linear_layer.up.weight", Part::up, LoraFormat::diffusers},
    {".lora.down.weight", Part::down, LoraFormat::diffusers},
    {".lora.up.weight", Part::up, LoraFormat::diffusers},
    {".lora_down.weight", Part::down, LoraFormat::kohya},
    {".lora_up.weight", Part::up, LoraFormat::kohya},
    {".lora_A.weight", Part::down, LoraFormat::peft},
    {".lora_B.weight", Part::up, LoraFormat::peft},
    {".down.weight", Part::down, LoraFormat::diffusers},  // attention-processor layout
    {".up.weight", Part::up, LoraFormat::diffusers},
    {".alpha", Part::alpha, LoraFormat::kohya},
};

struct PendingLayer {
  torch::Tensor down, up, alpha;
  std::vector<std::string> keys;
};

}  // namespace

const char* to_string(LoraFormat format) {
  switch (format) {
    case LoraFormat::kohya: return "kohya";
    case LoraFormat::diffusers: return "diffusers";
    case LoraFormat::peft: return "peft";
  }
  return "?";
}

torch::Tensor lora_target_weight(const LoraTargets& targets, Component component,
                                 const std::string& module) {
  torch::nn::Module* root = module_of(targets, component);
  if (!root) return {};
  auto params = root->named_parameters(/*recurse=*/true);
  if (const auto* p = params.find(module + ".weight")) return *p;
  return {};
}

LoraFile parse_lora(const std::map<std::string, torch::Tensor>& tensors, const std::string& name,
                    const LoraTargets& targets) {
  const TargetIndex index(targets);
  LoraFile file;
  file.path = name;
  std::map<std::string, PendingLayer> pending;  // file key prefix -> parts
  std::map<std::string, ModuleRef> resolved;
  std::map<LoraFormat, int> format_votes;

  for (const auto& [key, tensor] : tensors) {
    const KeySuffix* match = nullptr;
    for (const auto& s : kSuffixes)
      if (ends_with(key, s.suffix)) { match = &s; break; }
    if (!match) { file.unknown_keys.push_back(key); continue; }
    const std::string prefix = key.substr(0, key.size() - std::string(match->suffix).size());
    auto ref = index.find(prefix);
    if (!ref) { file.unknown_keys.push_back(key); continue; }
    if (match->part != Part::alpha) format_votes[match->format]++;
    resolved.emplace(prefix, *ref);
    auto& layer = pending[prefix];
    layer.keys.push_back(key);
    torch::Tensor& slot = match->part == Part::down ? layer.down
                          : match->part == Part::up ? layer.up : layer.alpha;
    if (slot.defined())
      throw util::InputError(name + ": LoRA layer '" + prefix + "' has two " +
                             (match->part == Part::alpha ? "alpha" : "down/up") + " tensors");
    slot = tensor;
  }
  if (pending.empty())
    throw util::InputError(util::expected_got(
        name + ": LoRA keys of a known layout (kohya lora_down/lora_up, diffusers lora.down/lora.up, PEFT lora_A/lora_B) naming layers of this model",
        std::to_string(tensors.size()) + " tensors, none matching"));

  int best = -1;
  for (const auto& [format, votes] : format_votes)
    if (votes > best) { best = votes; file.format = format; }

  for (auto& [prefix, parts] : pending) {
    const ModuleRef& ref = resolved.at(prefix);
    if (!parts.down.defined() || !parts.up.defined()) {
      // An alpha alone, or half a pair, cannot be applied: report the keys by name.
      if (!parts.down.defined() && !parts.up.defined()) {
        for (const auto& k : parts.keys) file.unknown_keys.push_back(k);
        continue;
      }
      throw util::InputError(name + ": LoRA layer '" + prefix + "' has a " +
                             (parts.down.defined() ? "down" : "up") + " weight but no " +
                             (parts.down.defined() ? "up" : "down") + " weight");
    }
    const torch::Tensor weight = lora_target_weight(targets, ref.component, ref.module);
    torch::Tensor down = parts.down.to(torch::kFloat32);
    torch::Tensor up = parts.up.to(torch::kFloat32);
    const bool shapes_ok = down.dim() == weight.dim() && up.dim() == weight.dim() &&
                           down.size(0) == up.size(1) && up.size(0) == weight.size(0) &&
                           down.size(1) == weight.size(1) &&
                           (weight.dim() == 2 ||
                            (down.size(2) == weight.size(2) && down.size(3) == weight.size(3) &&
                             up.size(2) == 1 && up.size(3) == 1));
    if (!shapes_ok)
      throw util::InputError(util::expected_got(
          name + ": LoRA layer '" + prefix + "' for " + std::string(component_name(ref.component)) +
              "." + ref.module + " " + shape_string(weight.sizes()) + ": down/up shapes that fit it",
          "down " + shape_string(down.sizes()) + ", up " + shape_string(up.sizes())));
    const int64_t rank = down.size(0);
    LoraLayer layer;
    layer.component = ref.component;
    layer.module = ref.module;
    layer.source_key = prefix;
    if (parts.alpha.defined()) {
      if (parts.alpha.numel() != 1)
        throw util::InputError(util::expected_got(name + ": " + prefix + ".alpha as a scalar",
                                                  "shape " + shape_string(parts.alpha.sizes())));
      const float alpha = parts.alpha.to(torch::kFloat32).item<float>();
      // diffusers' _fuse_lora: w_up * network_alpha / rank, in float32.
      up = up * alpha / static_cast<float>(rank);
      layer.scale = static_cast<double>(alpha) / static_cast<double>(rank);
    }
    layer.down = std::move(down);
    layer.up = std::move(up);
    file.layers.push_back(std::move(layer));
  }
  std::sort(file.unknown_keys.begin(), file.unknown_keys.end());
  if (!file.unknown_keys.empty()) {
    std::string list;
    for (size_t i = 0; i < file.unknown_keys.size(); ++i)
      list += (i ? ", " : "") + file.unknown_keys[i];
    spdlog::warn("{}: {} LoRA key(s) name nothing in this model and are ignored: {}", name,
                 file.unknown_keys.size(), list);
  }
  spdlog::debug("{}: {} LoRA, {} layers", name, to_string(file.format), file.layers.size());
  return file;
}

LoraFile read_lora(const std::filesystem::path& path, const LoraTargets& targets) {
  const auto file = SafetensorsFile::open(path);
  std::map<std::string, torch::Tensor> tensors;
  for (const auto& entry : file.entries()) tensors.emplace(entry.name, file.tensor(entry));
  LoraFile lora = parse_lora(tensors, path.string(), targets);
  lora.path = path;
  return lora;
}

void LoraPatcher::apply(const std::vector<WeightedLora>& loras) {
  remove();
  torch::NoGradGuard no_grad;
  // Sum every file's delta per weight in float32 first, then add once, so the result does not
  // depend on how many files touch a weight beyond float32 summation.
  std::map<std::string, std::pair<torch::Tensor, torch::Tensor>> deltas;  // key -> (param, delta)
  for (const auto& [file, weight] : loras) {
    if (!file) continue;
    for (const auto& layer : file->layers) {
      torch::Tensor param = lora_target_weight(targets_, layer.component, layer.module);
      if (!param.defined())
        throw util::InputError(file->path.string() + ": LoRA layer " + layer.source_key +
                               " targets " + std::string(component_name(layer.component)) + "." +
                               layer.module + ", which this model does not have");
      const auto device = param.device();
      torch::Tensor up = layer.up.to(device), down = layer.down.to(device);
      // [out, r] @ [r, in] (convolutions: flattened, then back to the kernel's shape)
      torch::Tensor delta = torch::matmul(up.flatten(1), down.flatten(1)).reshape(param.sizes());
      delta = delta * static_cast<float>(weight);
      const std::string key = std::string(component_name(layer.component)) + "." + layer.module;
      auto it = deltas.find(key);
      if (it == deltas.end()) deltas.emplace(key, std::make_pair(param, delta));
      else it->second.second = it->second.second + delta;
    }
  }
  for (auto& [key, entry] : deltas) {
    auto& [param, delta] = entry;
    originals_.emplace(key, std::make_pair(param, param.clone()));
    param.copy_((param.to(torch::kFloat32) + delta).to(param.scalar_type()));
  }
}

void LoraPatcher::remove() {
  torch::NoGradGuard no_grad;
  for (auto& [key, entry] : originals_) entry.first.copy_(entry.second);
  originals_.clear();
}

}  // namespace dgxpx::sdxl
