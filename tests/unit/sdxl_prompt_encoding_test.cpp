// encode_prompt semantics on small random text encoders (values are checked against the
// Python reference by the parity suite; this pins the branching: zeros, "", clip_skip,
// repetition, prompt_2 / negative_prompt_2 defaults).

#include "compiler/sdxl/prompt_encoding.h"
#include "compiler/util/error.h"

// libtorch brings glog, whose CHECK would shadow Catch's (aborting instead of reporting):
// Catch comes last and takes the name back.
#undef CHECK
#include <catch2/catch.hpp>

namespace {

using namespace dgxpx::sdxl;

constexpr int64_t kLength = 6;
constexpr int64_t kEos = 63;

ClipTextModel random_encoder(bool with_projection, uint64_t seed) {
  ClipTextConfig c;
  c.vocab_size = 64;
  c.hidden_size = 8;
  c.intermediate_size = 16;
  c.num_hidden_layers = 3;
  c.num_attention_heads = 2;
  c.max_position_embeddings = kLength;
  c.hidden_act = with_projection ? "gelu" : "quick_gelu";
  c.projection_dim = with_projection ? 4 : 0;
  ClipTextModel model(c, torch::TensorOptions());
  torch::manual_seed(seed);
  torch::NoGradGuard no_grad;
  for (auto& p : model->parameters()) p.normal_(0, 0.5);
  return model;
}

// A stand-in tokenizer: BOS, one id per character, EOS, padding (encoder 1 pads differently).
torch::Tensor fake_tokenize(const std::vector<std::string>& texts, int encoder) {
  auto ids = torch::full({int64_t(texts.size()), kLength}, encoder == 0 ? kEos : 0, torch::kLong);
  for (size_t i = 0; i < texts.size(); ++i) {
    int64_t pos = 0;
    ids[i][pos++] = 1;
    for (char ch : texts[i])
      if (pos < kLength - 1) ids[i][pos++] = 2 + (static_cast<unsigned char>(ch) % 50);
    ids[i][pos] = kEos;
  }
  return ids;
}

PromptTokenIds ids_of(const std::vector<std::string>& texts) {
  return {fake_tokenize(texts, 0), fake_tokenize(texts, 1)};
}

bool same(const torch::Tensor& a, const torch::Tensor& b) {
  return a.sizes() == b.sizes() && torch::allclose(a, b, 1e-6, 1e-6);
}

}  // namespace

TEST_CASE("prompt embeddings concatenate both encoders, pooled comes from the second",
          "[sdxl][unit]") {
  auto te1 = random_encoder(false, 1), te2 = random_encoder(true, 2);
  const auto ids = ids_of({"cat", "a dog"});
  PromptEncodingOptions options;
  options.classifier_free_guidance = false;
  const auto e = encode_prompt_ids(te1, te2, ids, std::nullopt, options);
  torch::NoGradGuard no_grad;
  const auto o1 = te1->forward(ids.text_encoder), o2 = te2->forward(ids.text_encoder_2);
  CHECK(same(e.prompt_embeds, torch::cat({o1.hidden_state, o2.hidden_state}, -1)));
  CHECK(same(e.pooled_prompt_embeds, o2.text_embeds));
  CHECK_FALSE(e.negative_prompt_embeds.defined());
  CHECK_FALSE(e.negative_pooled_prompt_embeds.defined());
}

TEST_CASE("no negative prompt gives zeros, an empty one is encoded", "[sdxl][unit]") {
  auto te1 = random_encoder(false, 1), te2 = random_encoder(true, 2);
  const auto prompt = ids_of({"cat"});
  const PromptEncodingOptions options;
  const auto zeros = encode_prompt_ids(te1, te2, prompt, std::nullopt, options);
  CHECK(zeros.negative_prompt_embeds.sizes() == zeros.prompt_embeds.sizes());
  CHECK(zeros.negative_prompt_embeds.abs().max().item<float>() == 0.0f);
  CHECK(zeros.negative_pooled_prompt_embeds.abs().max().item<float>() == 0.0f);

  const auto empty = encode_prompt_ids(te1, te2, prompt, ids_of({""}), options);
  CHECK(empty.negative_prompt_embeds.abs().max().item<float>() > 0.0f);

  PromptEncodingOptions no_zeros;
  no_zeros.force_zeros_for_empty_prompt = false;
  CHECK_THROWS(encode_prompt_ids(te1, te2, prompt, std::nullopt, no_zeros));
  // Through the text API a missing negative prompt then becomes "".
  const auto via_text =
      encode_prompt(te1, te2, fake_tokenize, PromptTexts{{"cat"}, {}, {}, {}}, no_zeros);
  CHECK(same(via_text.negative_prompt_embeds, empty.negative_prompt_embeds));
}

