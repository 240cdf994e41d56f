// Every case of the fixture set is run by some parity test: each suite skips the kinds of the
// others, so a kind no suite knows would otherwise pass unnoticed. A new kind is a failure here
// until a runner for it exists.
#include <map>
#include <string>

#include "tests/support/catch_torch.h"

#include "tests/parity/sdxl_sampling_refs.h"

namespace {

// kind -> the test that runs its cases.
const std::map<std::string, std::string>& case_runners() {
  static const std::map<std::string, std::string> runners = {
      {"tokenizer", "sdxl_tokenizer_parity_test.cpp"},
      {"rng", "sdxl_rng_parity_test.cpp"},
      {"scheduler", "sdxl_schedulers_parity_test.cpp"},
      {"scheduler_ext", "sdxl_schedulers_parity_test.cpp"},
      {"text_encoders", "sdxl_networks_parity_test.cpp (sdxl_network_cases.cpp)"},
      {"encode_prompt", "sdxl_networks_parity_test.cpp (sdxl_network_cases.cpp)"},
      {"unet", "sdxl_networks_parity_test.cpp (sdxl_network_cases.cpp)"},
      {"vae_decode", "sdxl_networks_parity_test.cpp (sdxl_network_cases.cpp)"},
      {"vae_encode", "sdxl_networks_parity_test.cpp (sdxl_network_cases.cpp)"},
      {"pipeline", "sdxl_pipeline_parity_test.cpp"},
      {"pipeline_ext", "sdxl_pipeline_parity_test.cpp"},
      {"lora", "sdxl_pipeline_parity_test.cpp"},
      {"lora_skipped", "sdxl_pipeline_parity_test.cpp (checks it records why and has no outputs)"},
      {"seamless", "sdxl_pipeline_parity_test.cpp"},
      {"img2img", "sdxl_pipeline_parity_test.cpp"},
      {"inpaint", "sdxl_pipeline_parity_test.cpp"},
  };
  return runners;
}

}  // namespace

TEST_CASE("every case kind of the fixture set has a parity runner", "[sdxl][parity]") {
  const auto& cases = dgxpx::testing::sdxl_tiny_cases().at("cases");
  REQUIRE_FALSE(cases.empty());
  for (const auto& c : cases) {
    const std::string kind = c.at("kind").get<std::string>();
    INFO("case " << c.at("name").get<std::string>() << " of kind " << kind);
    CHECK(case_runners().count(kind) == 1);
  }
}
