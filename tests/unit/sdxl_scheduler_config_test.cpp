#include "compiler/sdxl/scheduler_config.h"

#include <unistd.h>

#include <fstream>

#include "tests/support/catch_torch.h"

#include "compiler/util/error.h"

using namespace dgxpx::sdxl;

namespace {

struct TempFile {
  std::filesystem::path path;
  explicit TempFile(const std::string& text) {
    static int counter = 0;
    path = std::filesystem::temp_directory_path() /
           ("dgxpx_scheduler_config_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + ".json");
    std::ofstream(path) << text;
  }
  ~TempFile() { std::filesystem::remove(path); }
};

// SDXL base 1.0's scheduler/scheduler_config.json.
constexpr const char* kSdxlBase = R"({
  "_class_name": "EulerDiscreteScheduler", "_diffusers_version": "0.19.0.dev0",
  "beta_end": 0.012, "beta_schedule": "scaled_linear", "beta_start": 0.00085,
  "clip_sample": false, "interpolation_type": "linear", "num_train_timesteps": 1000,
  "prediction_type": "epsilon", "sample_max_value": 1.0, "set_alpha_to_one": false,
  "skip_prk_steps": true, "steps_offset": 1, "timestep_spacing": "leading",
  "trained_betas": null, "use_karras_sigmas": false})";

std::string error_of(const std::string& text) {
  TempFile file(text);
  try {
    read_scheduler_config(file.path);
  } catch (const dgxpx::util::InputError& e) {
    REQUIRE(e.where().file == file.path.string());
    return e.message();
  }
  FAIL("expected an InputError for " << text);
  return {};
}

}  // namespace

TEST_CASE("reads SDXL base's scheduler config", "[sdxl][scheduler_config]") {
  TempFile file(kSdxlBase);
  const SchedulerConfig c = read_scheduler_config(file.path);
  const SchedulerConfig expected = sdxl_base_scheduler_config();
  REQUIRE(c.num_train_timesteps == expected.num_train_timesteps);
  REQUIRE(c.beta_start == expected.beta_start);
  REQUIRE(c.beta_end == expected.beta_end);
  REQUIRE(c.beta_schedule == BetaSchedule::scaled_linear);
  REQUIRE(c.trained_betas.empty());
  REQUIRE(c.prediction_type == PredictionType::epsilon);
  REQUIRE(c.timestep_spacing == TimestepSpacing::leading);
  REQUIRE(c.steps_offset == 1);
  REQUIRE(c.set_alpha_to_one == false);
  REQUIRE_FALSE(c.clip_sample);
}

TEST_CASE("missing keys keep diffusers' defaults", "[sdxl][scheduler_config]") {
  TempFile file("{}");
  const SchedulerConfig c = read_scheduler_config(file.path);
  REQUIRE(c.beta_schedule == BetaSchedule::linear);
  REQUIRE(c.beta_start == 0.0001);
  REQUIRE(c.steps_offset == 0);
  REQUIRE_FALSE(c.timestep_spacing.has_value());   // each sampler's own default
  REQUIRE_FALSE(c.set_alpha_to_one.has_value());
}

TEST_CASE("v-prediction and trained betas are read", "[sdxl][scheduler_config]") {
  std::string betas = "[";
  for (int i = 0; i < 10; ++i) betas += (i ? ", " : "") + std::to_string(0.01 * (i + 1));
  betas += "]";
  TempFile file(R"({"num_train_timesteps": 10, "prediction_type": "v_prediction", "trained_betas": )" +
                betas + "}");
  const SchedulerConfig c = read_scheduler_config(file.path);
  REQUIRE(c.prediction_type == PredictionType::v_prediction);
  REQUIRE(c.trained_betas.size() == 10);
  REQUIRE(c.trained_betas[9] == Approx(0.1));
}

TEST_CASE("bad or unsupported values name the key", "[sdxl][scheduler_config]") {
  REQUIRE_THAT(error_of("[1]"), Catch::Contains("JSON object"));
  REQUIRE_THAT(error_of("{\"beta_start\": "), Catch::Contains("malformed JSON"));
  REQUIRE_THAT(error_of(R"({"beta_schedule": "squaredcos_cap_v2"})"), Catch::Contains("beta_schedule"));
  REQUIRE_THAT(error_of(R"({"steps_offset": "1"})"), Catch::Contains("steps_offset"));
  REQUIRE_THAT(error_of(R"({"timestep_spacing": "sometimes"})"), Catch::Contains("timestep_spacing"));
  REQUIRE_THAT(error_of(R"({"prediction_type": "sample"})"), Catch::Contains("prediction_type"));
  REQUIRE_THAT(error_of(R"({"interpolation_type": "log_linear"})"), Catch::Contains("interpolation_type"));
  REQUIRE_THAT(error_of(R"({"thresholding": true})"), Catch::Contains("thresholding"));
  REQUIRE_THAT(error_of(R"({"rescale_betas_zero_snr": true})"), Catch::Contains("rescale_betas_zero_snr"));
  REQUIRE_THAT(error_of(R"({"trained_betas": [0.1, 0.2]})"), Catch::Contains("trained_betas"));
  REQUIRE_THAT(error_of(R"({"beta_end": 1.5})"), Catch::Contains("beta_end"));
  REQUIRE_THROWS_AS(read_scheduler_config("/nonexistent/scheduler_config.json"), dgxpx::util::InputError);
}
