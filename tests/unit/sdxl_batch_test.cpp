// Batched generation: one generator per batch entry (rng.h NoiseGenerators) makes image i of a
// batch the image a single-request run with seed i gives. Checked on the noise itself, through
// the samplers, and end to end through the pipeline on the sdxl-tiny model (CPU float32), where
// only floating-point batching effects (GEMM blocking) may differ; the observed error is printed.
#include <cstdio>
#include <string>
#include <vector>

#include "compiler/sdxl/pipeline.h"
#include "compiler/sdxl/rng.h"
#include "compiler/sdxl/schedulers.h"
#include "compiler/util/error.h"
#include "tests/support/catch_torch.h"
#include "tests/support/fixtures.h"

namespace {

using namespace dgxpx::sdxl;

double max_abs(const torch::Tensor& a, const torch::Tensor& b) {
  return (a.to(torch::kFloat64) - b.to(torch::kFloat64)).abs().max().item<double>();
}

// The draw a fresh generator seeded with `seed` gives for `shape` after `skip` draws of it.
torch::Tensor single_draw(uint64_t seed, at::IntArrayRef shape, int skip = 0) {
  const auto generator = make_cpu_generator(seed);
  for (int i = 0; i < skip; ++i) (void)randn_cpu(shape, generator);
  return randn_cpu(shape, generator);
}

}  // namespace

TEST_CASE("per-entry generators draw what single runs draw", "[sdxl][rng][batch]") {
  const std::vector<uint64_t> seeds = {5, 6, 7};
  const NoiseGenerators generators = NoiseGenerators::per_entry_seeded(seeds);
  REQUIRE(generators.defined());
  REQUIRE(generators.is_per_entry());
  REQUIRE(generators.entry_count() == 3);
  // Two draws in turn: each entry's generator advances by its own entry only.
  const torch::Tensor first = generators.randn({3, 4, 8, 8});
  const torch::Tensor second = generators.randn({3, 4, 8, 8});
  for (size_t b = 0; b < seeds.size(); ++b) {
    CAPTURE(b);
    REQUIRE(torch::equal(first[b], single_draw(seeds[b], {1, 4, 8, 8})[0]));
    REQUIRE(torch::equal(second[b], single_draw(seeds[b], {1, 4, 8, 8}, 1)[0]));
  }
  REQUIRE_FALSE(torch::equal(first[0], first[1]));
  // A batch draw that does not match the number of generators is refused.
  REQUIRE_THROWS_AS(generators.randn({2, 4, 8, 8}), c10::Error);
  // Copies share the generators' state.
  const NoiseGenerators copy = generators;
  (void)copy.randn({3, 4, 8, 8});
  REQUIRE(torch::equal(generators.randn({3, 4, 8, 8})[2], single_draw(7, {1, 4, 8, 8}, 3)[0]));
  // Target dtype applies after the float32 draw.
  const torch::Tensor half =
      NoiseGenerators::per_entry_seeded({9}).randn({1, 4, 4, 4}, torch::TensorOptions().dtype(torch::kHalf));
  REQUIRE(half.dtype() == torch::kHalf);
  REQUIRE(torch::equal(half, single_draw(9, {1, 4, 4, 4}).to(torch::kHalf)));
}

TEST_CASE("a shared generator and none keep their meaning", "[sdxl][rng][batch]") {
  // Shared: one [B, ...] draw in one go, which differs from per-entry draws past entry 0.
  const NoiseGenerators shared = make_cpu_generator(5);
  REQUIRE(shared.defined());
  REQUIRE_FALSE(shared.is_per_entry());
  const torch::Tensor a = shared.randn({2, 4, 8, 8});
  REQUIRE(torch::equal(a, single_draw(5, {2, 4, 8, 8})));
  REQUIRE(torch::equal(a[0], single_draw(5, {1, 4, 8, 8})[0]));
  REQUIRE_FALSE(torch::equal(a[1], single_draw(5, {1, 4, 8, 8})[0]));
  // None (default or an undefined generator): torch's global generator.
  REQUIRE_FALSE(NoiseGenerators().defined());
  REQUIRE_FALSE(NoiseGenerators(at::Generator()).defined());
  torch::manual_seed(3);
  const torch::Tensor global = NoiseGenerators().randn({20});
  torch::manual_seed(3);
  REQUIRE(torch::equal(global, torch::randn({20})));
  REQUIRE_THROWS_AS(NoiseGenerators(std::vector<at::Generator>{}), c10::Error);
  REQUIRE_THROWS_AS(NoiseGenerators(std::vector<at::Generator>{at::Generator()}), c10::Error);
}

