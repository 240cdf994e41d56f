#include "compiler/sdxl/checkpoint_names.h"

#include <array>
#include <utility>

namespace dgxpx::sdxl {
namespace {

using Rule = CheckpointNames::Rule;
using Inner = CheckpointNames::Inner;

struct ModulePair {
  std::string_view single_file;
  std::string_view diffusers;
  TensorTransform weight_transform = TensorTransform::none;  // applied to ".weight" only
};

// sgm ResBlock (openaimodel.py) -> diffusers ResnetBlock2D. in_layers/out_layers are
// nn.Sequential: index 1 is SiLU, index 2 of out_layers is Dropout, so they hold no tensors.
constexpr ModulePair kUNetResnet[] = {
    {"in_layers.0", "norm1"},          {"in_layers.2", "conv1"},
    {"emb_layers.1", "time_emb_proj"}, {"out_layers.0", "norm2"},
    {"out_layers.3", "conv2"},         {"skip_connection", "conv_shortcut"},
};

// ldm/sgm autoencoder ResnetBlock -> diffusers ResnetBlock2D.
constexpr ModulePair kVaeResnet[] = {
    {"norm1", "norm1"}, {"conv1", "conv1"}, {"norm2", "norm2"},
    {"conv2", "conv2"}, {"nin_shortcut", "conv_shortcut"},
};

// ldm AttnBlock uses 1x1 convolutions where diffusers' Attention uses Linear layers.
constexpr ModulePair kVaeAttention[] = {
    {"norm", "group_norm"},
    {"q", "to_q", TensorTransform::conv1x1_to_linear},
    {"k", "to_k", TensorTransform::conv1x1_to_linear},
    {"v", "to_v", TensorTransform::conv1x1_to_linear},
    {"proj_out", "to_out.0", TensorTransform::conv1x1_to_linear},
};

// OpenCLIP ResidualAttentionBlock -> HF CLIPEncoderLayer; attn.in_proj_* is handled apart
// because one stored tensor feeds three diffusers tensors.
constexpr ModulePair kOpenClipBlock[] = {
    {"ln_1", "layer_norm1"},
    {"ln_2", "layer_norm2"},
    {"mlp.c_fc", "mlp.fc1"},
    {"mlp.c_proj", "mlp.fc2"},
    {"attn.out_proj", "self_attn.out_proj"},
};

constexpr std::array<std::pair<std::string_view, TensorTransform>, 3> kInProjParts = {{
    {"self_attn.q_proj", TensorTransform::in_proj_q},
    {"self_attn.k_proj", TensorTransform::in_proj_k},
    {"self_attn.v_proj", TensorTransform::in_proj_v},
}};

// Tensors real checkpoints carry that are not weights of our modules: CLIP's position_ids
// buffer (arange, int64 in official SDXL files) and OpenCLIP's contrastive logit_scale and
// causal attn_mask. diffusers' own single-file loader drops them too.
constexpr std::string_view kIgnoredKeys[] = {
    "conditioner.embedders.0.transformer.text_model.embeddings.position_ids",
    "conditioner.embedders.1.model.logit_scale",
    "conditioner.embedders.1.model.attn_mask",
};

// The fixed CLIP tables (relative to the component prefix).
const std::vector<Rule>& text_encoder_rules() {
  // HF CLIPTextModel is stored as is under "conditioner.embedders.0.transformer.".
  static const std::vector<Rule> rules = {{"", "", Inner::keep}};
  return rules;
}

const std::vector<Rule>& text_encoder_2_rules() {
  static const std::vector<Rule> rules = {
      {"token_embedding.weight", "text_model.embeddings.token_embedding.weight"},
      {"positional_embedding", "text_model.embeddings.position_embedding.weight"},
      {"ln_final.", "text_model.final_layer_norm."},
      // Official SDXL files store the projection for `x @ P`; the Linear weight is P^T.
      {"text_projection", "text_projection.weight", Inner::keep, TensorTransform::transpose},
      // diffusers' convert_diffusers_to_original_sdxl.py writes the Linear weight as is.
      {"text_projection.weight", "text_projection.weight"},
      {"transformer.resblocks.", "text_model.encoder.layers.", Inner::openclip_block},
  };
  return rules;
}

bool is_prefix_rule(const std::string& key) { return key.empty() || key.back() == '.'; }

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

template <size_t N>
const ModulePair* find_module(const ModulePair (&table)[N], std::string_view module,
                              bool from_single_file) {
  for (const auto& pair : table)
    if ((from_single_file ? pair.single_file : pair.diffusers) == module) return &pair;
  return nullptr;
}

std::pair<std::string_view, std::string_view> split_leaf(std::string_view path) {
  auto dot = path.rfind('.');
  if (dot == std::string_view::npos) return {{}, path};
  return {path.substr(0, dot), path.substr(dot + 1)};
}

// Renames `path` (below a rule's prefix) through a module table, either direction.
template <size_t N>
std::optional<std::pair<std::string, TensorTransform>> rename_module(
    const ModulePair (&table)[N], std::string_view path, bool from_single_file) {
  auto [module, leaf] = split_leaf(path);
  const ModulePair* pair = find_module(table, module, from_single_file);
  if (!pair || leaf.empty()) return std::nullopt;
  std::string_view renamed = from_single_file ? pair->diffusers : pair->single_file;
  TensorTransform transform = leaf == "weight" ? pair->weight_transform : TensorTransform::none;
  return std::make_pair(std::string(renamed) + "." + std::string(leaf), transform);
}

std::optional<std::pair<std::string, TensorTransform>> rename_inner(Inner inner,
                                                                    std::string_view path,
                                                                    bool from_single_file) {
  switch (inner) {
    case Inner::keep: return std::make_pair(std::string(path), TensorTransform::none);
    case Inner::unet_resnet: return rename_module(kUNetResnet, path, from_single_file);
    case Inner::vae_resnet: return rename_module(kVaeResnet, path, from_single_file);
    case Inner::vae_attention: return rename_module(kVaeAttention, path, from_single_file);
    case Inner::openclip_block: break;  // needs the layer index; see callers
  }
  return std::nullopt;
}

// The rule whose key (single-file or diffusers side) matches `name` most specifically; ties
// go to the earlier rule.
const Rule* match_rule(const std::vector<Rule>& rules, std::string_view name,
                       bool from_single_file) {
  const Rule* best = nullptr;
  size_t best_length = 0;
  for (const auto& rule : rules) {
    const std::string& key = from_single_file ? rule.single_file : rule.diffusers;
    bool matches = is_prefix_rule(rule.single_file) ? starts_with(name, key) : name == key;
    if (matches && (!best || key.size() > best_length)) {
      best = &rule;
      best_length = key.size();
    }
  }
  return best;
}

bool has_attention(const std::vector<std::string>& block_types, size_t level) {
  return level < block_types.size() && starts_with(block_types[level], "CrossAttn");
}

std::string str(size_t value) { return std::to_string(value); }

// sgm UNetModel numbering: input_blocks[0] is conv_in, then per level `layers_per_block`
// [ResBlock, SpatialTransformer?] blocks and a Downsample block (not after the last level);
// output_blocks hold `layers_per_block + 1` blocks per level, the last one of each level but
// the final level ending in an Upsample after the optional SpatialTransformer.
std::vector<Rule> build_unet_rules(const UNetConfig& config) {
  std::vector<Rule> rules = {
      {"time_embed.0.", "time_embedding.linear_1."},
      {"time_embed.2.", "time_embedding.linear_2."},  // time_embed.1 is SiLU
      {"label_emb.0.0.", "add_embedding.linear_1."},
      {"label_emb.0.2.", "add_embedding.linear_2."},  // label_emb.0.1 is SiLU
      {"input_blocks.0.0.", "conv_in."},
      {"middle_block.0.", "mid_block.resnets.0.", Inner::unet_resnet},
      {"middle_block.1.", "mid_block.attentions.0."},
      {"middle_block.2.", "mid_block.resnets.1.", Inner::unet_resnet},
      {"out.0.", "conv_norm_out."},
      {"out.2.", "conv_out."},  // out.1 is SiLU
  };
  const size_t levels = config.block_out_channels.size();
  const size_t per_level = static_cast<size_t>(config.layers_per_block) + 1;
  for (size_t level = 0; level < levels; ++level) {
    const std::string down = "down_blocks." + str(level) + ".";
    for (size_t j = 0; j + 1 < per_level; ++j) {
      const std::string block = "input_blocks." + str(1 + level * per_level + j) + ".";
      rules.push_back({block + "0.", down + "resnets." + str(j) + ".", Inner::unet_resnet});
      if (has_attention(config.down_block_types, level))
        rules.push_back({block + "1.", down + "attentions." + str(j) + "."});
    }
    if (level + 1 < levels)
      rules.push_back({"input_blocks." + str((level + 1) * per_level) + ".0.op.",
                       down + "downsamplers.0.conv."});

    const std::string up = "up_blocks." + str(level) + ".";
    const bool up_attention = has_attention(config.up_block_types, level);
    for (size_t j = 0; j < per_level; ++j) {
      const std::string block = "output_blocks." + str(level * per_level + j) + ".";
      rules.push_back({block + "0.", up + "resnets." + str(j) + ".", Inner::unet_resnet});
      if (up_attention) rules.push_back({block + "1.", up + "attentions." + str(j) + "."});
    }
    if (level + 1 < levels)
      rules.push_back({"output_blocks." + str(level * per_level + per_level - 1) + "." +
                           (up_attention ? "2" : "1") + ".conv.",
                       up + "upsamplers.0.conv."});
  }
  return rules;
}

// ldm Encoder/Decoder numbering: encoder.down[i] runs from the highest resolution, decoder.up[i]
// from the lowest, so decoder.up[i] is diffusers' decoder.up_blocks[levels - 1 - i].
std::vector<Rule> build_vae_rules(const VaeConfig& config) {
  std::vector<Rule> rules = {
      {"quant_conv.", "quant_conv."},
      {"post_quant_conv.", "post_quant_conv."},
  };
  const size_t levels = config.block_out_channels.size();
  const size_t per_level = static_cast<size_t>(config.layers_per_block);
  for (const std::string coder : {"encoder.", "decoder."}) {
    rules.push_back({coder + "conv_in.", coder + "conv_in."});
    rules.push_back({coder + "conv_out.", coder + "conv_out."});
    rules.push_back({coder + "norm_out.", coder + "conv_norm_out."});
    rules.push_back({coder + "mid.block_1.", coder + "mid_block.resnets.0.", Inner::vae_resnet});
    rules.push_back({coder + "mid.block_2.", coder + "mid_block.resnets.1.", Inner::vae_resnet});
    rules.push_back(
        {coder + "mid.attn_1.", coder + "mid_block.attentions.0.", Inner::vae_attention});
  }
  for (size_t level = 0; level < levels; ++level) {
    const std::string down = "encoder.down." + str(level) + ".";
    const std::string down_blocks = "encoder.down_blocks." + str(level) + ".";
    for (size_t j = 0; j < per_level; ++j)
      rules.push_back({down + "block." + str(j) + ".", down_blocks + "resnets." + str(j) + ".",
                       Inner::vae_resnet});
    if (level + 1 < levels)
      rules.push_back({down + "downsample.conv.", down_blocks + "downsamplers.0.conv."});

    const std::string up = "decoder.up." + str(levels - 1 - level) + ".";
    const std::string up_blocks = "decoder.up_blocks." + str(level) + ".";
    for (size_t j = 0; j < per_level + 1; ++j)
      rules.push_back({up + "block." + str(j) + ".", up_blocks + "resnets." + str(j) + ".",
                       Inner::vae_resnet});
    if (level + 1 < levels)
      rules.push_back({up + "upsample.conv.", up_blocks + "upsamplers.0.conv."});
  }
  return rules;
}

// OpenCLIP resblock path "N.rest" <-> HF layer path "N.rest'".
std::optional<std::vector<std::pair<std::string, TensorTransform>>> rename_openclip_block(
    std::string_view path, bool from_single_file) {
  auto dot = path.find('.');
  if (dot == std::string_view::npos || dot == 0) return std::nullopt;
  std::string_view index = path.substr(0, dot + 1);
  for (char c : index.substr(0, dot))
    if (c < '0' || c > '9') return std::nullopt;
  std::string_view rest = path.substr(dot + 1);
  std::vector<std::pair<std::string, TensorTransform>> out;
  if (from_single_file) {
    if (rest == "attn.in_proj_weight" || rest == "attn.in_proj_bias") {
      std::string_view leaf = rest == "attn.in_proj_weight" ? "weight" : "bias";
      for (const auto& [module, transform] : kInProjParts)
        out.emplace_back(std::string(index) + std::string(module) + "." + std::string(leaf),
                         transform);
      return out;
    }
  } else {
    auto [module, leaf] = split_leaf(rest);
    for (const auto& part : kInProjParts)
      if (module == part.first && (leaf == "weight" || leaf == "bias")) {
        out.emplace_back(std::string(index) + "attn.in_proj_" + std::string(leaf),
                         TensorTransform::none);
        return out;
      }
  }
  auto renamed = rename_module(kOpenClipBlock, rest, from_single_file);
  if (!renamed) return std::nullopt;
  out.emplace_back(std::string(index) + renamed->first, renamed->second);
  return out;
}

}  // namespace

std::string_view component_name(Component component) {
  switch (component) {
    case Component::unet: return "unet";
    case Component::vae: return "vae";
    case Component::text_encoder: return "text_encoder";
    case Component::text_encoder_2: return "text_encoder_2";
  }
  return "?";
}

std::string_view single_file_prefix(Component component) {
  switch (component) {
    case Component::unet: return "model.diffusion_model.";
    case Component::vae: return "first_stage_model.";
    case Component::text_encoder: return "conditioner.embedders.0.transformer.";
    case Component::text_encoder_2: return "conditioner.embedders.1.model.";
  }
  return "?";
}

CheckpointNames::CheckpointNames(const UNetConfig& unet, const VaeConfig& vae)
    : unet_rules_(build_unet_rules(unet)), vae_rules_(build_vae_rules(vae)) {}

const std::vector<CheckpointNames::Rule>& CheckpointNames::rules(Component component) const {
  switch (component) {
    case Component::unet: return unet_rules_;
    case Component::vae: return vae_rules_;
    case Component::text_encoder: return text_encoder_rules();
    case Component::text_encoder_2: break;
  }
  return text_encoder_2_rules();
}

std::optional<std::vector<DiffusersTarget>> CheckpointNames::to_diffusers(
    std::string_view name) const {
  for (std::string_view ignored : kIgnoredKeys)
    if (name == ignored) return std::vector<DiffusersTarget>{};
  for (Component component : kAllComponents) {
    std::string_view prefix = single_file_prefix(component);
    if (!starts_with(name, prefix)) continue;
    std::string_view rest = name.substr(prefix.size());
    const Rule* rule = match_rule(rules(component), rest, /*from_single_file=*/true);
    if (!rule) return std::nullopt;
    std::string_view path = rest.substr(rule->single_file.size());
    std::vector<DiffusersTarget> targets;
    if (!is_prefix_rule(rule->single_file)) {
      targets.push_back({component, rule->diffusers, rule->transform});
    } else if (rule->inner == Inner::openclip_block) {
      auto renamed = rename_openclip_block(path, /*from_single_file=*/true);
      if (!renamed) return std::nullopt;
      for (auto& [inner_name, transform] : *renamed)
        targets.push_back({component, rule->diffusers + inner_name, transform});
    } else {
      auto renamed = rename_inner(rule->inner, path, /*from_single_file=*/true);
      if (!renamed || renamed->first.empty()) return std::nullopt;
      targets.push_back({component, rule->diffusers + renamed->first, renamed->second});
    }
    return targets;
  }
  return std::nullopt;
}

std::optional<std::string> CheckpointNames::to_single_file(Component component,
                                                           std::string_view diffusers_name) const {
  const Rule* rule = match_rule(rules(component), diffusers_name, /*from_single_file=*/false);
  if (!rule) return std::nullopt;
  std::string out(single_file_prefix(component));
  std::string_view path = diffusers_name.substr(rule->diffusers.size());
  if (!is_prefix_rule(rule->single_file)) return out + rule->single_file;
  if (rule->inner == Inner::openclip_block) {
    auto renamed = rename_openclip_block(path, /*from_single_file=*/false);
    if (!renamed) return std::nullopt;
    return out + rule->single_file + renamed->front().first;
  }
  auto renamed = rename_inner(rule->inner, path, /*from_single_file=*/false);
  if (!renamed || renamed->first.empty()) return std::nullopt;
  return out + rule->single_file + renamed->first;
}

std::string modern_vae_name(std::string_view diffusers_name) {
  // diffusers < 0.14 AttentionBlock names (convert_vae_pt_to_diffusers.py era).
  static constexpr std::pair<std::string_view, std::string_view> kLegacy[] = {
      {".query.", ".to_q."},
      {".key.", ".to_k."},
      {".value.", ".to_v."},
      {".proj_attn.", ".to_out.0."},
  };
  std::string name(diffusers_name);
  auto attention = name.find("mid_block.attentions.0.");
  if (attention == std::string::npos) return name;
  for (const auto& [old_part, new_part] : kLegacy) {
    auto at = name.find(old_part, attention + std::string_view("mid_block.attentions.0").size());
    if (at != std::string::npos) return name.replace(at, old_part.size(), new_part);
  }
  return name;
}

}  // namespace dgxpx::sdxl
