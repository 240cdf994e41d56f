// Samplers without fixtures: schedule arithmetic, the quirks of diffusers 0.24, and each
// sampler driven by an exact denoiser of a one-point data set, whose end state is known in
// closed form.
#include "compiler/sdxl/schedulers.h"

#include <cmath>

#include "tests/support/catch_torch.h"

#include "compiler/sdxl/rng.h"
#include "compiler/sdxl/schedule_math.h"
#include "compiler/util/error.h"

using namespace dgxpx::sdxl;
namespace sm = dgxpx::sdxl::schedule_math;

namespace {

std::vector<int64_t> int_timesteps(const Scheduler& s) {
  const torch::Tensor t = s.timesteps().to(torch::kInt64);
  return std::vector<int64_t>(t.data_ptr<int64_t>(), t.data_ptr<int64_t>() + t.numel());
}

double max_abs(const torch::Tensor& a, const torch::Tensor& b) {
  return (a.to(torch::kFloat64) - b.to(torch::kFloat64)).abs().max().item<double>();
}

// Variance-preserving (alpha, sigma) of the model input at step i.
std::pair<double, double> vp_coefficients(const Scheduler& s, const TrainSchedule& train, int64_t i) {
  if (s.kind() == SamplerKind::ddim) {
    const double acp = train.alphas_cumprod[s.timesteps()[i].item<int64_t>()].item<double>();
    return {std::sqrt(acp), std::sqrt(1 - acp)};
  }
  const double sigma = s.sigmas()[i].item<double>();
  const double alpha = 1 / std::sqrt(sigma * sigma + 1);
  return {alpha, sigma * alpha};
}

// The exact model of a data set holding only `x0`: for the input x = alpha x0 + sigma eps it
// returns eps (or v = alpha eps - sigma x0).
DenoiseFn exact_denoiser(const Scheduler& s, const TrainSchedule& train, const torch::Tensor& x0,
                         PredictionType prediction, int64_t& step) {
  return [&s, &train, x0, prediction, &step](const torch::Tensor& x_in, const torch::Tensor& t) {
    REQUIRE(t.dim() == 0);
    REQUIRE(t.item<double>() == s.timesteps()[step].item<double>());
    const auto [alpha, sigma] = vp_coefficients(s, train, step);
    ++step;
    const torch::Tensor eps = (x_in - alpha * x0) / sigma;
    return prediction == PredictionType::epsilon ? eps : alpha * eps - sigma * x0;
  };
}

}  // namespace

TEST_CASE("sampler names parse and print", "[sdxl][schedulers]") {
  for (auto name : sampler_kind_names()) {
    auto kind = parse_sampler_kind(name);
    REQUIRE(kind.has_value());
    REQUIRE(to_string(*kind) == name);
  }
  REQUIRE(parse_sampler_kind("euler_ancestral") == SamplerKind::euler_ancestral);
  REQUIRE_FALSE(parse_sampler_kind("Euler").has_value());
  REQUIRE_FALSE(parse_sampler_kind("lms").has_value());
}

