// DDIM, as diffusers 0.24's DDIMScheduler (Song et al. 2020, https://arxiv.org/abs/2010.02502,
// eq. 12), with SDXL's set_alpha_to_one = false: the step past the first training timestep lands
// on alphas_cumprod[0], not 1.
#include <cmath>

#include "compiler/sdxl/rng.h"
#include "compiler/sdxl/schedule_math.h"
#include "compiler/sdxl/schedulers.h"

namespace dgxpx::sdxl {

DdimScheduler::DdimScheduler(const SchedulerConfig& config, int64_t num_steps, double eta)
    : Scheduler(SamplerKind::ddim, config), eta_(eta) {
  std::vector<int64_t> timesteps;
  for (double t : schedule_math::single_step_timesteps(
           config.timestep_spacing.value_or(TimestepSpacing::leading), config.num_train_timesteps,
           num_steps, config.steps_offset, true))
    timesteps.push_back(static_cast<int64_t>(t));
  for (int64_t t : timesteps)
    TORCH_CHECK(t >= 0 && t < config.num_train_timesteps, "DDIM timestep ", t,
                " outside the training range; check steps_offset");
  timesteps_ = torch::tensor(timesteps, torch::kInt64);
  final_alpha_cumprod_ =
      config.set_alpha_to_one.value_or(true) ? 1.0f : train_.alphas_cumprod[0].item<float>();
  init_noise_sigma_ = 1.0;
}

float DdimScheduler::alpha_cumprod_prev(int64_t i) const {
  // diffusers steps back by T // n whatever the spacing.
  const int64_t prev_t =
      timesteps_[i].item<int64_t>() - config_.num_train_timesteps / num_steps();
  return prev_t >= 0 ? train_.alphas_cumprod[prev_t].item<float>() : final_alpha_cumprod_;
}

torch::Tensor DdimScheduler::step_impl(const torch::Tensor& model_output, int64_t i,
                                       const torch::Tensor& sample, const NoiseGenerators& generators) {
  const float alpha_prod_t = train_.alphas_cumprod[timesteps_[i].item<int64_t>()].item<float>();
  const float alpha_prod_t_prev = alpha_cumprod_prev(i);
  const float beta_prod_t = 1.0f - alpha_prod_t;
  const float sqrt_alpha = std::sqrt(alpha_prod_t);
  const float sqrt_beta = std::sqrt(beta_prod_t);

  torch::Tensor x0, epsilon;
  if (config_.prediction_type == PredictionType::epsilon) {
    x0 = (sample - sqrt_beta * model_output) / sqrt_alpha;
    epsilon = model_output;
  } else {
    x0 = sqrt_alpha * sample - sqrt_beta * model_output;
    epsilon = sqrt_alpha * model_output + sqrt_beta * sample;
  }
  if (config_.clip_sample) {
    const double range = config_.clip_sample_range;
    x0 = x0.clamp(-range, range);
  }

  // sigma_t of eq. 16: eta * sqrt((1 - a_prev) / (1 - a_t) * (1 - a_t / a_prev)).
  const float beta_prod_t_prev = 1.0f - alpha_prod_t_prev;
  const float variance = (beta_prod_t_prev / beta_prod_t) * (1.0f - alpha_prod_t / alpha_prod_t_prev);
  const float std_dev_t = static_cast<float>(eta_) * std::sqrt(variance);

  const torch::Tensor direction =
      std::sqrt(1.0f - alpha_prod_t_prev - std_dev_t * std_dev_t) * epsilon;
  torch::Tensor prev = std::sqrt(alpha_prod_t_prev) * x0 + direction;
  if (eta_ > 0) {
    const torch::Tensor noise = generators.randn(model_output.sizes(), model_output.options());
    prev = prev + std_dev_t * noise;
  }
  return prev;
}

}  // namespace dgxpx::sdxl
