#pragma once
// Prompt encoding as StableDiffusionXLPipeline.encode_prompt does it (diffusers v0.24.0,
// pipelines/stable_diffusion_xl/pipeline_stable_diffusion_xl.py): both encoders' hidden states
// hidden_states[-(clip_skip+2)] concatenated on channels (text_encoder first), the pooled
// embedding from text_encoder_2's projection, and the negative side for classifier-free
// guidance: zeros when no negative prompt is given (force_zeros_for_empty_prompt), else the
// negative prompt encoded like the prompt ("" included). Tokenisation is the caller's: it
// comes in as token ids, or through a TokenizeFn.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "compiler/sdxl/clip_text_model.h"

namespace dgxpx::sdxl {

/// Token ids of a batch of texts for each encoder: [B, L] int64 (L = 77 for SDXL).
struct PromptTokenIds {
  torch::Tensor text_encoder;    // from tokenizer
  torch::Tensor text_encoder_2;  // from tokenizer_2 (pads with a different id)
};

struct PromptEncodingOptions {
  bool classifier_free_guidance = true;
  int64_t num_images_per_prompt = 1;
  /// hidden_states[-(clip_skip+2)] for the prompt; diffusers keeps [-2] for the negative side.
  int64_t clip_skip = 0;
  /// The pipeline's force_zeros_for_empty_prompt (true for SDXL base).
  bool force_zeros_for_empty_prompt = true;
};

/// What the UNet is conditioned on. Negatives are undefined without classifier-free guidance.
struct PromptEmbeddings {
  torch::Tensor prompt_embeds;                  // [B*n, L, C1+C2]
  torch::Tensor negative_prompt_embeds;         // [B*n, L, C1+C2]
  torch::Tensor pooled_prompt_embeds;           // [B*n, P]
  torch::Tensor negative_pooled_prompt_embeds;  // [B*n, P]
};

/// encode_prompt from token ids. `negative` nullopt means negative_prompt=None: zeros when
/// options.force_zeros_for_empty_prompt, else the caller must tokenize "" and pass it (a
/// TORCH_CHECK says so). Each prompt repeats num_images_per_prompt times consecutively
/// ([p0, p0, p1, p1]). Outputs have text_encoder_2's dtype. TORCH_CHECKs batch sizes.
PromptEmbeddings encode_prompt_ids(ClipTextModel& text_encoder, ClipTextModel& text_encoder_2,
                                   const PromptTokenIds& prompt,
                                   const std::optional<PromptTokenIds>& negative,
                                   const PromptEncodingOptions& options);

/// Texts -> [texts.size(), L] int64 ids with tokenizer 1 (`encoder` 0) or tokenizer_2 (1).
using TokenizeFn = std::function<torch::Tensor(const std::vector<std::string>& texts, int encoder)>;

/// encode_prompt's arguments that are texts; nullopt stands for Python's None.
struct PromptTexts {
  std::vector<std::string> prompt;
  std::optional<std::vector<std::string>> prompt_2;           // None: prompt
  std::optional<std::vector<std::string>> negative_prompt;    // None: zeros (see options)
  std::optional<std::vector<std::string>> negative_prompt_2;  // None: negative_prompt
};

/// encode_prompt from texts. A negative list of one text applies to every prompt; otherwise it
/// must have one text per prompt (util::InputError if not). With force_zeros_for_empty_prompt
/// false, a missing negative prompt is encoded as "".
PromptEmbeddings encode_prompt(ClipTextModel& text_encoder, ClipTextModel& text_encoder_2,
                               const TokenizeFn& tokenize, const PromptTexts& texts,
                               const PromptEncodingOptions& options);

}  // namespace dgxpx::sdxl