TEST_CASE("numpy arithmetic behind set_timesteps", "[sdxl][schedulers]") {
  REQUIRE(sm::round_half_even(0.5) == 0);
  REQUIRE(sm::round_half_even(1.5) == 2);
  REQUIRE(sm::round_half_even(2.5) == 2);
  REQUIRE(sm::round_half_even(-0.5) == 0);
  REQUIRE(sm::arange(1000, 0, -250) == std::vector<double>{1000, 750, 500, 250});
  REQUIRE(sm::arange(0, 1, 0.25).size() == 4);
  REQUIRE(sm::linspace(0, 999, 4) == std::vector<double>{0, 333, 666, 999});
  REQUIRE(sm::linspace(0, 1, 1) == std::vector<double>{0});
  const std::vector<float> fp = {1.0f, 3.0f, 7.0f};
  REQUIRE(sm::interp(0.5, fp) == 2.0);
  REQUIRE(sm::interp(1.0, fp) == 3.0);
  REQUIRE(sm::interp(-1.0, fp) == 1.0);
  REQUIRE(sm::interp(9.0, fp) == 7.0);

  using TS = TimestepSpacing;
  using D = std::vector<double>;
  REQUIRE(sm::single_step_timesteps(TS::leading, 1000, 4, 1, false) == D{751, 501, 251, 1});
  REQUIRE(sm::single_step_timesteps(TS::trailing, 1000, 4, 1, false) == D{999, 749, 499, 249});
  REQUIRE(sm::single_step_timesteps(TS::linspace, 1000, 4, 0, true) == D{999, 666, 333, 0});
  const D fractional = sm::single_step_timesteps(TS::linspace, 1000, 3, 0, false);
  REQUIRE(fractional == D{999, 499.5, 0});

  using I = std::vector<int64_t>;
  REQUIRE(sm::dpm_timesteps(TS::leading, 1000, 1000, 4, 1) == I{801, 601, 401, 201});
  REQUIRE(sm::dpm_timesteps(TS::linspace, 1000, 1000, 4, 0) == I{999, 749, 500, 250});
  REQUIRE(sm::dpm_timesteps(TS::trailing, 1000, 1000, 4, 0) == I{999, 749, 499, 249});

  const std::vector<double> karras = sm::karras_sigmas(0.03, 14.6, 5);
  REQUIRE(karras.front() == Approx(14.6));
  REQUIRE(karras.back() == Approx(0.03));
  for (size_t i = 1; i < karras.size(); ++i) REQUIRE(karras[i] < karras[i - 1]);

  // sigma_to_t inverts the log-sigma table, with linear interpolation between entries.
  const std::vector<float> log_sigmas = {std::log(1.0f), std::log(2.0f), std::log(4.0f)};
  REQUIRE(sm::sigma_to_t(2.0, log_sigmas) == Approx(1.0));
  REQUIRE(sm::sigma_to_t(std::sqrt(8.0), log_sigmas) == Approx(1.5));
  REQUIRE(sm::sigma_to_t(0.5, log_sigmas) == 0.0);  // clipped below
  REQUIRE(sm::sigma_to_t(9.0, log_sigmas) == 2.0);  // clipped above
}

TEST_CASE("SDXL's training schedule", "[sdxl][schedulers]") {
  const TrainSchedule train = make_train_schedule(sdxl_base_scheduler_config());
  REQUIRE(train.alphas_cumprod.size(0) == 1000);
  REQUIRE(train.alphas_cumprod.dtype() == torch::kFloat32);
  REQUIRE(train.sigmas[0].item<double>() == Approx(0.0292).epsilon(0.01));
  REQUIRE(train.sigmas[999].item<double>() == Approx(14.6146).epsilon(1e-4));
  REQUIRE((train.alphas_cumprod.slice(0, 1) < train.alphas_cumprod.slice(0, 0, -1)).all().item<bool>());
}

TEST_CASE("per-sampler schedules follow diffusers 0.24", "[sdxl][schedulers]") {
  const SchedulerConfig config = sdxl_base_scheduler_config();
  const TrainSchedule train = make_train_schedule(config);

  SECTION("Euler: float32 timesteps, sigma 0 at the end, init sigma sqrt(max^2 + 1)") {
    for (auto kind : {SamplerKind::euler, SamplerKind::euler_ancestral}) {
      auto s = make_scheduler(kind, config, 4);
      REQUIRE(s->timesteps().dtype() == torch::kFloat32);
      REQUIRE(int_timesteps(*s) == std::vector<int64_t>{751, 501, 251, 1});
      REQUIRE(s->sigmas().size(0) == 5);
      REQUIRE(s->sigmas()[4].item<float>() == 0.0f);
      REQUIRE(s->sigmas()[0].item<float>() == train.sigmas[751].item<float>());
      const double max_sigma = s->sigmas()[0].item<double>();
      REQUIRE(s->init_noise_sigma() == Approx(std::sqrt(max_sigma * max_sigma + 1)));
      const torch::Tensor x = torch::ones({1, 4, 2, 2});
      REQUIRE(s->scale_model_input(x, 0)[0][0][0][0].item<double>() ==
              Approx(1 / std::sqrt(max_sigma * max_sigma + 1)));
    }
  }
  SECTION("DPM++ 2M: step ratio T // (n + 1), never reaches sigma 0") {
    auto s = make_scheduler(SamplerKind::dpmpp_2m, config, 4);
    REQUIRE(s->timesteps().dtype() == torch::kInt64);
    REQUIRE(int_timesteps(*s) == std::vector<int64_t>{801, 601, 401, 201});
    REQUIRE(s->sigmas()[4].item<float>() == train.sigmas[0].item<float>());
    REQUIRE(s->init_noise_sigma() == 1.0);
  }
  SECTION("DPM++ 2M Karras: last sigma repeated, timesteps rounded from sigmas") {
    auto s = make_scheduler(SamplerKind::dpmpp_2m_karras, config, 10);
    REQUIRE(s->sigmas()[10].item<float>() == s->sigmas()[9].item<float>());
    REQUIRE(s->sigmas()[0].item<float>() == Approx(train.sigmas[999].item<float>()));
    REQUIRE(int_timesteps(*s).front() == 999);
    REQUIRE(int_timesteps(*s).back() == 0);
  }
  SECTION("DDIM: final alpha is alphas_cumprod[0] unless set_alpha_to_one") {
    auto s = make_scheduler(SamplerKind::ddim, config, 4);
    REQUIRE(int_timesteps(*s) == std::vector<int64_t>{751, 501, 251, 1});
    REQUIRE_FALSE(s->sigmas().defined());
    auto* ddim = dynamic_cast<DdimScheduler*>(s.get());
    REQUIRE(ddim);
    REQUIRE(ddim->alphas_cumprod_at_timesteps()[3].item<float>() == train.alphas_cumprod[1].item<float>());
  }
  SECTION("step counts outside [1, T] are input errors") {
    REQUIRE_THROWS_AS(make_scheduler(SamplerKind::euler, config, 0), dgxpx::util::InputError);
    REQUIRE_THROWS_AS(make_scheduler(SamplerKind::ddim, config, 1001), dgxpx::util::InputError);
    // LCM picks its steps from a schedule of original_inference_steps.
    REQUIRE_THROWS_AS(make_scheduler(SamplerKind::lcm, config, config.original_inference_steps + 1),
                      dgxpx::util::InputError);
  }
}

