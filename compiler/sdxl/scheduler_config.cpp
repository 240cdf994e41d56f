#include "compiler/sdxl/scheduler_config.h"

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "compiler/util/error.h"

namespace dgxpx::sdxl {
namespace {

using nlohmann::json;

[[noreturn]] void bad_value(const std::filesystem::path& path, const std::string& key,
                            const std::string& expected, const json& got) {
  throw util::InputError({path.string()}, "\"" + key + "\": " + util::expected_got(expected, got.dump()));
}

// A key that is absent or null keeps the default.
const json* field(const json& doc, const char* key) {
  auto it = doc.find(key);
  if (it == doc.end() || it->is_null()) return nullptr;
  return &*it;
}

double read_number(const json& doc, const char* key, double fallback, const std::filesystem::path& path) {
  const json* v = field(doc, key);
  if (!v) return fallback;
  if (!v->is_number()) bad_value(path, key, "a number", *v);
  return v->get<double>();
}

int64_t read_integer(const json& doc, const char* key, int64_t fallback, int64_t min, int64_t max,
                     const std::filesystem::path& path) {
  const json* v = field(doc, key);
  if (!v) return fallback;
  if (!v->is_number_integer() || v->get<int64_t>() < min || v->get<int64_t>() > max)
    bad_value(path, key, "an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]", *v);
  return v->get<int64_t>();
}

std::optional<bool> read_bool(const json& doc, const char* key, const std::filesystem::path& path) {
  const json* v = field(doc, key);
  if (!v) return std::nullopt;
  if (!v->is_boolean()) bad_value(path, key, "true or false", *v);
  return v->get<bool>();
}

std::optional<std::string> read_string(const json& doc, const char* key, const std::filesystem::path& path) {
  const json* v = field(doc, key);
  if (!v) return std::nullopt;
  if (!v->is_string()) bad_value(path, key, "a string", *v);
  return v->get<std::string>();
}

}  // namespace

SchedulerConfig sdxl_base_scheduler_config() {
  SchedulerConfig c;
  c.num_train_timesteps = 1000;
  c.beta_start = 0.00085;
  c.beta_end = 0.012;
  c.beta_schedule = BetaSchedule::scaled_linear;
  c.prediction_type = PredictionType::epsilon;
  c.timestep_spacing = TimestepSpacing::leading;
  c.steps_offset = 1;
  c.set_alpha_to_one = false;
  c.clip_sample = false;
  return c;
}

SchedulerConfig read_scheduler_config(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw util::InputError({path.string()}, "cannot open scheduler config");
  std::ostringstream text;
  text << in.rdbuf();
  json doc;
  try {
    doc = json::parse(text.str());
  } catch (const json::parse_error& e) {
    throw util::InputError({path.string()}, std::string("malformed JSON: ") + e.what());
  }
  if (!doc.is_object())
    throw util::InputError({path.string()}, util::expected_got("a JSON object", doc.type_name()));

  SchedulerConfig c;
  c.num_train_timesteps = read_integer(doc, "num_train_timesteps", c.num_train_timesteps, 2, 100000, path);
  c.beta_start = read_number(doc, "beta_start", c.beta_start, path);
  c.beta_end = read_number(doc, "beta_end", c.beta_end, path);
  if (!(c.beta_start > 0 && c.beta_start < 1 && c.beta_end > 0 && c.beta_end < 1))
    throw util::InputError({path.string()}, "\"beta_start\"/\"beta_end\": " +
                                                util::expected_got("values in (0, 1)",
                                                                   std::to_string(c.beta_start) + ", " +
                                                                       std::to_string(c.beta_end)));
  if (auto s = read_string(doc, "beta_schedule", path)) {
    if (*s == "linear") c.beta_schedule = BetaSchedule::linear;
    else if (*s == "scaled_linear") c.beta_schedule = BetaSchedule::scaled_linear;
    else bad_value(path, "beta_schedule", "\"linear\" or \"scaled_linear\"", *s);
  }
  if (const json* betas = field(doc, "trained_betas")) {
    if (!betas->is_array() || betas->size() != static_cast<size_t>(c.num_train_timesteps))
      bad_value(path, "trained_betas", std::to_string(c.num_train_timesteps) + " numbers", *betas);
    for (const json& b : *betas) {
      if (!b.is_number() || !(b.get<double>() > 0 && b.get<double>() < 1))
        bad_value(path, "trained_betas", "numbers in (0, 1)", b);
      c.trained_betas.push_back(b.get<float>());
    }
  }
  if (auto s = read_string(doc, "prediction_type", path)) {
    if (*s == "epsilon") c.prediction_type = PredictionType::epsilon;
    else if (*s == "v_prediction") c.prediction_type = PredictionType::v_prediction;
    else bad_value(path, "prediction_type", "\"epsilon\" or \"v_prediction\"", *s);
  }
  if (auto s = read_string(doc, "timestep_spacing", path)) {
    if (*s == "leading") c.timestep_spacing = TimestepSpacing::leading;
    else if (*s == "trailing") c.timestep_spacing = TimestepSpacing::trailing;
    else if (*s == "linspace") c.timestep_spacing = TimestepSpacing::linspace;
    else bad_value(path, "timestep_spacing", "\"leading\", \"trailing\" or \"linspace\"", *s);
  }
  c.steps_offset = read_integer(doc, "steps_offset", c.steps_offset, 0, c.num_train_timesteps - 1, path);
  c.set_alpha_to_one = read_bool(doc, "set_alpha_to_one", path);
  c.clip_sample = read_bool(doc, "clip_sample", path).value_or(false);
  c.clip_sample_range = read_number(doc, "clip_sample_range", c.clip_sample_range, path);
  c.lambda_min_clipped = read_number(doc, "lambda_min_clipped", c.lambda_min_clipped, path);
  c.original_inference_steps = read_integer(doc, "original_inference_steps", c.original_inference_steps, 1,
                                            c.num_train_timesteps, path);
  c.timestep_scaling = read_number(doc, "timestep_scaling", c.timestep_scaling, path);
  if (!(c.timestep_scaling > 0)) bad_value(path, "timestep_scaling", "a positive number", c.timestep_scaling);

  // Options whose non-default values change the math in ways not implemented here.
  if (auto s = read_string(doc, "interpolation_type", path); s && *s != "linear")
    bad_value(path, "interpolation_type", "\"linear\" (the only one supported)", *s);
  if (auto s = read_string(doc, "timestep_type", path); s && *s != "discrete")
    bad_value(path, "timestep_type", "\"discrete\" (the only one supported)", *s);
  if (read_bool(doc, "thresholding", path).value_or(false))
    bad_value(path, "thresholding", "false (thresholding is not supported)", true);
  if (read_bool(doc, "rescale_betas_zero_snr", path).value_or(false))
    bad_value(path, "rescale_betas_zero_snr", "false (not supported)", true);
  return c;
}

const char* to_string(TimestepSpacing spacing) {
  switch (spacing) {
    case TimestepSpacing::leading: return "leading";
    case TimestepSpacing::trailing: return "trailing";
    case TimestepSpacing::linspace: return "linspace";
  }
  return "?";
}

const char* to_string(PredictionType prediction) {
  return prediction == PredictionType::epsilon ? "epsilon" : "v_prediction";
}

const char* to_string(BetaSchedule schedule) {
  return schedule == BetaSchedule::linear ? "linear" : "scaled_linear";
}

}  // namespace dgxpx::sdxl
