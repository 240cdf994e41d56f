// config.json parsing (diffusers/transformers files) and the published SDXL base configs.
#include <unistd.h>

#include <fstream>
#include <functional>

#include "compiler/sdxl/config.h"
#include "compiler/util/error.h"
#include "tests/support/fixtures.h"

// libtorch brings glog, whose CHECK would shadow Catch's (aborting instead of reporting):
// Catch comes last and takes the name back.
#undef CHECK
#include <catch2/catch.hpp>

namespace {

namespace fs = std::filesystem;
using namespace dgxpx::sdxl;

// A config.json under a per-test temporary folder.
class TempConfig {
 public:
  explicit TempConfig(const std::string& text) {
    dir_ = fs::temp_directory_path() / ("dgxpx_sdxl_config_test_" + std::to_string(::getpid()) +
                                        "_" + std::to_string(counter_++));
    fs::create_directories(dir_);
    std::ofstream(dir_ / "config.json") << text;
  }
  ~TempConfig() { fs::remove_all(dir_); }
  fs::path path() const { return dir_ / "config.json"; }

 private:
  static inline int counter_ = 0;
  fs::path dir_;
};

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const dgxpx::util::InputError& e) {
    return e.what();
  }
  return "";
}

const char* kUNet = R"({
  "addition_embed_type": "text_time", "addition_time_embed_dim": 8,
  "attention_head_dim": [1, 2, 3], "block_out_channels": [16, 32, 48],
  "cross_attention_dim": 64,
  "down_block_types": ["DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"],
  "up_block_types": ["CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"],
  "layers_per_block": 2, "norm_num_groups": 8, "num_attention_heads": null,
  "projection_class_embeddings_input_dim": 80, "transformer_layers_per_block": 2,
  "use_linear_projection": true, "upcast_attention": null
})";

}  // namespace

TEST_CASE("the fixture's config.json files parse to its tiny configuration", "[sdxl][unit]") {
  const auto model = dgxpx::testing::sdxl_tiny() / "model";
  const auto unet = read_unet_config(model / "unet" / "config.json");
  CHECK(unet.block_out_channels == std::vector<int64_t>{16, 32, 48});
  CHECK(unet.attention_heads == std::vector<int64_t>{1, 2, 3});
  CHECK(unet.transformer_layers_per_block == std::vector<int64_t>{1, 1, 2});
  CHECK(unet.cross_attention_dim == 64);
  CHECK(unet.addition_time_embed_dim == 8);
  CHECK(unet.projection_class_embeddings_input_dim == 80);
  CHECK(unet.norm_num_groups == 8);
  CHECK(unet.sample_size == 16);

  const auto vae = read_vae_config(model / "vae" / "config.json");
  CHECK(vae.block_out_channels == std::vector<int64_t>{16, 32, 32, 32});
  CHECK(vae.norm_num_groups == 8);
  CHECK(vae.scaling_factor == Approx(0.13025));
  CHECK(vae.sample_size == 128);

  const auto te1 = read_clip_text_config(model / "text_encoder" / "config.json");
  CHECK(te1.hidden_size == 32);
  CHECK(te1.num_hidden_layers == 3);
  CHECK(te1.hidden_act == "quick_gelu");
  CHECK(te1.projection_dim == 0);  // CLIPTextModel: projection_dim in the file, but no layer
  CHECK(te1.eos_token_id == 2);
  const auto te2 = read_clip_text_config(model / "text_encoder_2" / "config.json");
  CHECK(te2.hidden_act == "gelu");
  CHECK(te2.projection_dim == 32);
  CHECK(te2.intermediate_size == 80);
}

TEST_CASE("per-level UNet settings accept a single integer", "[sdxl][unit]") {
  TempConfig file(kUNet);
  const auto unet = read_unet_config(file.path());
  CHECK(unet.transformer_layers_per_block == std::vector<int64_t>{2, 2, 2});
}