TEST_CASE("samplers draw per entry with per-entry generators", "[sdxl][schedulers][batch]") {
  // Elementwise arithmetic only, so batch and single runs must agree bit for bit.
  const std::vector<uint64_t> seeds = {11, 12, 13};
  const torch::Tensor initial = NoiseGenerators::per_entry_seeded({1, 2, 3}).randn({3, 4, 4, 4});
  const DenoiseFn denoise = [](const torch::Tensor& x, const torch::Tensor&) { return x * 0.1; };
  struct Case {
    SamplerKind kind;
    double eta;
  };
  for (const Case c : {Case{SamplerKind::euler, 0.0}, Case{SamplerKind::euler_ancestral, 0.0},
                       Case{SamplerKind::ddim, 0.5}, Case{SamplerKind::dpmpp_2m, 0.0}}) {
    CAPTURE(to_string(c.kind), c.eta);
    const SchedulerConfig config = sdxl_base_scheduler_config();
    auto scheduler = make_scheduler(c.kind, config, 4, c.eta);
    const NoiseGenerators generators = NoiseGenerators::per_entry_seeded(seeds);
    const torch::Tensor batch = sample(*scheduler, initial, denoise, generators);
    const torch::Tensor next_batch_draw = generators.randn({3, 4, 4, 4});
    for (size_t b = 0; b < seeds.size(); ++b) {
      CAPTURE(b);
      const auto generator = make_cpu_generator(seeds[b]);
      const torch::Tensor single =
          sample(*scheduler, initial.slice(0, b, b + 1), denoise, generator);
      REQUIRE(torch::equal(batch[b], single[0]));
      // Both runs left the entry's generator at the same point (Euler's unused draw included).
      REQUIRE(torch::equal(next_batch_draw[b], randn_cpu({1, 4, 4, 4}, generator)[0]));
    }
  }
}

namespace {

SdxlModel& tiny_model() {
  static SdxlModel model = load_sdxl_model(dgxpx::testing::sdxl_tiny() / "model");
  return model;
}

GenerationRequest small_request(SamplerKind sampler, double guidance) {
  GenerationRequest r;
  r.width = 64;
  r.height = 64;
  r.steps = 3;
  r.guidance = guidance;
  r.sampler = sampler;
  return r;
}

const std::vector<std::string> kPrompts = {"a photo of an astronaut riding a horse on mars",
                                           "A Photo Of A CAT", "pixel art sword, red gem"};
const std::vector<std::string> kNegatives = {"blurry, low quality", "", "text, watermark"};
const std::vector<uint64_t> kSeeds = {42, 43, 1234567890123ull};

// Image i of one request with every prompt, negative and seed against a single request of each.
void check_batch_matches_singles(GenerationRequest request, bool with_negatives) {
  const std::string label = std::string(to_string(request.sampler)) +
                            (request.guidance > 1 ? " cfg" : " no-cfg") +
                            (with_negatives ? " negatives" : " zero-negatives");
  CAPTURE(label);
  GenerationRequest batch = request;
  batch.prompts = kPrompts;
  if (with_negatives) batch.negative_prompts = kNegatives;
  batch.seeds = kSeeds;
  const GenerationResult together = generate(tiny_model(), batch);
  REQUIRE(together.latents.size(0) == 3);

  double latents_err = 0, image_err = 0;
  for (size_t i = 0; i < kPrompts.size(); ++i) {
    GenerationRequest single = request;
    single.prompts = {kPrompts[i]};
    if (with_negatives) single.negative_prompts = std::vector<std::string>{kNegatives[i]};
    single.seed = kSeeds[i];
    const GenerationResult alone = generate(tiny_model(), single);
    latents_err = std::max(latents_err, max_abs(together.latents[i], alone.latents[0]));
    image_err = std::max(image_err, max_abs(together.image[i], alone.image[0]));
    // Entries differ from each other, so matching their singles means something.
    if (i > 0) REQUIRE(max_abs(together.latents[i], together.latents[0]) > 0.1);
  }
  std::printf("batch of 3 vs 3 singles, %-30s max_abs latents = %.3g, image = %.3g\n",
              label.c_str(), latents_err, image_err);
  CHECK(latents_err <= 1e-4);
  CHECK(image_err <= 1e-4);
}

}  // namespace