TEST_CASE("each sampler lands where an exact denoiser must take it", "[sdxl][schedulers]") {
  torch::manual_seed(0);
  const torch::Tensor x0 = torch::randn({1, 4, 3, 5});
  const torch::Tensor noise = randn_cpu({1, 4, 3, 5}, make_cpu_generator(11));
  for (auto prediction : {PredictionType::epsilon, PredictionType::v_prediction}) {
    SchedulerConfig config = sdxl_base_scheduler_config();
    config.prediction_type = prediction;
    const TrainSchedule train = make_train_schedule(config);
    for (auto kind : {SamplerKind::euler, SamplerKind::euler_ancestral, SamplerKind::dpmpp_2m,
                      SamplerKind::dpmpp_2m_karras, SamplerKind::ddim, SamplerKind::unipc}) {
      for (int64_t steps : {1, 4, 20}) {
        CAPTURE(to_string(kind), to_string(prediction), steps);
        auto s = make_scheduler(kind, config, steps);
        int64_t step = 0;
        const torch::Tensor out = sample(*s, noise, exact_denoiser(*s, train, x0, prediction, step),
                                         make_cpu_generator(3));
        REQUIRE(step == steps);
        torch::Tensor expected;
        if (kind == SamplerKind::euler || kind == SamplerKind::euler_ancestral) {
          expected = x0;  // the last sigma is 0
        } else {
          // Deterministic solvers keep eps constant: x = alpha x0 + sigma eps, with eps fixed by
          // the initial sample and (alpha, sigma) those of the final noise level.
          const auto [a0, s0] = vp_coefficients(*s, train, 0);
          const torch::Tensor eps = (noise * s->init_noise_sigma() - a0 * x0) / s0;
          double alpha_end, sigma_end;
          if (kind == SamplerKind::ddim) {
            const double acp0 = train.alphas_cumprod[0].item<double>();  // set_alpha_to_one=false
            alpha_end = std::sqrt(acp0), sigma_end = std::sqrt(1 - acp0);
          } else {
            const double sigma = s->sigmas()[steps].item<double>();
            alpha_end = 1 / std::sqrt(sigma * sigma + 1), sigma_end = sigma * alpha_end;
          }
          expected = alpha_end * x0 + sigma_end * eps;
        }
        REQUIRE(max_abs(out, expected) < 1e-4);
      }
    }
  }
}

TEST_CASE("the Karras schedule's last step is an exact no-op", "[sdxl][schedulers]") {
  const SchedulerConfig config = sdxl_base_scheduler_config();
  for (int64_t steps : {4, 20}) {
    auto s = make_scheduler(SamplerKind::dpmpp_2m_karras, config, steps);
    torch::Tensor x = randn_cpu({1, 4, 4, 4}, make_cpu_generator(1));
    const auto gen = make_cpu_generator(2);
    for (int64_t i = 0; i < steps; ++i) {
      const torch::Tensor before = x;
      x = s->step(randn_cpu({1, 4, 4, 4}, gen), i, x);
      if (i == steps - 1) REQUIRE(torch::equal(x, before));
    }
  }
}