TEST_CASE("bad config.json files are errors naming the file and the key", "[sdxl][unit]") {
  SECTION("missing required key") {
    TempConfig file(R"({"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2})");
    const auto message = error_of([&] { read_clip_text_config(file.path()); });
    CHECK_THAT(message, Catch::Contains(file.path().string()));
    CHECK_THAT(message, Catch::Contains("\"num_attention_heads\""));
    CHECK_THAT(message, Catch::Contains("missing"));
  }
  SECTION("wrong type") {
    TempConfig file(R"({"hidden_size": "32", "intermediate_size": 64, "num_hidden_layers": 2,
                        "num_attention_heads": 4})");
    const auto message = error_of([&] { read_clip_text_config(file.path()); });
    CHECK_THAT(message, Catch::Contains("\"hidden_size\": expected an integer, got \"32\""));
  }
  SECTION("unsupported activation") {
    TempConfig file(R"({"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2,
                        "num_attention_heads": 4, "hidden_act": "relu"})");
    CHECK_THAT(error_of([&] { read_clip_text_config(file.path()); }),
               Catch::Contains("\"hidden_act\""));
  }
  SECTION("malformed JSON") {
    TempConfig file("{\"hidden_size\": ");
    const auto message = error_of([&] { read_clip_text_config(file.path()); });
    CHECK_THAT(message, Catch::Contains(file.path().string()));
    CHECK_THAT(message, Catch::Contains("malformed JSON"));
  }
  SECTION("a UNet without SDXL's text_time conditioning") {
    std::string text = kUNet;
    text.replace(text.find("\"text_time\""), 11, "\"text\"");
    TempConfig file(text);
    CHECK_THAT(error_of([&] { read_unet_config(file.path()); }),
               Catch::Contains("\"addition_embed_type\": expected \"text_time\""));
  }
  SECTION("per-level list of the wrong length") {
    std::string text = kUNet;
    text.replace(text.find("[1, 2, 3]"), 9, "[1, 2]");
    TempConfig file(text);
    CHECK_THAT(error_of([&] { read_unet_config(file.path()); }),
               Catch::Contains("\"attention_head_dim\": expected a list of 3 entries"));
  }
  SECTION("heads that do not divide the channels") {
    std::string text = kUNet;
    text.replace(text.find("[1, 2, 3]"), 9, "[1, 3, 3]");
    TempConfig file(text);
    CHECK_THAT(error_of([&] { read_unet_config(file.path()); }),
               Catch::Contains("a divisor of block_out_channels[1] = 32"));
  }
  SECTION("unknown block type") {
    std::string text = kUNet;
    text.replace(text.find("\"UpBlock2D\""), 11, "\"AttnUpBlock2D\"");
    TempConfig file(text);
    CHECK_THAT(error_of([&] { read_unet_config(file.path()); }),
               Catch::Contains("\"up_block_types\""));
  }
  SECTION("SD 1.x style convolution projections") {
    std::string text = kUNet;
    text.replace(text.find("\"use_linear_projection\": true"), 29,
                 "\"use_linear_projection\": false");
    TempConfig file(text);
    CHECK_THAT(error_of([&] { read_unet_config(file.path()); }),
               Catch::Contains("\"use_linear_projection\""));
  }
  SECTION("VAE without block_out_channels") {
    TempConfig file(R"({"latent_channels": 4})");
    CHECK_THAT(error_of([&] { read_vae_config(file.path()); }),
               Catch::Contains("\"block_out_channels\": missing"));
  }
}

TEST_CASE("a missing config.json is an I/O failure", "[sdxl][unit]") {
  CHECK_THROWS_AS(read_vae_config("/nonexistent/dgxpx/config.json"), dgxpx::util::RuntimeFailure);
}

TEST_CASE("SDXL base configurations are the published ones", "[sdxl][unit]") {
  const auto unet = sdxl_base_unet_config();
  CHECK(unet.block_out_channels == std::vector<int64_t>{320, 640, 1280});
  CHECK(unet.transformer_layers_per_block == std::vector<int64_t>{1, 2, 10});
  CHECK(unet.attention_heads == std::vector<int64_t>{5, 10, 20});
  CHECK(unet.cross_attention_dim == 2048);
  CHECK(unet.projection_class_embeddings_input_dim == 2816);
  const auto te2 = sdxl_base_text_encoder_2_config();
  CHECK(te2.hidden_size == 1280);
  CHECK(te2.num_hidden_layers == 32);
  CHECK(te2.projection_dim == 1280);
  CHECK(sdxl_base_text_encoder_config().projection_dim == 0);
  CHECK(sdxl_base_vae_config().scaling_factor == Approx(0.13025));
}
