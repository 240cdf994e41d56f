// Every scheduler case of the fixture set: the rollout diffusers ran
//   s.set_timesteps(n); sample = initial_noise * s.init_noise_sigma
//   for t in s.timesteps: x_in = s.scale_model_input(sample, t); model_output = a * x_in + c
//                         sample = s.step(model_output, t, sample[, generator | eta]).prev_sample
// reproduced with sample() and compared step by step within the case's atol.
#include <cstdio>

#include "tests/support/catch_torch.h"

#include "compiler/sdxl/rng.h"
#include "compiler/sdxl/schedulers.h"
#include "tests/parity/sdxl_sampling_refs.h"

using namespace dgxpx::sdxl;
using namespace dgxpx::testing;
using nlohmann::json;

namespace {

SamplerKind kind_of(const json& inputs) {
  const std::string cls = inputs.at("scheduler_class").get<std::string>();
  const json& overrides = inputs.at("overrides");
  const bool karras = overrides.value("use_karras_sigmas", false);
  if (cls == "EulerDiscreteScheduler" && !karras) return SamplerKind::euler;
  if (cls == "EulerAncestralDiscreteScheduler" && !karras) return SamplerKind::euler_ancestral;
  if (cls == "DPMSolverMultistepScheduler") return karras ? SamplerKind::dpmpp_2m_karras : SamplerKind::dpmpp_2m;
  if (cls == "DDIMScheduler" && !karras) return SamplerKind::ddim;
  FAIL("scheduler case with an unknown class/overrides: " << inputs.dump());
  return SamplerKind::euler;
}

// The fields of diffusers' effective config this implementation reads must agree with ours.
void check_effective_config(const json& effective, const SchedulerConfig& config, SamplerKind kind) {
  REQUIRE(effective.at("num_train_timesteps").get<int64_t>() == config.num_train_timesteps);
  REQUIRE(effective.at("beta_start").get<double>() == config.beta_start);
  REQUIRE(effective.at("beta_end").get<double>() == config.beta_end);
  REQUIRE(effective.at("beta_schedule").get<std::string>() == to_string(config.beta_schedule));
  REQUIRE(effective.at("prediction_type").get<std::string>() == to_string(config.prediction_type));
  REQUIRE(effective.at("timestep_spacing").get<std::string>() ==
        to_string(config.timestep_spacing.value_or(kind == SamplerKind::ddim ? TimestepSpacing::leading
                                                                             : TimestepSpacing::linspace)));
  REQUIRE(effective.at("steps_offset").get<int64_t>() == config.steps_offset);
  if (kind == SamplerKind::ddim)
    REQUIRE(effective.at("set_alpha_to_one").get<bool>() == config.set_alpha_to_one.value_or(true));
}

}  // namespace

TEST_CASE("scheduler cases match diffusers 0.24", "[sdxl][schedulers][parity]") {
  const auto cases = sdxl_tiny_cases_of_kind("scheduler");
  REQUIRE_FALSE(cases.empty());
  const auto model_dir = sdxl_tiny() / sdxl_tiny_cases().at("model_dir").get<std::string>();
  const SchedulerConfig config = read_scheduler_config(model_dir / "scheduler" / "scheduler_config.json");

  for (const auto& c : cases) {
    const std::string name = c.at("name").get<std::string>();
    DYNAMIC_SECTION(name) {
      const json& inputs = c.at("inputs");
      const json& outputs = c.at("outputs");
      const double atol = c.at("tolerance").at("suggested_atol").get<double>();
      const SamplerKind kind = kind_of(inputs);
      check_effective_config(inputs.at("effective_config"), config, kind);

      const int64_t steps = inputs.at("num_inference_steps").get<int64_t>();
      const double eta = inputs.value("ddim_eta", json()).is_number() ? inputs.at("ddim_eta").get<double>() : 0.0;
      auto scheduler = make_scheduler(kind, config, steps, eta);
      at::Generator generator;
      if (inputs.at("ancestral_generator").is_object())
        generator = make_cpu_generator(inputs.at("ancestral_generator").at("seed").get<uint64_t>());

      double max_err = 0.0;
      const double init_sigma = inputs.at("init_noise_sigma").get<double>();
      max_err = std::max(max_err, std::abs(scheduler->init_noise_sigma() - init_sigma));

      const torch::Tensor ref_timesteps = sdxl_tiny_ref(outputs.at("timesteps").get<std::string>());
      REQUIRE(scheduler->timesteps().dtype() == ref_timesteps.dtype());
      if (!torch::equal(scheduler->timesteps(), ref_timesteps))
        FAIL("timesteps: got " << scheduler->timesteps().view(-1) << "\nexpected " << ref_timesteps.view(-1));
      if (outputs.contains("sigmas"))
        max_err = std::max(max_err, max_abs_diff(scheduler->sigmas(), sdxl_tiny_ref(outputs.at("sigmas").get<std::string>())));
      if (outputs.contains("alphas_cumprod_at_timesteps")) {
        auto* ddim = dynamic_cast<DdimScheduler*>(scheduler.get());
        REQUIRE(ddim);
        max_err = std::max(max_err, max_abs_diff(ddim->alphas_cumprod_at_timesteps(),
                                                 sdxl_tiny_ref(outputs.at("alphas_cumprod_at_timesteps").get<std::string>())));
      }

      const torch::Tensor initial_noise = sdxl_tiny_ref(inputs.at("initial_noise").get<std::string>());
      const torch::Tensor c_term = sdxl_tiny_ref(inputs.at("c").get<std::string>());
      const double a = inputs.at("a").get<double>();
      std::vector<torch::Tensor> scaled_inputs, samples;
      const DenoiseFn model = [&](const torch::Tensor& x_in, const torch::Tensor&) {
        scaled_inputs.push_back(x_in);
        return a * x_in + c_term;
      };
      const torch::Tensor final_sample =
          sample(*scheduler, initial_noise, model, generator,
                 [&](int64_t, const torch::Tensor& x) { samples.push_back(x); });

      const torch::Tensor ref_inputs = sdxl_tiny_ref(outputs.at("scaled_model_inputs").get<std::string>());
      const torch::Tensor ref_samples = sdxl_tiny_ref(outputs.at("samples").get<std::string>());
      REQUIRE(static_cast<int64_t>(samples.size()) == ref_samples.size(0));
      REQUIRE(static_cast<int64_t>(scaled_inputs.size()) == ref_inputs.size(0));
      for (int64_t i = 0; i < steps; ++i) {
        const double input_err = max_abs_diff(scaled_inputs[i], ref_inputs[i]);
        const double sample_err = max_abs_diff(samples[i], ref_samples[i]);
        INFO("step " << i << ": scaled input err " << input_err << ", sample err " << sample_err);
        REQUIRE(input_err <= atol);
        REQUIRE(sample_err <= atol);
        max_err = std::max({max_err, input_err, sample_err});
      }
      REQUIRE(torch::equal(final_sample, samples.back()));
      std::printf("case %s max_abs_err = %.3g (atol %.3g)\n", name.c_str(), max_err, atol);
      REQUIRE(max_err <= atol);
    }
  }
}
