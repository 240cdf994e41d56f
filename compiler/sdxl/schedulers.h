#pragma once
// Samplers as diffusers 0.24 configures them for SDXL: Euler, Euler ancestral, DPM++ 2M (with
// and without Karras sigmas), DPM++ 2M SDE Karras, DDIM, LCM and UniPC. The timestep spacing
// (leading, trailing, linspace) comes from the SchedulerConfig, as diffusers takes it from
// scheduler_config.json. A sampler never sees a network: it turns the model's
// output into the next sample, and `sample()` drives the loop over a denoise callback.
// The numbers follow diffusers' float32 arithmetic (schedule in float32 torch ops, per-step
// coefficients as float32 scalars), so the reference fixtures match to ~1e-6.
// Reference: diffusers v0.24.0 src/diffusers/schedulers/scheduling_{euler_discrete,
// euler_ancestral_discrete,dpmsolver_multistep,ddim,lcm,unipc_multistep}.py.
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

enum class SamplerKind {
  euler,
  euler_ancestral,
  dpmpp_2m,
  dpmpp_2m_karras,
  ddim,
  lcm,
  unipc,
  dpmpp_2m_sde_karras,
};

/// "euler", "euler_a" (or "euler_ancestral"), "dpmpp_2m", "dpmpp_2m_karras", "ddim", "lcm",
/// "unipc", "dpmpp_2m_sde_karras"; nullopt for anything else.
std::optional<SamplerKind> parse_sampler_kind(std::string_view name);
/// The canonical name (the first spelling above).
const char* to_string(SamplerKind kind);
/// All canonical names, for error messages ("expected one of ...").
const std::vector<std::string_view>& sampler_kind_names();

/// Whether the config's timestep_spacing decides the sampler's timesteps: false for LCM (its
/// own 50-step origin schedule) and the Karras samplers (sigmas from the Karras ramp).
bool uses_timestep_spacing(SamplerKind kind);

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
  /// int64 for the others (as diffusers passes them).
  const torch::Tensor& timesteps() const { return timesteps_; }
  /// Sigmas [num_steps + 1] (float32) of the sigma-based samplers; undefined for DDIM and LCM.
  const torch::Tensor& sigmas() const { return sigmas_; }
  /// alphas_cumprod at each timestep [num_steps] float32. Throws c10::Error for samplers with
  /// fractional (float) timesteps.
  torch::Tensor alphas_cumprod_at_timesteps() const;
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
  /// reset(), then makes step `first` the next one (img2img: the schedule truncated by
  /// strength starts part-way, with no multistep history, as diffusers' step index does).
  /// TORCH_CHECKs 0 <= first < num_steps().
  void start_at(int64_t first);

  /// `original` noised to the level of step `i` of this schedule (diffusers' add_noise at
  /// timesteps()[i]): sigma samplers (Euler, Euler ancestral) original + sigma_i * noise; the
  /// others sqrt(alpha_cumprod(t)) * original + sqrt(1 - alpha_cumprod(t)) * noise at the
  /// integer timestep t. float32. TORCH_CHECKs 0 <= i < num_steps().
  virtual torch::Tensor add_noise(const torch::Tensor& original, const torch::Tensor& noise,
                                  int64_t i) const;

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
  torch::Tensor add_noise(const torch::Tensor& original, const torch::Tensor& noise,
                          int64_t i) const override;

 private:
  torch::Tensor step_impl(const torch::Tensor& model_output, int64_t i, const torch::Tensor& sample,
                          const NoiseGenerators& generators) override;
  bool ancestral_;
};

/// DPM-Solver++ (2M, midpoint, lower_order_final), with training or Karras sigmas, and its SDE
/// variant (sde-dpmsolver++, Karras sigmas), which draws one noise tensor every step before the
/// update (also on the final step, where h = 0 makes it unused). diffusers 0.24 never steps to
/// sigma 0: the last sigma is sigma(t=0), or the last Karras sigma repeated.
class DpmSolverMultistepScheduler final : public Scheduler {
 public:
  /// `kind` is dpmpp_2m, dpmpp_2m_karras or dpmpp_2m_sde_karras.
  DpmSolverMultistepScheduler(const SchedulerConfig& config, int64_t num_steps, SamplerKind kind);

 private:
  torch::Tensor step_impl(const torch::Tensor& model_output, int64_t i, const torch::Tensor& sample,
                          const NoiseGenerators& generators) override;
  void reset_impl() override;
  bool sde_;
  torch::Tensor previous_x0_;  // the converted model output of the previous step
  int64_t lower_order_nums_ = 0;
};

/// DDIM (eta = 0 is deterministic; eta > 0 draws noise each step).
class DdimScheduler final : public Scheduler {
 public:
  DdimScheduler(const SchedulerConfig& config, int64_t num_steps, double eta);

 private:
  torch::Tensor step_impl(const torch::Tensor& model_output, int64_t i, const torch::Tensor& sample,
                          const NoiseGenerators& generators) override;
  float alpha_cumprod_prev(int64_t i) const;
  double eta_;
  float final_alpha_cumprod_;
};

/// Latent consistency models' multistep sampler (Luo et al. 2023, https://arxiv.org/abs/2310.04378):
/// each step maps the sample to its consistency-model estimate `denoised`, then re-noises it to
/// the next timestep with one fresh draw (none after the last step, which returns `denoised`).
/// Timesteps are picked from the distillation schedule of original_inference_steps steps;
/// timestep_spacing and steps_offset do not apply.
class LcmScheduler final : public Scheduler {
 public:
  LcmScheduler(const SchedulerConfig& config, int64_t num_steps);
  /// The consistency estimate of the last step taken (undefined before the first).
  const torch::Tensor& denoised() const { return denoised_; }

 private:
  torch::Tensor step_impl(const torch::Tensor& model_output, int64_t i, const torch::Tensor& sample,
                          const NoiseGenerators& generators) override;
  void reset_impl() override { denoised_ = torch::Tensor(); }
  torch::Tensor denoised_;
};

/// UniPC (Zhao et al. 2023, https://arxiv.org/abs/2302.04867) as diffusers' defaults configure
/// it: order 2, B(h) = e^h - 1 ("bh2"), data prediction, lower_order_final, the corrector on
/// every step after the first. Deterministic: no draws.
class UniPcScheduler final : public Scheduler {
 public:
  UniPcScheduler(const SchedulerConfig& config, int64_t num_steps);

 private:
  torch::Tensor step_impl(const torch::Tensor& model_output, int64_t i, const torch::Tensor& sample,
                          const NoiseGenerators& generators) override;
  void reset_impl() override;
  torch::Tensor corrected(const torch::Tensor& x0, int64_t i) const;
  torch::Tensor predicted(int64_t i, const torch::Tensor& sample, int64_t order) const;
  torch::Tensor x0_older_, x0_newer_;  // data predictions of the two previous steps
  torch::Tensor last_sample_;          // the sample the previous predictor started from
  int64_t last_order_ = 0;             // the previous predictor's order
  int64_t lower_order_nums_ = 0;
};

/// A scheduler of `kind` over `num_steps` steps (>= 1, <= num_train_timesteps; LCM: <=
/// original_inference_steps). `ddim_eta` is used by DDIM only. Throws util::InputError on an
/// invalid step count.
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
