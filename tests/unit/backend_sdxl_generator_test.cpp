// SdxlGenerator::generate_batch on the sdxl-tiny model (CPU): one UNet batch gives each spec
// the image generate() gives it, and only specs with one batch key share a batch.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "compiler/backend/gen_batch_key.h"
#include "compiler/backend/step_spec.h"
#include "compiler/backend/sdxl_generator.h"
#include "compiler/util/error.h"
#include "tests/support/fixtures.h"

namespace {

using dgxpx::backend::GenSpec;
using dgxpx::backend::SdxlGenerator;
using dgxpx::backend::SdxlGeneratorOptions;
using dgxpx::pixel::Image;

GenSpec tiny_spec(const std::string& name, const std::string& prompt, const std::string& negative,
                  int64_t seed) {
  GenSpec spec;
  spec.name = name;
  spec.backend = "sdxl";
  spec.model = (dgxpx::testing::sdxl_tiny() / "model").string();
  spec.prompt = prompt;
  spec.negative = negative;
  spec.seed = seed;
  spec.width = 64;
  spec.height = 32;
  spec.sampler = "euler_a";
  spec.steps = 3;
  spec.guidance = 5.0;
  return spec;
}

// The largest difference of one channel of one pixel, in bytes.
int max_byte_diff(const Image& a, const Image& b) {
  REQUIRE(a.width == b.width);
  REQUIRE(a.height == b.height);
  int worst = 0;
  for (size_t i = 0; i < a.pixels.size(); ++i) {
    const auto& p = a.pixels[i];
    const auto& q = b.pixels[i];
    worst = std::max({worst, std::abs(p.r - q.r), std::abs(p.g - q.g), std::abs(p.b - q.b),
                      std::abs(p.a - q.a)});
  }
  return worst;
}

SdxlGenerator cpu_generator() {
  SdxlGeneratorOptions options;
  options.device = "cpu";
  return SdxlGenerator(options);
}

}  // namespace

TEST_CASE("generate_batch gives each spec its generate() image", "[backend][sdxl][batch]") {
  SdxlGenerator generator = cpu_generator();
  for (const bool negatives : {true, false}) {
    CAPTURE(negatives);
    const std::vector<GenSpec> specs = {
        tiny_spec("a", "iron sword", negatives ? "blurry" : "", 1),
        tiny_spec("b", "red potion, glass bottle", negatives ? "text, watermark" : "", 2),
        tiny_spec("c", "iron sword", negatives ? "blurry" : "", 3),
    };
    const std::vector<Image> batch = generator.generate_batch(specs);
    REQUIRE(batch.size() == specs.size());
    int worst = 0;
    for (size_t i = 0; i < specs.size(); ++i) {
      const Image single = generator.generate(specs[i]);
      REQUIRE(batch[i].width == 64);
      REQUIRE(batch[i].height == 32);
      worst = std::max(worst, max_byte_diff(batch[i], single));
    }
    std::printf("generate_batch of 3 vs generate(), %s negatives: max byte difference = %d\n",
                negatives ? "with" : "without", worst);
    CHECK(worst <= 1);
    // Different seeds give different images, so matching generate() means something.
    CHECK(max_byte_diff(batch[0], batch[2]) > 8);
  }
}

TEST_CASE("generate_batch refuses specs that cannot share a batch", "[backend][sdxl][batch]") {
  SdxlGenerator generator = cpu_generator();
  REQUIRE_THROWS_AS(generator.generate_batch({}), dgxpx::util::InputError);
  const GenSpec base = tiny_spec("a", "iron sword", "blurry", 1);
  auto mismatched = [&](auto change) {
    GenSpec other = tiny_spec("b", "red potion", "text", 2);
    change(other);
    REQUIRE(dgxpx::backend::gen_batch_key(other) != dgxpx::backend::gen_batch_key(base));
    REQUIRE_THROWS_AS(generator.generate_batch({base, other}), dgxpx::util::InputError);
  };
  mismatched([](GenSpec& s) { s.steps = 4; });
  mismatched([](GenSpec& s) { s.width = 32; });
  mismatched([](GenSpec& s) { s.sampler = "euler"; });
  mismatched([](GenSpec& s) { s.negative.clear(); });
  mismatched([](GenSpec& s) { s.loras.push_back({"style.safetensors", 0.8}); });
  mismatched([](GenSpec& s) { s.timestep_spacing = "trailing"; });
  mismatched([](GenSpec& s) { s.original_size = std::pair{256, 128}; });
  mismatched([](GenSpec& s) { s.crop = {8, 0}; });
  mismatched([](GenSpec& s) { s.target_size = std::pair{32, 64}; });
}

TEST_CASE("gen specs carry the timestep spacing and micro-conditioning to the pipeline", "[backend][sdxl]") {
  SdxlGenerator generator = cpu_generator();
  GenSpec spec = tiny_spec("a", "iron sword", "blurry", 1);
  const Image plain = generator.generate(spec);
  GenSpec spaced = spec;
  spaced.timestep_spacing = "trailing";
  CHECK(max_byte_diff(generator.generate(spaced), plain) > 0);
  GenSpec cropped = spec;
  cropped.crop = {16, 8};
  cropped.original_size = std::pair{spec.width * 2, spec.height * 2};
  CHECK(max_byte_diff(generator.generate(cropped), plain) > 0);
  // The JSON the worker receives holds them, and leaves them out when they are the defaults.
  const nlohmann::json j = cropped;
  CHECK(j.at("crop") == nlohmann::json{16, 8});
  CHECK_FALSE(nlohmann::json(spec).contains("crop"));
  CHECK(j.get<GenSpec>().original_size == cropped.original_size);
  // LCM picks its own timesteps: a spacing with it is refused by name.
  GenSpec lcm = spaced;
  lcm.sampler = "lcm";
  CHECK_THROWS_WITH(generator.generate(lcm), Catch::Contains("no timestep spacing with sampler lcm"));
  spaced.timestep_spacing = "even";
  CHECK_THROWS_AS(generator.generate(spaced), dgxpx::util::InputError);
}
