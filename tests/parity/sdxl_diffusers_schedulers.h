#pragma once
// diffusers scheduler classes (as the fixtures name them: class + from_config overrides) mapped
// to our samplers, and the check that diffusers' effective configuration is the one our sampler
// implements. Anything without a counterpart (class, override, or a config value that changes
// the math) throws: a parity case we cannot reproduce is a failure, never a skip.
#include <limits>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "compiler/sdxl/scheduler_config.h"
#include "compiler/sdxl/schedulers.h"

namespace dgxpx::testing {

struct DiffusersScheduler {
  sdxl::SamplerKind kind;
  /// The `timestep_spacing` override, as a GenerationRequest takes it.
  std::optional<sdxl::TimestepSpacing> spacing;
  /// `base` with the overrides applied.
  sdxl::SchedulerConfig config;
};

inline sdxl::TimestepSpacing parse_spacing(const std::string& s) {
  if (s == "leading") return sdxl::TimestepSpacing::leading;
  if (s == "trailing") return sdxl::TimestepSpacing::trailing;
  if (s == "linspace") return sdxl::TimestepSpacing::linspace;
  throw std::runtime_error("unknown timestep_spacing '" + s + "'");
}

/// `Class.from_config(base, **overrides)`. Throws std::runtime_error for a class or override this
/// implementation has no sampler for.
inline DiffusersScheduler diffusers_scheduler(const std::string& cls, const nlohmann::json& overrides,
                                              const sdxl::SchedulerConfig& base) {
  using sdxl::SamplerKind;
  DiffusersScheduler out{SamplerKind::euler, std::nullopt, base};
  bool karras = false;
  std::string algorithm = "dpmsolver++";
  for (const auto& [key, value] : overrides.items()) {
    if (key == "timestep_spacing") {
      out.spacing = parse_spacing(value.get<std::string>());
      out.config.timestep_spacing = out.spacing;
    } else if (key == "use_karras_sigmas") {
      karras = value.get<bool>();
    } else if (key == "algorithm_type") {
      algorithm = value.get<std::string>();
    } else {
      throw std::runtime_error("scheduler override '" + key + "' has no counterpart here: " + overrides.dump());
    }
  }
  const auto unsupported = [&] {
    return std::runtime_error("no sampler for " + cls + " with overrides " + overrides.dump());
  };
  if (cls == "DPMSolverMultistepScheduler") {
    if (algorithm == "dpmsolver++") out.kind = karras ? SamplerKind::dpmpp_2m_karras : SamplerKind::dpmpp_2m;
    else if (algorithm == "sde-dpmsolver++" && karras) out.kind = SamplerKind::dpmpp_2m_sde_karras;
    else throw unsupported();
    return out;
  }
  if (karras || overrides.contains("algorithm_type")) throw unsupported();
  if (cls == "EulerDiscreteScheduler") out.kind = SamplerKind::euler;
  else if (cls == "EulerAncestralDiscreteScheduler") out.kind = SamplerKind::euler_ancestral;
  else if (cls == "DDIMScheduler") out.kind = SamplerKind::ddim;
  else if (cls == "LCMScheduler") out.kind = SamplerKind::lcm;
  else if (cls == "UniPCMultistepScheduler") out.kind = SamplerKind::unipc;
  else throw unsupported();
  return out;
}

namespace detail {

inline bool is_karras(sdxl::SamplerKind k) {
  return k == sdxl::SamplerKind::dpmpp_2m_karras || k == sdxl::SamplerKind::dpmpp_2m_sde_karras;
}

inline double json_number(const nlohmann::json& v) {
  if (v.is_string()) {  // Python's bare specials, quoted by read_python_json
    const auto s = v.get<std::string>();
    if (s == "-Infinity") return -std::numeric_limits<double>::infinity();
    if (s == "Infinity") return std::numeric_limits<double>::infinity();
    throw std::runtime_error("not a number: " + v.dump());
  }
  return v.get<double>();
}

}  // namespace detail

/// Throws std::runtime_error naming the first key of diffusers' effective config whose value
/// differs from what `s` computes with, or that this implementation does not know.
inline void check_effective_config(const nlohmann::json& effective, const DiffusersScheduler& s) {
  using sdxl::SamplerKind;
  const sdxl::SchedulerConfig& c = s.config;
  const auto differs = [&](const std::string& key, const std::string& ours) {
    return std::runtime_error("effective config " + key + " = " + effective.at(key).dump() +
                              ", but the " + sdxl::to_string(s.kind) + " sampler uses " + ours);
  };
  const auto expect = [&](const std::string& key, const nlohmann::json& ours) {
    if (effective.at(key) != ours) throw differs(key, ours.dump());
  };
  const bool dpm = s.kind == SamplerKind::dpmpp_2m || detail::is_karras(s.kind);
  const sdxl::TimestepSpacing class_default =
      s.kind == SamplerKind::ddim || s.kind == SamplerKind::lcm ? sdxl::TimestepSpacing::leading
                                                                : sdxl::TimestepSpacing::linspace;
  // Keys that only matter with an option that is off (thresholding) or a class we do not map.
  static const std::set<std::string> inert = {"sample_max_value", "dynamic_thresholding_ratio", "skip_prk_steps"};
  for (const auto& [key, value] : effective.items()) {
    if (inert.count(key)) continue;
    if (key == "num_train_timesteps") expect(key, c.num_train_timesteps);
    else if (key == "beta_start" || key == "beta_end") {
      if (value.get<double>() != (key == "beta_start" ? c.beta_start : c.beta_end))
        throw differs(key, std::to_string(key == "beta_start" ? c.beta_start : c.beta_end));
    } else if (key == "beta_schedule") expect(key, sdxl::to_string(c.beta_schedule));
    else if (key == "trained_betas") {
      if (!value.is_null() || !c.trained_betas.empty()) throw differs(key, "no trained betas");
    } else if (key == "prediction_type") expect(key, sdxl::to_string(c.prediction_type));
    else if (key == "timestep_spacing") expect(key, sdxl::to_string(c.timestep_spacing.value_or(class_default)));
    else if (key == "steps_offset") expect(key, c.steps_offset);
    else if (key == "set_alpha_to_one") expect(key, c.set_alpha_to_one.value_or(true));
    else if (key == "clip_sample") expect(key, c.clip_sample);
    else if (key == "clip_sample_range") {
      if (c.clip_sample && value.get<double>() != c.clip_sample_range) throw differs(key, std::to_string(c.clip_sample_range));
    } else if (key == "thresholding" || key == "rescale_betas_zero_snr" || key == "euler_at_final" ||
               key == "use_lu_lambdas") expect(key, false);
    else if (key == "interpolation_type") expect(key, "linear");
    else if (key == "timestep_type") expect(key, "discrete");
    else if (key == "sigma_min" || key == "sigma_max" || key == "variance_type" || key == "solver_p") expect(key, nullptr);
    else if (key == "use_karras_sigmas") expect(key, detail::is_karras(s.kind));
    else if (key == "algorithm_type" && dpm)
      expect(key, s.kind == SamplerKind::dpmpp_2m_sde_karras ? "sde-dpmsolver++" : "dpmsolver++");
    else if (key == "solver_order" && (dpm || s.kind == SamplerKind::unipc)) expect(key, 2);
    else if (key == "solver_type" && dpm) expect(key, "midpoint");
    else if (key == "solver_type" && s.kind == SamplerKind::unipc) expect(key, "bh2");
    else if (key == "lower_order_final" && (dpm || s.kind == SamplerKind::unipc)) expect(key, true);
    else if (key == "lambda_min_clipped" && dpm) {
      if (detail::json_number(value) != c.lambda_min_clipped) throw differs(key, std::to_string(c.lambda_min_clipped));
    } else if (key == "predict_x0" && s.kind == SamplerKind::unipc) expect(key, true);
    else if (key == "disable_corrector" && s.kind == SamplerKind::unipc) expect(key, nlohmann::json::array());
    else if (key == "original_inference_steps" && s.kind == SamplerKind::lcm) expect(key, c.original_inference_steps);
    else if (key == "timestep_scaling" && s.kind == SamplerKind::lcm) {
      if (value.get<double>() != c.timestep_scaling) throw differs(key, std::to_string(c.timestep_scaling));
    } else {
      throw std::runtime_error("effective config key " + key + " = " + value.dump() +
                               " is not known to the " + sdxl::to_string(s.kind) + " sampler");
    }
  }
}

}  // namespace dgxpx::testing
