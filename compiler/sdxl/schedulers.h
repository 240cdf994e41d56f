#pragma once
// Samplers as diffusers 0.24 configures them for SDXL: Euler, Euler ancestral, DPM++ 2M (with
// and without Karras sigmas) and DDIM. A sampler never sees a network: it turns the model's
// output into the next sample, and `sample()` drives the loop over a denoise callback.
// The numbers follow diffusers' float32 arithmetic (schedule in float32 torch ops, per-step
// coefficients as float32 scalars), so the reference fixtures match to ~1e-6.
// Reference: diffusers v0.24.0 src/diffusers/schedulers/scheduling_{euler_discrete,
// euler_ancestral_discrete,dpmsolver_multistep,ddim}.py.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include <torch/torch.h>

#include "compiler/sdxl/rng.h"
#include "compiler/sdxl/scheduler_config.h"

namespace dgxpx::sdxl {

enum class SamplerKind { euler, euler_ancestral, dpmpp_2m, dpmpp_2m_karras, ddim };

/// "euler", "euler_a" (or "euler_ancestral"), "dpmpp_2m", "dpmpp_2m_karras", "ddim";
/// nullopt for anything else.
std::optional<SamplerKind> parse_sampler_kind(std::string_view name);
/// The canonical name (the first spelling above).
const char* to_string(SamplerKind kind);
/// All canonical names, for error messages ("expected one of ...").
const std::vector<std::string_view>& sampler_kind_names();

/// diffusers' training noise schedule, computed with the same float32 torch ops.
struct TrainSchedule {
  torch::Tensor alphas_cumprod;  // [T] float32, cumprod(1 - betas)
  torch::Tensor sigmas;          // [T] float32, sqrt((1 - alphas_cumprod) / alphas_cumprod)
};
TrainSchedule make_train_schedule(const SchedulerConfig& config);

/// One sampling run's schedule and state. Steps are taken in order 0..num_steps()-1 (checked);
/// reset() starts over. Arithmetic is float32: lower-precision inputs are upcast and results
/// are float32 on the inputs' device.
class Scheduler {
 public:
  virtual ~Scheduler() = default;

  SamplerKind kind() const { return kind_; }
  int64_t num_steps() const { return timesteps_.size(0); }
  /// The timesteps handed to the model, in order: [num_steps] float32 for the Euler samplers,
  /// int64 for DPM++ and DDIM (as diffusers passes them).
  const torch::Tensor& timesteps() const { return timesteps_; }
  /// Sigmas [num_steps + 1] (float32) of the sigma-based samplers; undefined for DDIM.
  const torch::Tensor& sigmas() const { return sigmas_; }
  /// The factor applied to unit-variance initial noise (diffusers' init_noise_sigma).
  double init_noise_sigma() const { return init_noise_sigma_; }

  /// The model input at step `i` (Euler samplers: sample / sqrt(sigma_i^2 + 1); others: the
  /// sample itself).
  virtual torch::Tensor scale_model_input(const torch::Tensor& sample, int64_t i) const;

  /// The sample after step `i`, from the model's output at step i. `generators` feed the
  /// sampler's noise draws (see rng.h for the order), shared or one per batch entry; none means
  /// torch's default CPU generator for samplers that need noise, and no draw for diffusers'
  /// unused Euler draw. Throws c10::Error if `i` is not the next step, or if per-entry
  /// generators do not match the batch size.
  torch::Tensor step(const torch::Tensor& model_output, int64_t i, const torch::Tensor& sample,
                     const NoiseGenerators& generators = {});

  /// Forgets the steps taken (multistep history) so the schedule can run again.
  void reset();

 protected:
  Scheduler(SamplerKind kind, const SchedulerConfig& config);
  virtual torch::Tensor step_impl(const torch::Tensor& model_output, int64_t i,
                                  const torch::Tensor& sample, const NoiseGenerators& generators) = 0;
  virtual void reset_impl() {}
  float sigma_at(int64_t i) const;

  SamplerKind kind_;
  SchedulerConfig config_;
  TrainSchedule train_;
  torch::Tensor timesteps_;
  torch::Tensor sigmas_;
  double init_noise_sigma_ = 1.0;

 private:
  int64_t next_step_ = 0;
};

/// Euler (k-diffusion's sample_euler, s_churn = 0) and Euler ancestral (eta = 1) over the
/// interpolated training sigmas, last sigma 0.
class EulerScheduler final : public Scheduler {
 public:
  EulerScheduler(const SchedulerConfig& config, int64_t num_steps, bool ancestral);
  torch::Tensor scale_model_input(const torch::Tensor& sample, int64_t i) const override;

 private:
  torch::Tensor step_impl(const torch::Tensor& model_output, int64_t i, const torch::Tensor& sample,
                          const NoiseGenerators& generators) override;
  bool ancestral_;
};

/// DPM-Solver++ (2M, midpoint, lower_order_final), with training or Karras sigmas. diffusers
/// 0.24 never steps to sigma 0: the last sigma is sigma(t=0), or the last Karras sigma repeated.
class DpmSolverMultistepScheduler final : public Scheduler {
 public:
  DpmSolverMultistepScheduler(const SchedulerConfig& config, int64_t num_steps, bool karras);

 private:
  torch::Tensor step_impl(const torch::Tensor& model_output, int64_t i, const torch::Tensor& sample,
                          const NoiseGenerators& generators) override;
  void reset_impl() override;
  torch::Tensor previous_x0_;  // the converted model output of the previous step
  int64_t lower_order_nums_ = 0;
};

/// DDIM (eta = 0 is deterministic; eta > 0 draws noise each step).
class DdimScheduler final : public Scheduler {
 public:
  DdimScheduler(const SchedulerConfig& config, int64_t num_steps, double eta);
  /// alphas_cumprod at each timestep [num_steps] float32.
  torch::Tensor alphas_cumprod_at_timesteps() const;

 private:
  torch::Tensor step_impl(const torch::Tensor& model_output, int64_t i, const torch::Tensor& sample,
                          const NoiseGenerators& generators) override;
  float alpha_cumprod_prev(int64_t i) const;
  double eta_;
  float final_alpha_cumprod_;
};

/// A scheduler of `kind` over `num_steps` steps (>= 1, <= num_train_timesteps). `ddim_eta` is
/// used by DDIM only. Throws util::InputError on an invalid step count.
std::unique_ptr<Scheduler> make_scheduler(SamplerKind kind, const SchedulerConfig& config,
                                          int64_t num_steps, double ddim_eta = 0.0);

/// The model: epsilon (or v) prediction for the scaled input at a timestep (0-dim tensor of
/// timesteps()' dtype, on the CPU).
using DenoiseFn = std::function<torch::Tensor(const torch::Tensor& scaled_model_input,
                                              const torch::Tensor& timestep)>;
/// Called after each step with the step index and the new sample.
using StepObserver = std::function<void(int64_t step, const torch::Tensor& sample)>;

/// The whole loop, as diffusers' pipelines run it: sample = initial_noise * init_noise_sigma;
/// for each step: model_output = denoise(scale_model_input(sample), t); sample = step(...).
/// `initial_noise` is unit-variance noise already drawn (rng.h); `generators` feed the steps'
/// draws and should be the ones that drew it. Resets `scheduler` first.
/// Returns the final float32 sample.
torch::Tensor sample(Scheduler& scheduler, const torch::Tensor& initial_noise,
                     const DenoiseFn& denoise, const NoiseGenerators& generators = {},
                     const StepObserver& on_step = {});

}  // namespace dgxpx::sdxl
