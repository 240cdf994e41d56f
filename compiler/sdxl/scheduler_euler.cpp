// Euler and Euler ancestral, as diffusers 0.24's EulerDiscreteScheduler and
// EulerAncestralDiscreteScheduler (k-diffusion's sample_euler / sample_euler_ancestral).
#include <cmath>

#include "compiler/sdxl/rng.h"
#include "compiler/sdxl/schedule_math.h"
#include "compiler/sdxl/schedulers.h"

namespace dgxpx::sdxl {

EulerScheduler::EulerScheduler(const SchedulerConfig& config, int64_t num_steps, bool ancestral)
    : Scheduler(ancestral ? SamplerKind::euler_ancestral : SamplerKind::euler, config),
      ancestral_(ancestral) {
  const TimestepSpacing spacing = config.timestep_spacing.value_or(TimestepSpacing::linspace);
  std::vector<float> timesteps;
  for (double t : schedule_math::single_step_timesteps(spacing, config.num_train_timesteps, num_steps,
                                                       config.steps_offset, false))
    timesteps.push_back(static_cast<float>(t));  // diffusers keeps Euler timesteps in float32

  const torch::Tensor train_sigmas = train_.sigmas.contiguous();
  const std::vector<float> table(train_sigmas.data_ptr<float>(),
                                 train_sigmas.data_ptr<float>() + train_sigmas.numel());
  std::vector<float> sigmas;
  for (float t : timesteps) sigmas.push_back(static_cast<float>(schedule_math::interp(t, table)));
  sigmas.push_back(0.0f);

  timesteps_ = torch::tensor(timesteps, torch::kFloat32);
  sigmas_ = torch::tensor(sigmas, torch::kFloat32);
  const float sigma_max = sigmas_.max().item<float>();
  // "leading"/other spacings scale the noise to sqrt(sigma_max^2 + 1), linspace/trailing to
  // sigma_max (the schedule then starts at the noise level of the first timestep).
  init_noise_sigma_ = spacing == TimestepSpacing::linspace || spacing == TimestepSpacing::trailing
                          ? sigma_max
                          : std::sqrt(sigma_max * sigma_max + 1.0f);
}

torch::Tensor EulerScheduler::scale_model_input(const torch::Tensor& sample, int64_t i) const {
  TORCH_CHECK(i >= 0 && i < num_steps(), "scale_model_input: step ", i, " out of range [0, ",
              num_steps(), ")");
  const float sigma = sigma_at(i);
  return sample.to(torch::kFloat32) / std::sqrt(sigma * sigma + 1.0f);
}

torch::Tensor EulerScheduler::add_noise(const torch::Tensor& original, const torch::Tensor& noise,
                                        int64_t i) const {
  TORCH_CHECK(i >= 0 && i < num_steps(), "add_noise: step ", i, " out of range [0, ", num_steps(), ")");
  // No init_noise_sigma factor: the sample sits at sigma_i, as the loop expects at step i.
  return original.to(torch::kFloat32) + noise.to(torch::kFloat32) * sigma_at(i);
}

torch::Tensor EulerScheduler::step_impl(const torch::Tensor& model_output, int64_t i,
                                        const torch::Tensor& sample, const NoiseGenerators& generators) {
  const float sigma = sigma_at(i);
  const float sigma_next = sigma_at(i + 1);

  auto predicted_x0 = [&](float s) {
    if (config_.prediction_type == PredictionType::epsilon) return sample - s * model_output;
    // v-prediction: x0 = -s / sqrt(s^2 + 1) * v + x / (s^2 + 1)
    return model_output * (-s / std::sqrt(s * s + 1.0f)) + sample / (s * s + 1.0f);
  };

  if (!ancestral_) {
    // diffusers 0.24 draws this noise every step even though s_churn = 0 leaves it unused; the
    // draw keeps the generators' state in step with the reference (per entry: each advances
    // by its own entry's share).
    if (generators.defined()) (void)generators.randn(model_output.sizes());
    const float sigma_hat = sigma;  // gamma = 0 (no churn)
    const torch::Tensor x0 = predicted_x0(sigma_hat);
    const torch::Tensor derivative = (sample - x0) / sigma_hat;
    const float dt = sigma_next - sigma_hat;
    return sample + derivative * dt;
  }

  const torch::Tensor x0 = predicted_x0(sigma);
  // Split the step into a deterministic part down to sigma_down and fresh noise of sigma_up.
  const float sigma_up =
      std::sqrt(sigma_next * sigma_next * (sigma * sigma - sigma_next * sigma_next) / (sigma * sigma));
  const float sigma_down = std::sqrt(sigma_next * sigma_next - sigma_up * sigma_up);
  const torch::Tensor derivative = (sample - x0) / sigma;
  const float dt = sigma_down - sigma;
  const torch::Tensor prev = sample + derivative * dt;
  const torch::Tensor noise = generators.randn(model_output.sizes(), model_output.options());
  return prev + noise * sigma_up;
}

}  // namespace dgxpx::sdxl
