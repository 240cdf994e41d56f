// Every scheduler case of the fixture set (kinds scheduler and scheduler_ext): the rollout
// diffusers ran
//   s = Class.from_config(config, **overrides); s.set_timesteps(n)
//   sample = initial_noise * s.init_noise_sigma
//   for t in s.timesteps: x_in = s.scale_model_input(sample, t); model_output = a * x_in + c
//                         sample = s.step(model_output, t, sample[, generator | eta]).prev_sample
// reproduced with sample() and compared step by step within the case's atol. Every input and
// output of a case is used; one this harness does not know fails the case.
#include <cstdio>
#include <map>
#include <set>

#include "tests/support/catch_torch.h"

#include "compiler/sdxl/rng.h"
#include "compiler/sdxl/schedulers.h"
#include "tests/parity/sdxl_diffusers_schedulers.h"
#include "tests/parity/sdxl_sampling_refs.h"

using namespace dgxpx::sdxl;
using namespace dgxpx::testing;
using nlohmann::json;

namespace {

const std::set<std::string> kKnownInputs = {
    "scheduler_class", "from_config", "overrides", "effective_config", "num_inference_steps",
    "initial_noise", "c", "a", "init_noise_sigma", "order", "ancestral_generator", "step_generator",
    "ddim_eta"};
const std::set<std::string> kKnownOutputs = {"timesteps", "sigmas", "alphas_cumprod_at_timesteps",
                                             "scaled_model_inputs", "samples", "denoised"};

void require_known(const json& object, const std::set<std::string>& known, const char* what) {
  for (const auto& [key, value] : object.items())
    if (!known.count(key)) FAIL("unknown case " << what << " '" << key << "': " << value.dump());
}

// "model/scheduler/scheduler_config.json (SDXL base config)": the file is the first word.
SchedulerConfig from_config(const json& inputs) {
  const std::string text = inputs.at("from_config").get<std::string>();
  return read_scheduler_config(sdxl_tiny() / text.substr(0, text.find(' ')));
}

// The generator handed to step(): {"device": "cpu", "seed": S, ...} or null (none).
at::Generator step_generator(const json& inputs) {
  at::Generator generator;
  int given = 0;
  for (const char* key : {"ancestral_generator", "step_generator"}) {
    if (!inputs.contains(key) || inputs.at(key).is_null()) continue;
    ++given;
    const json& g = inputs.at(key);
    REQUIRE(g.at("device").get<std::string>() == "cpu");
    generator = make_cpu_generator(g.at("seed").get<uint64_t>());
  }
  REQUIRE(given <= 1);
  return generator;
}

void run_case(const json& c) {
  const std::string name = c.at("name").get<std::string>();
  const json& inputs = c.at("inputs");
  const json& outputs = c.at("outputs");
  require_known(inputs, kKnownInputs, "input");
  require_known(outputs, kKnownOutputs, "output");
  const double atol = c.at("tolerance").at("suggested_atol").get<double>();

  DiffusersScheduler chosen{SamplerKind::euler, std::nullopt, {}};
  try {
    chosen = diffusers_scheduler(inputs.at("scheduler_class").get<std::string>(), inputs.at("overrides"),
                                 from_config(inputs));
    check_effective_config(inputs.at("effective_config"), chosen);
  } catch (const std::runtime_error& e) {
    FAIL(e.what());
  }
  // diffusers' `order` is the model calls per step: 1 for every sampler here.
  REQUIRE(inputs.at("order").get<int64_t>() == 1);
  const json& eta_input = inputs.value("ddim_eta", json());
  double eta = 0.0;
  if (!eta_input.is_null()) {
    eta = eta_input.get<double>();
    // Only DDIM's step takes an eta; a nonzero one elsewhere would be ignored, not reproduced.
    REQUIRE((chosen.kind == SamplerKind::ddim || eta == 0.0));
  }

  const int64_t steps = inputs.at("num_inference_steps").get<int64_t>();
  auto scheduler = make_scheduler(chosen.kind, chosen.config, steps, eta);
  const at::Generator generator = step_generator(inputs);

  double max_err = std::abs(scheduler->init_noise_sigma() - inputs.at("init_noise_sigma").get<double>());
  const torch::Tensor ref_timesteps = sdxl_tiny_ref(outputs.at("timesteps").get<std::string>());
  REQUIRE(scheduler->timesteps().dtype() == ref_timesteps.dtype());
  if (!torch::equal(scheduler->timesteps(), ref_timesteps))
    FAIL("timesteps: got " << scheduler->timesteps().view(-1) << "\nexpected " << ref_timesteps.view(-1));
  if (outputs.contains("sigmas")) {
    const torch::Tensor ref = sdxl_tiny_ref(outputs.at("sigmas").get<std::string>());
    REQUIRE(scheduler->sigmas().defined());
    REQUIRE(scheduler->sigmas().sizes() == ref.sizes());
    max_err = std::max(max_err, max_abs_diff(scheduler->sigmas(), ref));
  }
  if (outputs.contains("alphas_cumprod_at_timesteps")) {
    const torch::Tensor ref = sdxl_tiny_ref(outputs.at("alphas_cumprod_at_timesteps").get<std::string>());
    REQUIRE(scheduler->alphas_cumprod_at_timesteps().sizes() == ref.sizes());
    max_err = std::max(max_err, max_abs_diff(scheduler->alphas_cumprod_at_timesteps(), ref));
  }

  const torch::Tensor initial_noise = sdxl_tiny_ref(inputs.at("initial_noise").get<std::string>());
  const torch::Tensor c_term = sdxl_tiny_ref(inputs.at("c").get<std::string>());
  const double a = inputs.at("a").get<double>();
  std::vector<torch::Tensor> scaled_inputs, samples, denoised;
  const DenoiseFn model = [&](const torch::Tensor& x_in, const torch::Tensor&) {
    scaled_inputs.push_back(x_in);
    return a * x_in + c_term;
  };
  const auto* lcm = dynamic_cast<const LcmScheduler*>(scheduler.get());
  const torch::Tensor final_sample = sample(*scheduler, initial_noise, model, generator, [&](int64_t, const torch::Tensor& x) {
    samples.push_back(x);
    if (lcm) denoised.push_back(lcm->denoised());
  });

  std::map<std::string, std::vector<torch::Tensor>*> per_step = {
      {"scaled_model_inputs", &scaled_inputs}, {"samples", &samples}};
  if (outputs.contains("denoised")) {
    INFO("only LCM's step returns a denoised estimate");
    REQUIRE(lcm);
    per_step["denoised"] = &denoised;
  }
  for (const auto& [output, ours] : per_step) {
    const torch::Tensor ref = sdxl_tiny_ref(outputs.at(output).get<std::string>());
    REQUIRE(static_cast<int64_t>(ours->size()) == ref.size(0));
    for (int64_t i = 0; i < ref.size(0); ++i) {
      REQUIRE((*ours)[i].sizes() == ref[i].sizes());
      const double err = max_abs_diff((*ours)[i], ref[i]);
      INFO(output << " step " << i << ": err " << err);
      REQUIRE(err <= atol);
      max_err = std::max(max_err, err);
    }
  }
  REQUIRE(torch::equal(final_sample, samples.back()));
  std::printf("case %s max_abs_err = %.3g (atol %.3g)\n", name.c_str(), max_err, atol);
  REQUIRE(max_err <= atol);
}

}  // namespace

TEST_CASE("scheduler cases match diffusers 0.24", "[sdxl][schedulers][parity]") {
  size_t ran = 0;
  for (const char* kind : {"scheduler", "scheduler_ext"}) {
    for (const auto& c : sdxl_tiny_cases_of_kind(kind)) {
      DYNAMIC_SECTION(c.at("name").get<std::string>()) { run_case(c); }
      ++ran;
    }
  }
  REQUIRE(ran > 0);  // a fixture set without scheduler cases is a broken fixture set
}