TEST_CASE("clip_skip picks an earlier layer for the prompt only", "[sdxl][unit]") {
  auto te1 = random_encoder(false, 1), te2 = random_encoder(true, 2);
  const auto prompt = ids_of({"cat"}), negative = ids_of({"ugly"});
  PromptEncodingOptions skip;
  skip.clip_skip = 1;
  const auto skipped = encode_prompt_ids(te1, te2, prompt, negative, skip);
  const auto plain = encode_prompt_ids(te1, te2, prompt, negative, PromptEncodingOptions{});
  torch::NoGradGuard no_grad;
  const auto o1 = te1->forward(prompt.text_encoder, 1), o2 = te2->forward(prompt.text_encoder_2, 1);
  CHECK(same(skipped.prompt_embeds, torch::cat({o1.hidden_state, o2.hidden_state}, -1)));
  CHECK_FALSE(same(skipped.prompt_embeds, plain.prompt_embeds));
  CHECK(same(skipped.pooled_prompt_embeds, plain.pooled_prompt_embeds));
  // diffusers 0.24 encodes the negative side with hidden_states[-2] regardless of clip_skip.
  CHECK(same(skipped.negative_prompt_embeds, plain.negative_prompt_embeds));
}

TEST_CASE("num_images_per_prompt repeats each prompt consecutively", "[sdxl][unit]") {
  auto te1 = random_encoder(false, 1), te2 = random_encoder(true, 2);
  PromptEncodingOptions options;
  options.num_images_per_prompt = 2;
  const auto e = encode_prompt_ids(te1, te2, ids_of({"cat", "dog"}), ids_of({"x", "y"}), options);
  REQUIRE(e.prompt_embeds.size(0) == 4);
  CHECK(same(e.prompt_embeds[0], e.prompt_embeds[1]));
  CHECK(same(e.prompt_embeds[2], e.prompt_embeds[3]));
  CHECK_FALSE(same(e.prompt_embeds[1], e.prompt_embeds[2]));
  CHECK(same(e.negative_pooled_prompt_embeds[2], e.negative_pooled_prompt_embeds[3]));
  const auto single =
      encode_prompt_ids(te1, te2, ids_of({"dog"}), ids_of({"y"}), PromptEncodingOptions{});
  CHECK(same(e.negative_prompt_embeds[3], single.negative_prompt_embeds[0]));
}

TEST_CASE("text API: prompt_2 and negative_prompt_2 default, one negative applies to all",
          "[sdxl][unit]") {
  auto te1 = random_encoder(false, 1), te2 = random_encoder(true, 2);
  const PromptEncodingOptions options;
  const auto by_text = encode_prompt(te1, te2, fake_tokenize,
                                     PromptTexts{{"cat", "dog"}, {}, {{"ugly"}}, {}}, options);
  const auto by_ids =
      encode_prompt_ids(te1, te2, ids_of({"cat", "dog"}), ids_of({"ugly", "ugly"}), options);
  CHECK(same(by_text.prompt_embeds, by_ids.prompt_embeds));
  CHECK(same(by_text.negative_prompt_embeds, by_ids.negative_prompt_embeds));

  // prompt_2 feeds only the second encoder.
  const auto two =
      encode_prompt(te1, te2, fake_tokenize, PromptTexts{{"cat"}, {{"dog"}}, {}, {}}, options);
  PromptTokenIds mixed{fake_tokenize({"cat"}, 0), fake_tokenize({"dog"}, 1)};
  CHECK(same(two.prompt_embeds,
             encode_prompt_ids(te1, te2, mixed, std::nullopt, options).prompt_embeds));

  CHECK_THROWS_AS(encode_prompt(te1, te2, fake_tokenize,
                                PromptTexts{{"a", "b", "c"}, {}, {{"x", "y"}}, {}}, options),
                  dgxpx::util::InputError);
}
