#include "compiler/sdxl/clip_text_model.h"

#include <string>

#include "compiler/sdxl/attention.h"

namespace dgxpx::sdxl {

ClipTextEmbeddingsImpl::ClipTextEmbeddingsImpl(const ClipTextConfig& config,
                                               const torch::TensorOptions& options) {
  token_embedding =
      register_module("token_embedding", Embedding(config.vocab_size, config.hidden_size, options));
  position_embedding = register_module(
      "position_embedding", Embedding(config.max_position_embeddings, config.hidden_size, options));
}

torch::Tensor ClipTextEmbeddingsImpl::forward(const torch::Tensor& input_ids) {
  const int64_t length = input_ids.size(1);
  auto positions = torch::arange(length, input_ids.options().dtype(torch::kLong));
  // [B, L, C] + [1, L, C]
  return token_embedding(input_ids) + position_embedding(positions).unsqueeze(0);
}

ClipAttentionImpl::ClipAttentionImpl(const ClipTextConfig& config,
                                     const torch::TensorOptions& options)
    : heads(config.num_attention_heads) {
  const int64_t c = config.hidden_size;
  TORCH_CHECK(c % heads == 0, "CLIP: hidden_size ", c, " not divisible by ", heads, " heads");
  k_proj = register_module("k_proj", Linear(c, c, true, options));
  v_proj = register_module("v_proj", Linear(c, c, true, options));
  q_proj = register_module("q_proj", Linear(c, c, true, options));
  out_proj = register_module("out_proj", Linear(c, c, true, options));
}

torch::Tensor ClipAttentionImpl::forward(const torch::Tensor& x) {
  auto attended =
      multi_head_attention(q_proj(x), k_proj(x), v_proj(x), heads, AttentionMask::causal);
  return out_proj(attended);
}

ClipMlpImpl::ClipMlpImpl(const ClipTextConfig& config, const torch::TensorOptions& options) {
  if (config.hidden_act == "quick_gelu") {
    quick_gelu = true;
  } else {
    TORCH_CHECK(config.hidden_act == "gelu", "CLIP: unsupported hidden_act '", config.hidden_act,
                "' (expected quick_gelu or gelu)");
    quick_gelu = false;
  }
  fc1 = register_module("fc1", Linear(config.hidden_size, config.intermediate_size, true, options));
  fc2 = register_module("fc2", Linear(config.intermediate_size, config.hidden_size, true, options));
}

torch::Tensor ClipMlpImpl::forward(const torch::Tensor& x) {
  auto h = fc1(x);
  // quick_gelu(x) = x * sigmoid(1.702 x) (OpenAI CLIP); gelu is the exact erf form.
  h = quick_gelu ? h * torch::sigmoid(1.702 * h) : torch::gelu(h);
  return fc2(h);
}

ClipEncoderLayerImpl::ClipEncoderLayerImpl(const ClipTextConfig& config,
                                           const torch::TensorOptions& options) {
  self_attn = register_module("self_attn", ClipAttention(config, options));
  layer_norm1 =
      register_module("layer_norm1", LayerNorm(config.hidden_size, config.layer_norm_eps, options));
  mlp = register_module("mlp", ClipMlp(config, options));
  layer_norm2 =
      register_module("layer_norm2", LayerNorm(config.hidden_size, config.layer_norm_eps, options));
}

torch::Tensor ClipEncoderLayerImpl::forward(const torch::Tensor& x) {
  auto h = x + self_attn(layer_norm1(x));
  return h + mlp(layer_norm2(h));
}

ClipEncoderImpl::ClipEncoderImpl(const ClipTextConfig& config,
                                 const torch::TensorOptions& options) {
  layers = register_module("layers", torch::nn::ModuleList());
  for (int64_t i = 0; i < config.num_hidden_layers; ++i)
    layers->push_back(ClipEncoderLayer(config, options));
}

ClipTextTransformerImpl::ClipTextTransformerImpl(const ClipTextConfig& config,
                                                 const torch::TensorOptions& options) {
  embeddings = register_module("embeddings", ClipTextEmbeddings(config, options));
  encoder = register_module("encoder", ClipEncoder(config, options));
  final_layer_norm = register_module("final_layer_norm",
                                     LayerNorm(config.hidden_size, config.layer_norm_eps, options));
}

ClipTextModelImpl::ClipTextModelImpl(const ClipTextConfig& config,
                                     const torch::TensorOptions& options)
    : config_(config) {
  text_model = register_module("text_model", ClipTextTransformer(config, options));
  if (config.projection_dim > 0)
    text_projection = register_module(
        "text_projection", Linear(config.hidden_size, config.projection_dim, false, options));
}

ClipTextOutput ClipTextModelImpl::forward(const torch::Tensor& input_ids, int64_t clip_skip) {
  TORCH_CHECK(input_ids.dim() == 2, "CLIP: input_ids must be [B, L], got ", input_ids.sizes());
  TORCH_CHECK(input_ids.size(1) >= 1 && input_ids.size(1) <= config_.max_position_embeddings,
              "CLIP: sequence length ", input_ids.size(1), " outside [1, ",
              config_.max_position_embeddings, "]");
  const int64_t n_layers = config_.num_hidden_layers;
  TORCH_CHECK(clip_skip >= 0 && clip_skip <= n_layers - 1, "CLIP: clip_skip ", clip_skip,
              " outside [0, ", n_layers - 1, "]");

  ClipTextOutput out;
  auto h = text_model->embeddings(input_ids);  // hidden_states[0]
  // hidden_states[-(k+2)] is the output after n_layers - 1 - k layers.
  const int64_t keep_after = n_layers - 1 - clip_skip;
  if (keep_after == 0) out.hidden_state = h;
  for (int64_t i = 0; i < n_layers; ++i) {
    h = text_model->encoder->layers->ptr<ClipEncoderLayerImpl>(i)->forward(h);
    if (i + 1 == keep_after) out.hidden_state = h;
  }
  out.last_hidden_state = text_model->final_layer_norm(h);
  // [B, L, C] -> [B, C] at the first position of the largest id
  auto eos = input_ids.argmax(-1);
  auto rows = torch::arange(input_ids.size(0), eos.options());
  out.pooled = out.last_hidden_state.index({rows, eos});
  if (text_projection) out.text_embeds = text_projection(out.pooled);
  return out;
}

}  // namespace dgxpx::sdxl
