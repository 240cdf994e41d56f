// Attention and the leaf layers: chunked and fused attention agree with the textbook formula,
// convolution padding modes, uninitialised (meta-capable) parameter creation.

#include "compiler/sdxl/attention.h"
#include "compiler/sdxl/layers.h"

// libtorch brings glog, whose CHECK would shadow Catch's (aborting instead of reporting):
// Catch comes last and takes the name back.
#undef CHECK
#include <catch2/catch.hpp>

namespace {

using namespace dgxpx::sdxl;

// softmax(q k^T / sqrt(d) [+ causal -inf]) v per head, in float64.
torch::Tensor textbook_attention(const torch::Tensor& q, const torch::Tensor& k,
                                 const torch::Tensor& v, int64_t heads, bool causal) {
  const int64_t b = q.size(0), lq = q.size(1), lk = k.size(1), d = q.size(2) / heads;
  auto split = [&](const torch::Tensor& t, int64_t len) {
    return t.to(torch::kDouble).reshape({b, len, heads, d}).permute({0, 2, 1, 3});
  };
  auto scores = torch::matmul(split(q, lq), split(k, lk).transpose(-1, -2)) / std::sqrt(double(d));
  if (causal) scores = scores.masked_fill(torch::ones({lq, lk}, torch::kBool).triu(1), -INFINITY);
  auto out = torch::matmul(torch::softmax(scores, -1), split(v, lk));
  return out.permute({0, 2, 1, 3}).reshape({b, lq, heads * d});
}

double max_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a.to(torch::kDouble) - b.to(torch::kDouble)).abs().max().item<double>();
}

}  // namespace

TEST_CASE("attention matches the textbook formula, chunked or not", "[sdxl][unit]") {
  torch::manual_seed(1);
  auto q = torch::randn({2, 37, 24}), k = torch::randn({2, 19, 24}), v = torch::randn({2, 19, 24});
  const auto expected = textbook_attention(q, k, v, 3, false);
  CHECK(max_diff(multi_head_attention(q, k, v, 3), expected) < 1e-5);
  CHECK(max_diff(plain_multi_head_attention(q, k, v, 3), expected) < 1e-5);
  // Tiny blocks: 5 query rows per block, one batch*head slice at a time.
  CHECK(max_diff(plain_multi_head_attention(q, k, v, 3, AttentionMask::none, 5 * 19 * 4),
                 expected) < 1e-5);
  CHECK(max_diff(plain_multi_head_attention(q, k, v, 3, AttentionMask::none, 1), expected) < 1e-5);
}

TEST_CASE("causal attention hides later positions", "[sdxl][unit]") {
  torch::manual_seed(2);
  auto x = torch::randn({3, 11, 8});
  const auto expected = textbook_attention(x, x, x, 2, true);
  CHECK(max_diff(multi_head_attention(x, x, x, 2, AttentionMask::causal), expected) < 1e-5);
  CHECK(max_diff(plain_multi_head_attention(x, x, x, 2, AttentionMask::causal, 3 * 11 * 4),
                 expected) < 1e-5);
  // The first position attends only to itself.
  auto out = multi_head_attention(x, x, x, 2, AttentionMask::causal);
  CHECK(max_diff(out.select(1, 0), x.select(1, 0)) < 1e-6);
}

TEST_CASE("attention rejects heads that do not split the width", "[sdxl][unit]") {
  auto x = torch::randn({1, 4, 10});
  CHECK_THROWS(multi_head_attention(x, x, x, 3));
}

TEST_CASE("layers are created uninitialised on the requested device and dtype", "[sdxl][unit]") {
  const auto meta = torch::TensorOptions().dtype(torch::kHalf).device(torch::kMeta);
  Linear linear(1000, 2000, true, meta);
  CHECK(linear->weight.device().type() == torch::kMeta);
  CHECK(linear->weight.scalar_type() == torch::kHalf);
  CHECK(linear->weight.sizes() == torch::IntArrayRef({2000, 1000}));
  CHECK_FALSE(linear->weight.requires_grad());
  CHECK(count_parameters(*linear) == 2000 * 1000 + 2000);
  Linear no_bias(4, 3, false, meta);
  CHECK(no_bias->named_parameters().size() == 1);
  Conv2d conv(8, 16, 3, 1, 1, meta);
  CHECK(conv->weight.sizes() == torch::IntArrayRef({16, 8, 3, 3}));
}

TEST_CASE("convolution padding: zeros by default, circular on request", "[sdxl][unit]") {
  torch::manual_seed(3);
  Conv2d conv(2, 3, 3, 1, 1, torch::TensorOptions());
  conv->weight.normal_();
  conv->bias.normal_();
  auto x = torch::randn({1, 2, 5, 6});
  auto zeros = torch::conv2d(x, conv->weight, conv->bias, 1, 1);
  CHECK(max_diff(conv(x), zeros) < 1e-6);

  set_conv_padding_mode(*conv, PaddingMode::circular);
  // Circular padding == convolving the input wrapped around by one pixel on each side.
  auto rows = torch::cat({x.narrow(2, 4, 1), x, x.narrow(2, 0, 1)}, 2);
  auto wrapped = torch::cat({rows.narrow(3, 5, 1), rows, rows.narrow(3, 0, 1)}, 3);
  CHECK(max_diff(conv(x), torch::conv2d(wrapped, conv->weight, conv->bias)) < 1e-6);
}
