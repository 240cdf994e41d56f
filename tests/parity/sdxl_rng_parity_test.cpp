// Every rng case of the fixture set: the same seed gives torch.randn's exact values.
#include <cstdio>

#include "tests/support/catch_torch.h"

#include "compiler/sdxl/rng.h"
#include "tests/parity/sdxl_sampling_refs.h"

using namespace dgxpx::sdxl;
using namespace dgxpx::testing;
using nlohmann::json;

TEST_CASE("rng cases match torch's CPU generator exactly", "[sdxl][rng][parity]") {
  const auto cases = sdxl_tiny_cases_of_kind("rng");
  REQUIRE_FALSE(cases.empty());
  for (const auto& c : cases) {
    const std::string name = c.at("name").get<std::string>();
    DYNAMIC_SECTION(name) {
      const json& inputs = c.at("inputs");
      const json& outputs = c.at("outputs");
      const auto generator = make_cpu_generator(inputs.at("seed").get<uint64_t>());
      // One shape drawn once, or several drawn in turn from one generator ("drawN" outputs).
      std::vector<std::vector<int64_t>> shapes;
      std::vector<std::string> refs;
      if (inputs.contains("shapes")) {
        shapes = inputs.at("shapes").get<std::vector<std::vector<int64_t>>>();
        for (size_t i = 0; i < shapes.size(); ++i) refs.push_back(outputs.at("draw" + std::to_string(i)).get<std::string>());
      } else {
        shapes.push_back(inputs.at("shape").get<std::vector<int64_t>>());
        refs.push_back(outputs.at("randn").get<std::string>());
      }
      REQUIRE(refs.size() == outputs.size());
      double max_err = 0.0;
      for (size_t i = 0; i < shapes.size(); ++i) {
        const torch::Tensor got = randn_cpu(shapes[i], generator);
        const torch::Tensor expected = sdxl_tiny_ref(refs[i]);
        REQUIRE(got.sizes() == expected.sizes());
        max_err = std::max(max_err, max_abs_diff(got, expected));
        INFO("draw " << i);
        REQUIRE(torch::equal(got, expected));
      }
      std::printf("case %s max_abs_err = %.3g (exact)\n", name.c_str(), max_err);
      REQUIRE(max_err == 0.0);
    }
  }
}
