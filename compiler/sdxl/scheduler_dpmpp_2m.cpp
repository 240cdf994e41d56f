// DPM-Solver++(2M), as diffusers 0.24's DPMSolverMultistepScheduler with solver_order 2,
// algorithm "dpmsolver++" or "sde-dpmsolver++", solver "midpoint", lower_order_final. Lu et al.
// 2022, https://arxiv.org/abs/2211.01095 (algorithm 2; the SDE variant is its section 4's
// stochastic solver), in the sigma parametrisation diffusers uses.
#include <cmath>
#include <limits>

#include "compiler/sdxl/dpm_math.h"
#include "compiler/sdxl/schedule_math.h"
#include "compiler/sdxl/schedulers.h"

namespace dgxpx::sdxl {
namespace {

using namespace dpm_math;

// lower_order_final: with fewer steps than this, the last step is taken at first order
// (diffusers' stabilisation for short schedules).
constexpr int64_t kLowerOrderFinalBelowSteps = 15;

}  // namespace

DpmSolverMultistepScheduler::DpmSolverMultistepScheduler(const SchedulerConfig& config,
                                                         int64_t num_steps, SamplerKind kind)
    : Scheduler(kind, config), sde_(kind == SamplerKind::dpmpp_2m_sde_karras) {
  TORCH_INTERNAL_ASSERT(kind == SamplerKind::dpmpp_2m || kind == SamplerKind::dpmpp_2m_karras || sde_,
                        "not a DPM-Solver sampler: ", to_string(kind));
  const bool karras = kind != SamplerKind::dpmpp_2m;
  const int64_t T = config.num_train_timesteps;
  // last_timestep = T - searchsorted(flip(lambda_t), lambda_min_clipped): timesteps whose
  // log-SNR is below the clip are never visited (all of them are visited by default, -inf).
  const torch::Tensor lambda_t =
      torch::log(train_.alphas_cumprod.sqrt()) - torch::log((1 - train_.alphas_cumprod).sqrt());
  const int64_t clipped = (lambda_t < config.lambda_min_clipped).sum().item<int64_t>();
  const int64_t last_timestep = T - clipped;

  const torch::Tensor train_sigmas = train_.sigmas.contiguous();
  const std::vector<float> table(train_sigmas.data_ptr<float>(),
                                 train_sigmas.data_ptr<float>() + train_sigmas.numel());
  std::vector<int64_t> timesteps;
  std::vector<float> sigmas;
  if (!karras) {
    timesteps = schedule_math::dpm_timesteps(config.timestep_spacing.value_or(TimestepSpacing::linspace),
                                             T, last_timestep, num_steps, config.steps_offset);
    for (int64_t t : timesteps)
      sigmas.push_back(static_cast<float>(schedule_math::interp(static_cast<double>(t), table)));
    // diffusers 0.24 ends at sigma(t=0), not at 0.
    sigmas.push_back(table.front());
  } else {
    // Karras sigmas between the training extremes, mapped back to (rounded) timesteps through
    // the log-sigma table; the last sigma is repeated, making the final step a no-op.
    std::vector<float> log_sigmas;
    for (float s : table) log_sigmas.push_back(std::log(s));
    for (double s : schedule_math::karras_sigmas(table.front(), table.back(), num_steps)) {
      timesteps.push_back(static_cast<int64_t>(
          schedule_math::round_half_even(schedule_math::sigma_to_t(s, log_sigmas))));
      sigmas.push_back(static_cast<float>(s));
    }
    sigmas.push_back(sigmas.back());
  }
  timesteps_ = torch::tensor(timesteps, torch::kInt64);
  sigmas_ = torch::tensor(sigmas, torch::kFloat32);
  init_noise_sigma_ = 1.0;
}

void DpmSolverMultistepScheduler::reset_impl() {
  previous_x0_ = torch::Tensor();
  lower_order_nums_ = 0;
}

torch::Tensor DpmSolverMultistepScheduler::step_impl(const torch::Tensor& model_output, int64_t i,
                                                     const torch::Tensor& sample,
                                                     const NoiseGenerators& generators) {
  const int64_t n = num_steps();
  const bool lower_order_final = i == n - 1 && n < kLowerOrderFinalBelowSteps;

  // The data prediction x0 the solver works with.
  const AlphaSigma s0 = alpha_sigma(sigma_at(i));
  const torch::Tensor x0 = config_.prediction_type == PredictionType::epsilon
                               ? (sample - s0.sigma * model_output) / s0.alpha
                               : s0.alpha * sample - s0.sigma * model_output;

  const AlphaSigma t = alpha_sigma(sigma_at(i + 1));
  const float h = t.lambda() - s0.lambda();
  const bool first_order = lower_order_nums_ < 1 || lower_order_final;
  // D1 = (m0 - m1) / r0 with r0 = h_{i-1} / h_i; r0 is +-inf when h = 0 (repeated last Karras
  // sigma) and D1 becomes 0.
  auto d1 = [&]() {
    const AlphaSigma s1 = alpha_sigma(sigma_at(i - 1));
    const float r0 = (s0.lambda() - s1.lambda()) / h;
    return (1.0f / r0) * (x0 - previous_x0_);
  };
  torch::Tensor prev;
  if (sde_) {
    // Drawn before the update on every step, as diffusers does, whatever the order.
    const torch::Tensor noise = generators.randn(model_output.sizes(), model_output.options());
    const float decay = torch_exp(-2.0f * h);  // e^{-2h}
    const float x0_coeff = t.alpha * (1.0f - decay);
    prev = (t.sigma / s0.sigma * torch_exp(-h)) * sample + x0_coeff * x0;
    if (!first_order) prev = prev + (0.5f * x0_coeff) * d1();
    prev = prev + t.sigma * std::sqrt(1.0f - decay) * noise;
  } else {
    const float phi = t.alpha * (torch_exp(-h) - 1.0f);  // alpha_t * (e^{-h} - 1)
    // First order is DPM-Solver++ 1 (DDIM in x0 form); second order adds the midpoint term.
    prev = (t.sigma / s0.sigma) * sample - phi * x0;
    if (!first_order) prev = prev - (0.5f * phi) * d1();
  }
  previous_x0_ = x0;
  if (lower_order_nums_ < 2) ++lower_order_nums_;
  return prev;
}

}  // namespace dgxpx::sdxl
