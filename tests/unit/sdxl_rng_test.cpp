#include "compiler/sdxl/rng.h"

#include "tests/support/catch_torch.h"

using namespace dgxpx::sdxl;

TEST_CASE("a seed gives the same noise every time", "[sdxl][rng]") {
  const torch::Tensor a = randn_cpu({1, 4, 8, 8}, make_cpu_generator(42));
  const torch::Tensor b = randn_cpu({1, 4, 8, 8}, make_cpu_generator(42));
  const torch::Tensor c = randn_cpu({1, 4, 8, 8}, make_cpu_generator(43));
  REQUIRE(a.dtype() == torch::kFloat32);
  REQUIRE(a.device().is_cpu());
  REQUIRE(torch::equal(a, b));
  REQUIRE_FALSE(torch::equal(a, c));
  // Unit normal, roughly.
  REQUIRE(std::abs(a.mean().item<double>()) < 0.2);
  REQUIRE(std::abs(a.std().item<double>() - 1.0) < 0.2);
}

TEST_CASE("draws advance the generator", "[sdxl][rng]") {
  const auto gen = make_cpu_generator(7);
  const torch::Tensor first = randn_cpu({16}, gen);
  const torch::Tensor second = randn_cpu({16}, gen);
  REQUIRE_FALSE(torch::equal(first, second));
  // Two draws of 16 are the two halves of one draw of 32 (whole 16-element blocks).
  const torch::Tensor both = randn_cpu({32}, make_cpu_generator(7));
  REQUIRE(torch::equal(torch::cat({first, second}), both));
}

TEST_CASE("torch seeds the mt19937 with the seed's low 32 bits", "[sdxl][rng]") {
  const uint64_t high = (uint64_t{1} << 40) + 123;
  REQUIRE(torch::equal(randn_cpu({20}, make_cpu_generator(high)), randn_cpu({20}, make_cpu_generator(123))));
}

TEST_CASE("noise is drawn in float32 on the CPU, then converted", "[sdxl][rng]") {
  const torch::Tensor f32 = randn_cpu({2, 4, 4, 4}, make_cpu_generator(9));
  const torch::Tensor f16 = randn_cpu({2, 4, 4, 4}, make_cpu_generator(9), torch::TensorOptions().dtype(torch::kHalf));
  REQUIRE(f16.dtype() == torch::kHalf);
  REQUIRE(torch::equal(f16, f32.to(torch::kHalf)));
  const torch::Tensor f64 = randn_cpu({2, 4, 4, 4}, make_cpu_generator(9), torch::TensorOptions().dtype(torch::kFloat64));
  REQUIRE(torch::equal(f64, f32.to(torch::kFloat64)));
}

TEST_CASE("one generator per batch entry", "[sdxl][rng]") {
  const std::vector<at::Generator> gens = {make_cpu_generator(1), make_cpu_generator(2)};
  const torch::Tensor batch = randn_cpu({2, 4, 4, 4}, gens);
  REQUIRE(torch::equal(batch[0], randn_cpu({1, 4, 4, 4}, make_cpu_generator(1))[0]));
  REQUIRE(torch::equal(batch[1], randn_cpu({1, 4, 4, 4}, make_cpu_generator(2))[0]));
  REQUIRE_THROWS(randn_cpu({3, 4, 4, 4}, gens));
}

TEST_CASE("an undefined generator uses torch's global one", "[sdxl][rng]") {
  torch::manual_seed(1234);
  const torch::Tensor a = randn_cpu({5}, at::Generator());
  torch::manual_seed(1234);
  const torch::Tensor b = torch::randn({5});
  REQUIRE(torch::equal(a, b));
}
