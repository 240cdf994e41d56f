// UniPC, as diffusers 0.24's UniPCMultistepScheduler with its defaults (solver_order 2,
// predict_x0, solver_type "bh2", lower_order_final, no disabled correctors): Zhao et al. 2023,
// https://arxiv.org/abs/2302.04867, algorithms 1-2 (UniP-p predictor, UniC corrector) in the
// data-prediction form with B(h) = e^h - 1.
#include <cmath>

#include "compiler/sdxl/dpm_math.h"
#include "compiler/sdxl/schedule_math.h"
#include "compiler/sdxl/schedulers.h"

namespace dgxpx::sdxl {
namespace {

using namespace dpm_math;

constexpr int64_t kSolverOrder = 2;

}  // namespace

UniPcScheduler::UniPcScheduler(const SchedulerConfig& config, int64_t num_steps)
    : Scheduler(SamplerKind::unipc, config) {
  const int64_t T = config.num_train_timesteps;
  // The same spacings as DPM-Solver, over all training timesteps (no lambda clipping).
  const std::vector<int64_t> timesteps = schedule_math::dpm_timesteps(
      config.timestep_spacing.value_or(TimestepSpacing::linspace), T, T, num_steps, config.steps_offset);
  for (int64_t t : timesteps)
    TORCH_CHECK(t >= 0 && t < T, "UniPC timestep ", t, " outside the training range; check steps_offset");
  const torch::Tensor train_sigmas = train_.sigmas.contiguous();
  const std::vector<float> table(train_sigmas.data_ptr<float>(),
                                 train_sigmas.data_ptr<float>() + train_sigmas.numel());
  std::vector<float> sigmas;
  for (int64_t t : timesteps)
    sigmas.push_back(static_cast<float>(schedule_math::interp(static_cast<double>(t), table)));
  sigmas.push_back(table.front());  // like DPM-Solver in diffusers 0.24: ends at sigma(t=0)
  timesteps_ = torch::tensor(timesteps, torch::kInt64);
  sigmas_ = torch::tensor(sigmas, torch::kFloat32);
  init_noise_sigma_ = 1.0;
}

void UniPcScheduler::reset_impl() {
  x0_older_ = x0_newer_ = last_sample_ = torch::Tensor();
  last_order_ = 0;
  lower_order_nums_ = 0;
}

// UniC: refines the sample the previous predictor produced (at sigma_i) with the new data
// prediction x0 at that point. Of order last_order_ (1: the simplified rho = 1/2 form).
torch::Tensor UniPcScheduler::corrected(const torch::Tensor& x0, int64_t i) const {
  const AlphaSigma t = alpha_sigma(sigma_at(i));
  const AlphaSigma s0 = alpha_sigma(sigma_at(i - 1));
  const float h = t.lambda() - s0.lambda();
  const float hh = -h;  // data prediction integrates in -lambda
  const float h_phi_1 = torch_expm1(hh);
  const float b_h = h_phi_1;  // bh2
  const torch::Tensor& m0 = x0_newer_;
  const torch::Tensor base = (t.sigma / s0.sigma) * last_sample_ - (t.alpha * h_phi_1) * m0;
  const torch::Tensor d1_t = x0 - m0;
  if (last_order_ == 1) return base - (t.alpha * b_h) * (0.5f * d1_t);

  // Order 2: rho solves [[1, 1], [r, 1]] rho = b with r = (lambda_{s1} - lambda_{s0}) / h and
  // b_k = k! * phi_{k+1}(hh) * hh / B(h) (phi_k by its recurrence).
  const AlphaSigma s1 = alpha_sigma(sigma_at(i - 2));
  const float r = (s1.lambda() - s0.lambda()) / h;
  const torch::Tensor d1 = (x0_older_ - m0) / r;
  const float phi_2 = h_phi_1 / hh - 1.0f;
  const float phi_3 = phi_2 / hh - 0.5f;
  const double b0 = phi_2 / b_h, b1 = phi_3 * 2.0f / b_h;
  const double rho0 = (b0 - b1) / (1.0 - r);  // Cramer's rule on the 2x2 system
  const auto rho1 = static_cast<float>(b0 - rho0);
  return base - (t.alpha * b_h) * (static_cast<float>(rho0) * d1 + rho1 * d1_t);
}

// UniP: from sigma_i to sigma_{i+1} with the data predictions of this and (order 2) the previous
// step (x0_newer_ is this step's by now).
torch::Tensor UniPcScheduler::predicted(int64_t i, const torch::Tensor& sample, int64_t order) const {
  const AlphaSigma t = alpha_sigma(sigma_at(i + 1));
  const AlphaSigma s0 = alpha_sigma(sigma_at(i));
  const float h = t.lambda() - s0.lambda();
  const float h_phi_1 = torch_expm1(-h);
  const float b_h = h_phi_1;  // bh2
  const torch::Tensor& m0 = x0_newer_;
  torch::Tensor x = (t.sigma / s0.sigma) * sample - (t.alpha * h_phi_1) * m0;
  if (order == 2) {
    const AlphaSigma s1 = alpha_sigma(sigma_at(i - 1));
    const float r = (s1.lambda() - s0.lambda()) / h;
    const torch::Tensor d1 = (x0_older_ - m0) / r;
    x = x - (t.alpha * b_h) * (0.5f * d1);  // order 2 uses rho = 1/2
  }
  return x;
}

torch::Tensor UniPcScheduler::step_impl(const torch::Tensor& model_output, int64_t i,
                                        const torch::Tensor& sample, const NoiseGenerators&) {
  const AlphaSigma s = alpha_sigma(sigma_at(i));
  const torch::Tensor x0 = config_.prediction_type == PredictionType::epsilon
                               ? (sample - s.sigma * model_output) / s.alpha
                               : s.alpha * sample - s.sigma * model_output;
  const torch::Tensor x = i > 0 && last_sample_.defined() ? corrected(x0, i) : sample;

  x0_older_ = x0_newer_;
  x0_newer_ = x0;
  // lower_order_final: the last steps use no more history than steps remain; warm-up: no more
  // than the steps taken.
  const int64_t order = std::min({kSolverOrder, num_steps() - i, lower_order_nums_ + 1});
  last_order_ = order;
  last_sample_ = x;
  torch::Tensor prev = predicted(i, x, order);
  if (lower_order_nums_ < kSolverOrder) ++lower_order_nums_;
  return prev;
}

}  // namespace dgxpx::sdxl
