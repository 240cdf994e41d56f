#include "compiler/sdxl/prompt_encoding.h"

#include "compiler/util/error.h"

namespace dgxpx::sdxl {

namespace {

struct EncodedSide {
  torch::Tensor embeds;  // [B, L, C1+C2]
  torch::Tensor pooled;  // [B, P]
};

EncodedSide encode_side(ClipTextModel& te1, ClipTextModel& te2, const PromptTokenIds& ids,
                        int64_t clip_skip) {
  TORCH_CHECK(ids.text_encoder.defined() && ids.text_encoder_2.defined() &&
                  ids.text_encoder.size(0) == ids.text_encoder_2.size(0),
              "encode_prompt: both encoders need ids for the same batch");
  TORCH_CHECK(te2->text_projection, "encode_prompt: text_encoder_2 needs a text_projection");
  auto out1 = te1->forward(
      ids.text_encoder.to(te1->text_model->embeddings->token_embedding->weight.device()),
      clip_skip);
  auto out2 = te2->forward(ids.text_encoder_2.to(te2->text_projection->weight.device()), clip_skip);
  // [B, L, C1] ++ [B, L, C2] -> [B, L, C1+C2]; te1's states move to te2's dtype/device.
  auto embeds =
      torch::cat({out1.hidden_state.to(out2.hidden_state.options()), out2.hidden_state}, -1);
  return {embeds, out2.text_embeds};
}

// [B, ...] -> [B*n, ...], each row repeated n times consecutively.
torch::Tensor repeat_rows(const torch::Tensor& t, int64_t n) {
  return n == 1 ? t : t.repeat_interleave(n, 0);
}

}  // namespace

PromptEmbeddings encode_prompt_ids(ClipTextModel& text_encoder, ClipTextModel& text_encoder_2,
                                   const PromptTokenIds& prompt,
                                   const std::optional<PromptTokenIds>& negative,
                                   const PromptEncodingOptions& options) {
  TORCH_CHECK(options.num_images_per_prompt >= 1, "encode_prompt: num_images_per_prompt < 1");
  torch::NoGradGuard no_grad;
  const auto positive = encode_side(text_encoder, text_encoder_2, prompt, options.clip_skip);
  PromptEmbeddings out;
  out.prompt_embeds = repeat_rows(positive.embeds, options.num_images_per_prompt);
  out.pooled_prompt_embeds = repeat_rows(positive.pooled, options.num_images_per_prompt);
  if (!options.classifier_free_guidance) return out;

  EncodedSide neg;
  if (!negative) {
    TORCH_CHECK(options.force_zeros_for_empty_prompt,
                "encode_prompt: without force_zeros_for_empty_prompt, pass the ids of \"\" as "
                "the negative prompt");
    neg = {torch::zeros_like(positive.embeds), torch::zeros_like(positive.pooled)};
  } else {
    TORCH_CHECK(negative->text_encoder.size(0) == prompt.text_encoder.size(0),
                "encode_prompt: ", negative->text_encoder.size(0), " negative prompts for ",
                prompt.text_encoder.size(0), " prompts");
    // diffusers encodes the negative side with hidden_states[-2] whatever clip_skip is.
    neg = encode_side(text_encoder, text_encoder_2, *negative, /*clip_skip=*/0);
  }
  out.negative_prompt_embeds = repeat_rows(neg.embeds, options.num_images_per_prompt);
  out.negative_pooled_prompt_embeds = repeat_rows(neg.pooled, options.num_images_per_prompt);
  return out;
}

PromptEmbeddings encode_prompt(ClipTextModel& text_encoder, ClipTextModel& text_encoder_2,
                               const TokenizeFn& tokenize, const PromptTexts& texts,
                               const PromptEncodingOptions& options) {
  const size_t batch = texts.prompt.size();
  if (batch == 0) throw util::InputError(util::expected_got("at least one prompt", "none"));
  auto broadcast = [&](const std::vector<std::string>& list, const char* what) {
    if (list.size() == batch) return list;
    if (list.size() == 1) return std::vector<std::string>(batch, list[0]);
    throw util::InputError(
        std::string(what) + ": " +
        util::expected_got("1 or " + std::to_string(batch) + " texts (one per prompt)",
                           std::to_string(list.size())));
  };
  const auto prompt_2 = texts.prompt_2 ? broadcast(*texts.prompt_2, "prompt_2") : texts.prompt;
  PromptTokenIds prompt_ids{tokenize(texts.prompt, 0), tokenize(prompt_2, 1)};

  std::optional<PromptTokenIds> negative_ids;
  if (options.classifier_free_guidance &&
      (texts.negative_prompt || !options.force_zeros_for_empty_prompt)) {
    const auto negative = texts.negative_prompt
                              ? broadcast(*texts.negative_prompt, "negative_prompt")
                              : std::vector<std::string>(batch, "");
    const auto negative_2 = texts.negative_prompt_2
                                ? broadcast(*texts.negative_prompt_2, "negative_prompt_2")
                                : negative;
    negative_ids = PromptTokenIds{tokenize(negative, 0), tokenize(negative_2, 1)};
  }
  return encode_prompt_ids(text_encoder, text_encoder_2, prompt_ids, negative_ids, options);
}

}  // namespace dgxpx::sdxl
