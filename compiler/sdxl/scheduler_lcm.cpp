// LCM, as diffusers 0.24's LCMScheduler (multistep consistency sampling of Luo et al. 2023,
// https://arxiv.org/abs/2310.04378, algorithm 1), the sampler of LCM-LoRA.
#include <cmath>

#include "compiler/sdxl/rng.h"
#include "compiler/sdxl/schedulers.h"

namespace dgxpx::sdxl {
namespace {

// The data standard deviation of the consistency parametrisation's boundary condition.
constexpr float kSigmaData = 0.5f;

}  // namespace

LcmScheduler::LcmScheduler(const SchedulerConfig& config, int64_t num_steps)
    : Scheduler(SamplerKind::lcm, config) {
  // The distillation schedule: every k-th training timestep ending at k - 1 (k = T / steps),
  // visited from the noisiest; inference takes evenly spaced entries of it.
  const int64_t original = config.original_inference_steps;
  TORCH_CHECK(original >= 1 && original <= config.num_train_timesteps,
              "original_inference_steps ", original, " outside [1, ", config.num_train_timesteps, "]");
  TORCH_CHECK(num_steps >= 1 && num_steps <= original, "LCM: ", num_steps,
              " steps, expected 1 to original_inference_steps ", original);
  const int64_t k = config.num_train_timesteps / original;
  const double stride = static_cast<double>(original) / static_cast<double>(num_steps);
  std::vector<int64_t> timesteps;
  for (int64_t j = 0; j < num_steps; ++j) {
    // numpy.floor(linspace(0, original, num_steps, endpoint=False)) indexes the reversed list.
    const auto index = static_cast<int64_t>(std::floor(static_cast<double>(j) * stride));
    timesteps.push_back((original - index) * k - 1);
  }
  timesteps_ = torch::tensor(timesteps, torch::kInt64);
  init_noise_sigma_ = 1.0;
}

torch::Tensor LcmScheduler::step_impl(const torch::Tensor& model_output, int64_t i,
                                      const torch::Tensor& sample, const NoiseGenerators& generators) {
  const bool last = i == num_steps() - 1;
  const int64_t t = timesteps_[i].item<int64_t>();
  const int64_t t_next = last ? t : timesteps_[i + 1].item<int64_t>();
  const float alpha_prod_t = train_.alphas_cumprod[t].item<float>();
  const float alpha_prod_next = train_.alphas_cumprod[t_next].item<float>();
  const float sqrt_alpha = std::sqrt(alpha_prod_t);
  const float sqrt_beta = std::sqrt(1.0f - alpha_prod_t);

  torch::Tensor x0 = config_.prediction_type == PredictionType::epsilon
                         ? (sample - sqrt_beta * model_output) / sqrt_alpha
                         : sqrt_alpha * sample - sqrt_beta * model_output;
  if (config_.clip_sample) x0 = x0.clamp(-config_.clip_sample_range, config_.clip_sample_range);

  // Boundary condition: c_skip -> 1 and c_out -> 0 as t -> 0, so that f(x, 0) = x.
  const float scaled_t = static_cast<float>(t) * static_cast<float>(config_.timestep_scaling);
  const float c_skip = kSigmaData * kSigmaData / (scaled_t * scaled_t + kSigmaData * kSigmaData);
  const float c_out = scaled_t / std::sqrt(scaled_t * scaled_t + kSigmaData * kSigmaData);
  denoised_ = c_out * x0 + c_skip * sample;
  if (last) return denoised_;

  const torch::Tensor noise = generators.randn(model_output.sizes(), model_output.options());
  return std::sqrt(alpha_prod_next) * denoised_ + std::sqrt(1.0f - alpha_prod_next) * noise;
}

}  // namespace dgxpx::sdxl
