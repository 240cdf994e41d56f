#include "compiler/sdxl/schedulers.h"

#include <cmath>

#include "compiler/util/error.h"

namespace dgxpx::sdxl {

std::optional<SamplerKind> parse_sampler_kind(std::string_view name) {
  if (name == "euler") return SamplerKind::euler;
  if (name == "euler_a" || name == "euler_ancestral") return SamplerKind::euler_ancestral;
  if (name == "dpmpp_2m") return SamplerKind::dpmpp_2m;
  if (name == "dpmpp_2m_karras") return SamplerKind::dpmpp_2m_karras;
  if (name == "ddim") return SamplerKind::ddim;
  if (name == "lcm") return SamplerKind::lcm;
  if (name == "unipc") return SamplerKind::unipc;
  if (name == "dpmpp_2m_sde_karras") return SamplerKind::dpmpp_2m_sde_karras;
  return std::nullopt;
}

const char* to_string(SamplerKind kind) {
  switch (kind) {
    case SamplerKind::euler: return "euler";
    case SamplerKind::euler_ancestral: return "euler_a";
    case SamplerKind::dpmpp_2m: return "dpmpp_2m";
    case SamplerKind::dpmpp_2m_karras: return "dpmpp_2m_karras";
    case SamplerKind::ddim: return "ddim";
    case SamplerKind::lcm: return "lcm";
    case SamplerKind::unipc: return "unipc";
    case SamplerKind::dpmpp_2m_sde_karras: return "dpmpp_2m_sde_karras";
  }
  return "?";
}

const std::vector<std::string_view>& sampler_kind_names() {
  static const std::vector<std::string_view> names = {
      "euler", "euler_a", "dpmpp_2m", "dpmpp_2m_karras", "ddim", "lcm", "unipc", "dpmpp_2m_sde_karras"};
  return names;
}

bool uses_timestep_spacing(SamplerKind kind) {
  return kind != SamplerKind::lcm && kind != SamplerKind::dpmpp_2m_karras &&
         kind != SamplerKind::dpmpp_2m_sde_karras;
}

TrainSchedule make_train_schedule(const SchedulerConfig& config) {
  const auto f32 = torch::TensorOptions().dtype(torch::kFloat32);
  const int64_t T = config.num_train_timesteps;
  torch::Tensor betas;
  if (!config.trained_betas.empty()) {
    TORCH_CHECK(static_cast<int64_t>(config.trained_betas.size()) == T,
                "trained_betas: expected ", T, " values, got ", config.trained_betas.size());
    betas = torch::tensor(config.trained_betas, f32);
  } else if (config.beta_schedule == BetaSchedule::linear) {
    betas = torch::linspace(config.beta_start, config.beta_end, T, f32);
  } else {
    // torch.linspace(beta_start**0.5, beta_end**0.5, T, dtype=float32) ** 2
    betas = torch::linspace(std::pow(config.beta_start, 0.5), std::pow(config.beta_end, 0.5), T, f32)
                .pow(2);
  }
  TrainSchedule s;
  s.alphas_cumprod = torch::cumprod(1.0 - betas, 0);
  s.sigmas = ((1 - s.alphas_cumprod) / s.alphas_cumprod).pow(0.5);
  return s;
}

Scheduler::Scheduler(SamplerKind kind, const SchedulerConfig& config)
    : kind_(kind), config_(config), train_(make_train_schedule(config)) {}

float Scheduler::sigma_at(int64_t i) const { return sigmas_[i].item<float>(); }

torch::Tensor Scheduler::alphas_cumprod_at_timesteps() const {
  TORCH_CHECK(timesteps_.scalar_type() == torch::kInt64, "alphas_cumprod_at_timesteps: ",
              to_string(kind_), " has fractional timesteps");
  return train_.alphas_cumprod.index_select(0, timesteps_);
}

torch::Tensor Scheduler::scale_model_input(const torch::Tensor& sample, int64_t i) const {
  TORCH_CHECK(i >= 0 && i < num_steps(), "scale_model_input: step ", i, " out of range [0, ",
              num_steps(), ")");
  return sample.to(torch::kFloat32);
}

torch::Tensor Scheduler::step(const torch::Tensor& model_output, int64_t i,
                              const torch::Tensor& sample, const NoiseGenerators& generators) {
  TORCH_CHECK(i == next_step_, "scheduler step: expected step ", next_step_, ", got ", i,
              " (steps run in order; reset() to start over)");
  TORCH_CHECK(i < num_steps(), "scheduler step: all ", num_steps(), " steps are done");
  TORCH_CHECK(model_output.sizes() == sample.sizes(), "scheduler step: model output ",
              model_output.sizes(), " and sample ", sample.sizes(), " differ in shape");
  torch::Tensor out =
      step_impl(model_output.to(torch::kFloat32), i, sample.to(torch::kFloat32), generators);
  ++next_step_;
  return out;
}

void Scheduler::reset() {
  next_step_ = 0;
  reset_impl();
}

void Scheduler::start_at(int64_t first) {
  TORCH_CHECK(first >= 0 && first < num_steps(), "scheduler start_at: step ", first,
              " out of range [0, ", num_steps(), ")");
  reset();
  next_step_ = first;
}

torch::Tensor Scheduler::add_noise(const torch::Tensor& original, const torch::Tensor& noise,
                                   int64_t i) const {
  TORCH_CHECK(i >= 0 && i < num_steps(), "add_noise: step ", i, " out of range [0, ", num_steps(), ")");
  const float alpha_cumprod = alphas_cumprod_at_timesteps()[i].item<float>();
  const float sqrt_alpha = std::pow(alpha_cumprod, 0.5f);
  const float sqrt_one_minus_alpha = std::pow(1.0f - alpha_cumprod, 0.5f);
  return original.to(torch::kFloat32) * sqrt_alpha + noise.to(torch::kFloat32) * sqrt_one_minus_alpha;
}

std::unique_ptr<Scheduler> make_scheduler(SamplerKind kind, const SchedulerConfig& config,
                                          int64_t num_steps, double ddim_eta) {
  if (num_steps < 1 || num_steps > config.num_train_timesteps)
    throw util::InputError(util::expected_got(
        "a step count in [1, " + std::to_string(config.num_train_timesteps) + "]",
        std::to_string(num_steps)));
  if (kind == SamplerKind::lcm && num_steps > config.original_inference_steps)
    throw util::InputError(util::expected_got(
        "an lcm step count in [1, " + std::to_string(config.original_inference_steps) +
            "] (the distillation schedule's original_inference_steps)",
        std::to_string(num_steps)));
  if (!(ddim_eta >= 0)) throw util::InputError(util::expected_got("eta >= 0", std::to_string(ddim_eta)));
  switch (kind) {
    case SamplerKind::euler: return std::make_unique<EulerScheduler>(config, num_steps, false);
    case SamplerKind::euler_ancestral: return std::make_unique<EulerScheduler>(config, num_steps, true);
    case SamplerKind::dpmpp_2m:
    case SamplerKind::dpmpp_2m_karras:
    case SamplerKind::dpmpp_2m_sde_karras:
      return std::make_unique<DpmSolverMultistepScheduler>(config, num_steps, kind);
    case SamplerKind::ddim: return std::make_unique<DdimScheduler>(config, num_steps, ddim_eta);
    case SamplerKind::lcm: return std::make_unique<LcmScheduler>(config, num_steps);
    case SamplerKind::unipc: return std::make_unique<UniPcScheduler>(config, num_steps);
  }
  TORCH_INTERNAL_ASSERT(false, "unknown sampler kind");
}

torch::Tensor sample(Scheduler& scheduler, const torch::Tensor& initial_noise,
                     const DenoiseFn& denoise, const NoiseGenerators& generators,
                     const StepObserver& on_step) {
  scheduler.reset();
  torch::Tensor x = initial_noise.to(torch::kFloat32) * scheduler.init_noise_sigma();
  for (int64_t i = 0; i < scheduler.num_steps(); ++i) {
    const torch::Tensor t = scheduler.timesteps()[i];
    const torch::Tensor model_output = denoise(scheduler.scale_model_input(x, i), t);
    x = scheduler.step(model_output, i, x, generators);
    if (on_step) on_step(i, x);
  }
  return x;
}

}  // namespace dgxpx::sdxl