TEST_CASE("a batched request gives each entry its single-request latents", "[sdxl][pipeline][batch]") {
  SECTION("euler, cfg") { check_batch_matches_singles(small_request(SamplerKind::euler, 5.0), true); }
  SECTION("euler ancestral, cfg") {
    check_batch_matches_singles(small_request(SamplerKind::euler_ancestral, 5.0), true);
  }
  SECTION("euler ancestral, cfg with zeroed negatives") {
    check_batch_matches_singles(small_request(SamplerKind::euler_ancestral, 5.0), false);
  }
  SECTION("euler ancestral, guidance 1 (no cfg)") {
    check_batch_matches_singles(small_request(SamplerKind::euler_ancestral, 1.0), false);
  }
  SECTION("ddim with eta, cfg") {
    GenerationRequest r = small_request(SamplerKind::ddim, 5.0);
    r.ddim_eta = 0.7;
    check_batch_matches_singles(r, true);
  }
  SECTION("dpm++ 2m karras, cfg") {
    check_batch_matches_singles(small_request(SamplerKind::dpmpp_2m_karras, 5.0), true);
  }
}

TEST_CASE("one seed in the list is exactly the single-generator path", "[sdxl][pipeline][batch]") {
  for (auto sampler : {SamplerKind::euler, SamplerKind::euler_ancestral}) {
    CAPTURE(to_string(sampler));
    GenerationRequest r = small_request(sampler, 5.0);
    r.prompts = {kPrompts[0]};
    r.negative_prompts = std::vector<std::string>{kNegatives[0]};
    r.seed = 42;
    GenerationTrace shared_trace, listed_trace;
    const GenerationResult shared = generate(tiny_model(), r, &shared_trace);
    r.seed = 7;  // ignored once seeds is set
    r.seeds = std::vector<uint64_t>{42};
    const GenerationResult listed = generate(tiny_model(), r, &listed_trace);
    REQUIRE(torch::equal(shared_trace.initial_noise, listed_trace.initial_noise));
    REQUIRE(torch::equal(shared.latents, listed.latents));
    REQUIRE(torch::equal(shared.image, listed.image));
  }
}

TEST_CASE("seeds follow the batch order of images per prompt", "[sdxl][pipeline][batch]") {
  GenerationRequest r = small_request(SamplerKind::euler_ancestral, 5.0);
  r.prompts = {kPrompts[0], kPrompts[1]};
  r.images_per_prompt = 2;
  r.seeds = std::vector<uint64_t>{10, 11, 12, 13};
  GenerationTrace trace;
  const GenerationResult batch = generate(tiny_model(), r, &trace);
  for (int64_t i = 0; i < 4; ++i)
    REQUIRE(torch::equal(trace.initial_noise[i], single_draw(10 + i, {1, 4, 8, 8})[0]));
  // Entry 3 is prompt 1's second image with seed 13.
  GenerationRequest single = small_request(SamplerKind::euler_ancestral, 5.0);
  single.prompts = {kPrompts[1]};
  single.seed = 13;
  const double err = max_abs(batch.latents[3], generate(tiny_model(), single).latents[0]);
  std::printf("images_per_prompt 2, entry 3 vs its single request: max_abs latents = %.3g\n", err);
  CHECK(err <= 1e-4);
}

TEST_CASE("a shared generator does not give each entry its single-request image",
          "[sdxl][pipeline][batch]") {
  // What per-entry seeds are for: with one generator, entry 1's noise continues entry 0's stream.
  GenerationRequest r = small_request(SamplerKind::euler_ancestral, 5.0);
  r.prompts = {kPrompts[0], kPrompts[0]};
  r.seed = 42;
  const GenerationResult shared = generate(tiny_model(), r);
  r.seeds = std::vector<uint64_t>{42, 42};
  const GenerationResult listed = generate(tiny_model(), r);
  CHECK(max_abs(shared.latents[1], listed.latents[1]) > 0.1);
  CHECK(max_abs(listed.latents[0], listed.latents[1]) <= 1e-4);  // same prompt, same seed
}

TEST_CASE("a seed list of the wrong length is an input error", "[sdxl][pipeline][batch]") {
  GenerationRequest r = small_request(SamplerKind::euler, 5.0);
  r.prompts = {kPrompts[0], kPrompts[1]};
  r.seeds = std::vector<uint64_t>{1, 2, 3};
  REQUIRE_THROWS_AS(generate(tiny_model(), r), dgxpx::util::InputError);
  r.images_per_prompt = 2;
  REQUIRE_THROWS_AS(generate(tiny_model(), r), dgxpx::util::InputError);
  r.seeds = std::vector<uint64_t>{};
  REQUIRE_THROWS_AS(generate(tiny_model(), r), dgxpx::util::InputError);
}
