// What dgxpx takes from a LoRA file's header metadata and its sidecar, and in which order:
// sidecar over the file's own metadata; a header that is not safetensors is noted, not thrown.
#include <catch2/catch.hpp>

#include "compiler/lora/lora_info.h"
#include "tests/unit/lora_test_files.h"

using namespace dgxpx;
using dgxpx::testing::safetensors_bytes;
using dgxpx::testing::TempFolder;

namespace {

lora::LoraInfo info_of(const TempFolder& dir, const std::string& name) {
  const auto file = dir.root() / name;
  return lora::read_lora_info(file, name, lora::sidecar_path(file), lora::sidecar_path(name).string());
}

const std::vector<std::string> kKohyaNames = {"lora_te1_text_model_encoder_layers_0_mlp_fc1.lora_down.weight",
                                              "lora_unet_down_blocks_1_attentions_0_proj_in.lora_up.weight"};

}  // namespace

TEST_CASE("kohya metadata gives the base model, trigger phrase and most frequent tags", "[lora][info]") {
  TempFolder dir;
  const std::map<std::string, std::string> metadata = {
      {"ss_base_model_version", "sdxl_base_v1-0"},
      {"ss_sd_model_name", "sd_xl_base_1.0.safetensors"},
      {"ss_resolution", "(1024, 1024)"},
      {"modelspec.trigger_phrase", "  pxlhero  "},
      {"ss_tag_frequency", R"({"10_hero": {"knight": 4, "pxlhero": 9}, "5_more": {"knight": 7, "cape": 1}})"}};
  dir.write("style.safetensors", safetensors_bytes(kKohyaNames, metadata));
  const auto info = info_of(dir, "style.safetensors");
  REQUIRE(info.header_read);
  CHECK(info.tensors == kKohyaNames.size());
  CHECK(info.layout == "kohya");
  CHECK(info.metadata == metadata);
  CHECK_FALSE(info.sidecar);
  CHECK(info.trigger_words == std::vector<std::string>{"pxlhero"});
  CHECK(info.trigger_words_source == "modelspec.trigger_phrase in style.safetensors");
  CHECK_FALSE(info.recommended_weight);
  REQUIRE(info.base_models.size() == 2);
  CHECK(info.base_models[0].value == "sdxl_base_v1-0");
  CHECK(info.base_models[0].source == "ss_base_model_version in style.safetensors");
  CHECK_FALSE(info.non_sdxl_base());
  // knight 4 + 7 = 11 > pxlhero 9 > cape 1
  REQUIRE(info.top_tags.size() == 3);
  CHECK(info.top_tags[0] == std::pair<std::string, int64_t>{"knight", 11});
  CHECK(info.top_tags[1].first == "pxlhero");
  CHECK(info.top_tags[2].first == "cape");
}

TEST_CASE("a sidecar's trigger words and strength win over the file's metadata", "[lora][info]") {
  TempFolder dir;
  dir.write("style.safetensors", safetensors_bytes(kKohyaNames, {{"modelspec.trigger_phrase", "from-file"}}));
  dir.write("style.json", R"({"trigger_words": ["a", "b"], "recommended_strength": 0.6, "base_model": "sdxl"})");
  const auto info = info_of(dir, "style.safetensors");
  REQUIRE(info.sidecar);
  CHECK(info.trigger_words == std::vector<std::string>{"a", "b"});
  CHECK(info.trigger_words_source == "sidecar style.json");
  CHECK(info.recommended_weight == 0.6);
  CHECK(info.weight_source == "recommended_strength in style.json");
  REQUIRE(info.base_models.size() == 1);
  CHECK(info.base_models[0].source == "sidecar style.json");
}

TEST_CASE("any claim of a base model other than SDXL makes the LoRA unusable", "[lora][info]") {
  TempFolder dir;
  dir.write("old.safetensors", safetensors_bytes(kKohyaNames, {{"ss_base_model_version", "sd_v1"}}));
  auto header_says = info_of(dir, "old.safetensors").non_sdxl_base();
  REQUIRE(header_says);
  CHECK(header_says->value == "sd_v1");
  CHECK(header_says->source == "ss_base_model_version in old.safetensors");

  dir.write("mixed.safetensors", safetensors_bytes(kKohyaNames, {{"ss_base_model_version", "sdxl_base_v1-0"}}));
  dir.write("mixed.json", R"({"base_model": "SD 1.5"})");
  auto sidecar_says = info_of(dir, "mixed.safetensors").non_sdxl_base();
  REQUIRE(sidecar_says);
  CHECK(sidecar_says->source == "sidecar mixed.json");
}

TEST_CASE("a file that is not safetensors has no metadata, and says why", "[lora][info]") {
  TempFolder dir;
  dir.write("fake.safetensors", "not really a LoRA");
  dir.write("fake.json", R"({"trigger_words": "still read"})");
  const auto info = info_of(dir, "fake.safetensors");
  CHECK_FALSE(info.header_read);
  CHECK_THAT(info.header_error, Catch::Contains("safetensors"));
  CHECK(info.metadata.empty());
  CHECK(info.trigger_words == std::vector<std::string>{"still read"});

  dir.write("diffusers.safetensors", safetensors_bytes({"unet.down_blocks.0.lora.down.weight"}, {{"format", "pt"}}));
  const auto plain = info_of(dir, "diffusers.safetensors");
  CHECK(plain.header_read);
  CHECK(plain.layout == "diffusers");
  CHECK(plain.base_models.empty());
  CHECK(plain.trigger_words.empty());
}
