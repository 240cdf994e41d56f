// Reference parity of the SDXL networks (text encoders, prompt encoding, UNet, VAE) on the
// sdxl-tiny fixture set, from the diffusers folder and from the single-file checkpoint. The
// cases come from cases.json; each is judged by the tolerance the fixture set records.
#include <iostream>

#include "tests/parity/sdxl_network_cases.h"
#include "tests/support/fixtures.h"

// libtorch brings glog, whose CHECK would shadow Catch's (aborting instead of reporting):
// Catch comes last and takes the name back.
#undef CHECK
#include <catch2/catch.hpp>

namespace {

using dgxpx::sdxl::ModelLayout;
using dgxpx::testing::CaseOutcome;

void check_layout(ModelLayout layout) {
  const auto dir = dgxpx::testing::sdxl_tiny();
  torch::manual_seed(0);
  auto networks = dgxpx::testing::load_fixture_networks(
      dir, layout, torch::TensorOptions().dtype(torch::kFloat));
  const auto outcomes = dgxpx::testing::run_network_cases(
      dir, networks,
      [](const nlohmann::json& c) { return c.at("tolerance").at("suggested_atol").get<double>(); });
  REQUIRE(!outcomes.empty());  // a fixture set without network cases is a broken fixture set
  for (const CaseOutcome& o : outcomes) {
    const auto line = dgxpx::testing::describe_outcome(o, networks.layout);
    std::cout << line << "\n";
    INFO(line);
    CHECK(o.problems.empty());
    CHECK(o.max_abs_err <= o.atol);
  }
}

}  // namespace

TEST_CASE("sdxl networks match the reference from the diffusers folder", "[sdxl][parity]") {
  check_layout(ModelLayout::diffusers_folder);
}

TEST_CASE("sdxl networks match the reference from the single-file checkpoint", "[sdxl][parity]") {
  check_layout(ModelLayout::single_file);
}
