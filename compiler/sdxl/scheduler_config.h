#pragma once
// The noise-schedule half of diffusers' scheduler_config.json: what every sampler derives its
// timesteps and sigmas from. Which sampler runs is chosen separately (schedulers.h), as with
// diffusers' `Class.from_config(pipe.scheduler.config)`.
#include <cstdint>
#include <filesystem>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace dgxpx::sdxl {

enum class BetaSchedule { linear, scaled_linear };
enum class TimestepSpacing { leading, trailing, linspace };
enum class PredictionType { epsilon, v_prediction };

/// Fields of scheduler_config.json the samplers use. Defaults are diffusers' class defaults
/// where all sampler classes agree; the two fields whose default depends on the class are
/// optional (unset = that class's default).
struct SchedulerConfig {
  int64_t num_train_timesteps = 1000;
  double beta_start = 0.0001;
  double beta_end = 0.02;
  BetaSchedule beta_schedule = BetaSchedule::linear;
  std::vector<float> trained_betas;  // non-empty: used instead of beta_start/end/schedule
  PredictionType prediction_type = PredictionType::epsilon;
  std::optional<TimestepSpacing> timestep_spacing;  // default: leading (DDIM), linspace (others)
  int64_t steps_offset = 0;
  std::optional<bool> set_alpha_to_one;  // DDIM only; default true
  bool clip_sample = false;              // DDIM only
  double clip_sample_range = 1.0;        // DDIM only
  double lambda_min_clipped = -std::numeric_limits<double>::infinity();  // DPM-Solver only
  int64_t original_inference_steps = 50;  // LCM only: the distillation schedule's length
  double timestep_scaling = 10.0;         // LCM only: c_skip/c_out are taken at t * this
};

/// SDXL base 1.0's scheduler/scheduler_config.json.
SchedulerConfig sdxl_base_scheduler_config();

/// Reads scheduler_config.json. Unknown keys are ignored (diffusers does the same); options this
/// implementation does not support with a non-default value (interpolation_type other than
/// "linear", thresholding, rescale_betas_zero_snr, timestep_type "continuous",
/// a beta_schedule other than linear/scaled_linear, prediction_type "sample") are
/// util::InputError naming the file and the key, as are ill-typed values.
SchedulerConfig read_scheduler_config(const std::filesystem::path& config_json);

const char* to_string(TimestepSpacing spacing);
const char* to_string(PredictionType prediction);
const char* to_string(BetaSchedule schedule);

}  // namespace dgxpx::sdxl
