// The LoRA registry: <root>/<status>/<name>_v<version>.safetensors, newest version by numeric
// comparison; a missing or ambiguous one is an error at the preset's place.
#include <catch2/catch.hpp>

#include "compiler/lora/registry.h"
#include "tests/unit/lora_test_files.h"

using namespace dgxpx;
using dgxpx::testing::TempFolder;

TEST_CASE("versions compare as numbers, part by part", "[lora][registry]") {
  const std::vector<std::tuple<const char*, const char*, int>> cases = {
      {"1.10", "1.9", 1}, {"1.2", "1.2.0", 0}, {"01.2", "1.2", 0}, {"2", "1.99.99", 1},
      {"0.9", "1", -1},   {"1.0.1", "1", 1},   {"10", "9", 1},     {"123456789012345678901", "123456789012345678900", 1},
  };
  for (const auto& [a, b, order] : cases) {
    INFO(a << " vs " << b);
    CHECK(lora::compare_versions(a, b) == order);
    CHECK(lora::compare_versions(b, a) == -order);
  }
}

TEST_CASE("the newest version in a status folder is the one used", "[lora][registry]") {
  TempFolder dir;
  const std::vector<std::string> production = {"style_v1.2.safetensors", "style_v1.10.safetensors", "style_v1.9.safetensors",
                                               "style_v1.10.json", "style_vintage.safetensors", "style_v2.safetensors.bak",
                                               "style_extra_v7.safetensors", "other_v3.safetensors"};
  for (const auto& f : production) dir.write("loras/production/" + f, f);
  dir.write("loras/staging/style_v1.11.safetensors", "next");

  const auto versions = lora::registry_versions(dir.root() / "loras/production", "style");
  std::vector<std::string> found;
  for (const auto& v : versions) found.push_back(v.version);
  CHECK(found == std::vector<std::string>{"1.2", "1.9", "1.10"});

  const util::SourceLocation where{"presets/p.yaml", 3, 12};
  CHECK(lora::resolve_registry_lora(dir.root() / "loras", "loras", "style", "production", where) ==
        dir.root() / "loras/production/style_v1.10.safetensors");
  CHECK(lora::resolve_registry_lora(dir.root() / "loras", "loras", "style", "staging", where) ==
        dir.root() / "loras/staging/style_v1.11.safetensors");
}

TEST_CASE("a registry name with no version, or two files for the newest, is an error at the preset", "[lora][registry]") {
  TempFolder dir;
  dir.write("loras/staging/hero_v0.3.safetensors", "x");
  dir.write("loras/archive/hero_v0.1.safetensors", "x");
  dir.write("loras/production/tiles_v1.2.safetensors", "x");
  dir.write("loras/production/tiles_v1.2.0.safetensors", "x");
  const util::SourceLocation where{"presets/p.yaml", 3, 12};
  try {
    lora::resolve_registry_lora(dir.root() / "loras", "loras", "hero", "production", where);
    FAIL("no error for a missing version");
  } catch (const util::InputError& e) {
    CHECK(e.where().to_string() == "presets/p.yaml:3:12");
    CHECK_THAT(e.message(), Catch::Contains("loras/production/hero_v<version>.safetensors"));
    CHECK_THAT(e.message(), Catch::Contains("staging has v0.3"));
    CHECK_THAT(e.message(), Catch::Contains("archive has v0.1"));
  }
  try {
    lora::resolve_registry_lora(dir.root() / "loras", "loras", "tiles", "production", where);
    FAIL("no error for two files of one version");
  } catch (const util::InputError& e) {
    CHECK(e.where().to_string() == "presets/p.yaml:3:12");
    CHECK_THAT(e.message(), Catch::Contains("tiles_v1.2.safetensors"));
    CHECK_THAT(e.message(), Catch::Contains("tiles_v1.2.0.safetensors"));
  }
  CHECK_THROWS_AS(lora::resolve_registry_lora(dir.root() / "nowhere", "nowhere", "hero", "production", where), util::InputError);
}