TEST_CASE("noise draws follow diffusers' order", "[sdxl][schedulers]") {
  const SchedulerConfig config = sdxl_base_scheduler_config();
  const torch::Tensor noise = torch::zeros({1, 4, 4, 4});
  const DenoiseFn zero = [](const torch::Tensor& x, const torch::Tensor&) { return x * 0.1; };
  auto draws_after = [](int64_t n) {  // the draw after n draws of a [1,4,4,4] tensor
    const auto g = make_cpu_generator(5);
    for (int64_t i = 0; i < n; ++i) (void)randn_cpu({1, 4, 4, 4}, g);
    return randn_cpu({1, 4, 4, 4}, g);
  };
  // Draws in a 4-step run: LCM draws on every step but the last; the SDE solver on every step,
  // the last included.
  const std::vector<std::pair<SamplerKind, int64_t>> draws = {
      {SamplerKind::euler, 4}, {SamplerKind::euler_ancestral, 4}, {SamplerKind::dpmpp_2m, 0},
      {SamplerKind::dpmpp_2m_karras, 0}, {SamplerKind::ddim, 0}, {SamplerKind::unipc, 0},
      {SamplerKind::lcm, 3}, {SamplerKind::dpmpp_2m_sde_karras, 4}};
  for (const auto& [kind, total_draws] : draws) {
    CAPTURE(to_string(kind));
    auto s = make_scheduler(kind, config, 4);
    const auto gen = make_cpu_generator(5);
    (void)sample(*s, noise, zero, gen);
    REQUIRE(torch::equal(randn_cpu({1, 4, 4, 4}, gen), draws_after(total_draws)));
  }
  SECTION("Euler ancestral depends on the generator, Euler does not") {
    auto run = [&](SamplerKind kind, uint64_t seed) {
      auto s = make_scheduler(kind, config, 4);
      return sample(*s, torch::ones({1, 4, 4, 4}), zero, make_cpu_generator(seed));
    };
    REQUIRE(torch::equal(run(SamplerKind::euler_ancestral, 1), run(SamplerKind::euler_ancestral, 1)));
    REQUIRE_FALSE(torch::equal(run(SamplerKind::euler_ancestral, 1), run(SamplerKind::euler_ancestral, 2)));
    REQUIRE(torch::equal(run(SamplerKind::euler, 1), run(SamplerKind::euler, 2)));
  }
  SECTION("DDIM with eta > 0 draws once per step") {
    auto s = make_scheduler(SamplerKind::ddim, config, 4, 0.5);
    const auto gen = make_cpu_generator(5);
    (void)sample(*s, noise, zero, gen);
    REQUIRE(torch::equal(randn_cpu({1, 4, 4, 4}, gen), draws_after(4)));
  }
}

TEST_CASE("steps run in order and reset starts over", "[sdxl][schedulers]") {
  auto s = make_scheduler(SamplerKind::dpmpp_2m, sdxl_base_scheduler_config(), 4);
  const torch::Tensor x = torch::ones({1, 4, 2, 2});
  REQUIRE_THROWS(s->step(x, 1, x));
  const torch::Tensor a = s->step(x * 0.5, 0, x);
  const torch::Tensor b = s->step(x * 0.2, 1, a);
  REQUIRE_THROWS(s->step(x, 1, b));
  REQUIRE_THROWS(s->step(torch::ones({1, 4, 2, 3}), 2, b));
  s->reset();
  REQUIRE(torch::equal(s->step(x * 0.5, 0, x), a));
  REQUIRE(torch::equal(s->step(x * 0.2, 1, a), b));
}

TEST_CASE("half-precision inputs are stepped in float32", "[sdxl][schedulers]") {
  auto s = make_scheduler(SamplerKind::euler, sdxl_base_scheduler_config(), 4);
  const torch::Tensor x = torch::ones({1, 4, 2, 2}, torch::kHalf);
  const torch::Tensor out = s->step(x * 0.5, 0, x);
  REQUIRE(out.dtype() == torch::kFloat32);
  REQUIRE(s->scale_model_input(x, 0).dtype() == torch::kFloat32);
}
