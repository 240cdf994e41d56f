#pragma once
// CLIP text transformer as SDXL uses it: CLIP ViT-L ("text_encoder", quick-GELU) and
// OpenCLIP ViT-bigG ("text_encoder_2", GELU, with text_projection). Module names equal the
// transformers state-dict keys (text_model.encoder.layers.N.self_attn.q_proj.weight, ...).
// Reference: transformers/models/clip/modeling_clip.py (CLIPTextModel,
// CLIPTextModelWithProjection), https://github.com/huggingface/transformers
#include <cstdint>

#include <torch/torch.h>

#include "compiler/sdxl/config.h"
#include "compiler/sdxl/layers.h"

namespace dgxpx::sdxl {

/// Token + learned absolute position embeddings (CLIPTextEmbeddings).
class ClipTextEmbeddingsImpl : public torch::nn::Module {
 public:
  ClipTextEmbeddingsImpl(const ClipTextConfig& config, const torch::TensorOptions& options);
  /// ids [B, L] int64 -> [B, L, C]
  torch::Tensor forward(const torch::Tensor& input_ids);

  Embedding token_embedding{nullptr};     // [vocab, C]
  Embedding position_embedding{nullptr};  // [max_positions, C]
};
TORCH_MODULE(ClipTextEmbeddings);

/// Causal multi-head self-attention (CLIPAttention).
class ClipAttentionImpl : public torch::nn::Module {
 public:
  ClipAttentionImpl(const ClipTextConfig& config, const torch::TensorOptions& options);
  /// [B, L, C] -> [B, L, C]
  torch::Tensor forward(const torch::Tensor& x);

  Linear k_proj{nullptr}, v_proj{nullptr}, q_proj{nullptr}, out_proj{nullptr};
  int64_t heads;
};
TORCH_MODULE(ClipAttention);

/// fc1 -> activation -> fc2 (CLIPMLP).
class ClipMlpImpl : public torch::nn::Module {
 public:
  ClipMlpImpl(const ClipTextConfig& config, const torch::TensorOptions& options);
  /// [B, L, C] -> [B, L, C]
  torch::Tensor forward(const torch::Tensor& x);

  Linear fc1{nullptr}, fc2{nullptr};
  bool quick_gelu;
};
TORCH_MODULE(ClipMlp);

/// Pre-norm transformer layer (CLIPEncoderLayer).
class ClipEncoderLayerImpl : public torch::nn::Module {
 public:
  ClipEncoderLayerImpl(const ClipTextConfig& config, const torch::TensorOptions& options);
  /// [B, L, C] -> [B, L, C]
  torch::Tensor forward(const torch::Tensor& x);

  ClipAttention self_attn{nullptr};
  LayerNorm layer_norm1{nullptr};
  ClipMlp mlp{nullptr};
  LayerNorm layer_norm2{nullptr};
};
TORCH_MODULE(ClipEncoderLayer);

/// The layer stack (CLIPEncoder); only holds `layers` so keys read encoder.layers.N.
class ClipEncoderImpl : public torch::nn::Module {
 public:
  ClipEncoderImpl(const ClipTextConfig& config, const torch::TensorOptions& options);
  torch::nn::ModuleList layers;
};
TORCH_MODULE(ClipEncoder);

/// embeddings, encoder, final_layer_norm (CLIPTextTransformer).
class ClipTextTransformerImpl : public torch::nn::Module {
 public:
  ClipTextTransformerImpl(const ClipTextConfig& config, const torch::TensorOptions& options);

  ClipTextEmbeddings embeddings{nullptr};
  ClipEncoder encoder{nullptr};
  LayerNorm final_layer_norm{nullptr};
};
TORCH_MODULE(ClipTextTransformer);

/// What SDXL takes from a text encoder.
struct ClipTextOutput {
  torch::Tensor hidden_state;       // [B, L, C] hidden_states[-(clip_skip+2)]: no final LN
  torch::Tensor last_hidden_state;  // [B, L, C] final_layer_norm(output of every layer)
  torch::Tensor pooled;             // [B, C] last_hidden_state at argmax(input_ids)
  torch::Tensor text_embeds;        // [B, P] text_projection(pooled); undefined without one
};

/// CLIPTextModel (projection_dim == 0) or CLIPTextModelWithProjection (projection_dim > 0).
class ClipTextModelImpl : public torch::nn::Module {
 public:
  /// Builds the network with uninitialised parameters of `options` (dtype, device; kMeta for
  /// shape bookkeeping only).
  ClipTextModelImpl(const ClipTextConfig& config, const torch::TensorOptions& options);

  /// Runs ids [B, L] (int64, L <= max_position_embeddings) without an attention mask: padding
  /// tokens are attended to, as the SDXL pipeline does. `clip_skip` k selects
  /// hidden_states[-(k+2)] (0 = the penultimate layer SDXL uses). The pooled token is the first
  /// position of the largest id (the first EOS, 49407), transformers' legacy eos_token_id == 2
  /// rule. TORCH_CHECKs shapes, id range and clip_skip in [0, num_hidden_layers - 1].
  ClipTextOutput forward(const torch::Tensor& input_ids, int64_t clip_skip = 0);

  const ClipTextConfig& config() const { return config_; }

  ClipTextTransformer text_model{nullptr};
  Linear text_projection{nullptr};  // [P, C], no bias; null without projection

 private:
  ClipTextConfig config_;
};
TORCH_MODULE(ClipTextModel);

}  // namespace dgxpx::sdxl
