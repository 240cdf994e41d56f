#include "compiler/sdxl/schedule_math.h"

#include <algorithm>
#include <cmath>

#include <c10/util/Exception.h>

namespace dgxpx::sdxl::schedule_math {

double round_half_even(double x) { return std::nearbyint(x); }  // default mode: to nearest even

std::vector<double> arange(double start, double stop, double step) {
  TORCH_CHECK(step != 0, "arange: zero step");
  const double length = std::ceil((stop - start) / step);
  std::vector<double> out;
  if (!(length > 0)) return out;
  out.reserve(static_cast<size_t>(length));
  // numpy fills the first two values, then start + i * (second - first).
  const double second = start + step;
  const double delta = second - start;
  for (int64_t i = 0; i < static_cast<int64_t>(length); ++i)
    out.push_back(i == 0 ? start : i == 1 ? second : start + static_cast<double>(i) * delta);
  return out;
}

std::vector<double> linspace(double start, double stop, int64_t num) {
  std::vector<double> out;
  if (num <= 0) return out;
  if (num == 1) return {start};
  const double step = (stop - start) / static_cast<double>(num - 1);
  for (int64_t i = 0; i < num; ++i) out.push_back(static_cast<double>(i) * step + start);
  out.back() = stop;
  return out;
}

std::vector<double> single_step_timesteps(TimestepSpacing spacing, int64_t num_train_timesteps,
                                          int64_t num_steps, int64_t steps_offset,
                                          bool round_linspace) {
  const auto T = num_train_timesteps;
  std::vector<double> out;
  switch (spacing) {
    case TimestepSpacing::leading: {
      const int64_t step_ratio = T / num_steps;
      for (int64_t k = num_steps - 1; k >= 0; --k)
        out.push_back(static_cast<double>(k * step_ratio + steps_offset));
      break;
    }
    case TimestepSpacing::trailing: {
      for (double t : arange(static_cast<double>(T), 0.0, -static_cast<double>(T) / num_steps))
        out.push_back(round_half_even(t) - 1.0);
      break;
    }
    case TimestepSpacing::linspace: {
      out = linspace(0.0, static_cast<double>(T - 1), num_steps);
      if (round_linspace)
        for (double& t : out) t = round_half_even(t);
      std::reverse(out.begin(), out.end());
      break;
    }
  }
  return out;
}

std::vector<int64_t> dpm_timesteps(TimestepSpacing spacing, int64_t num_train_timesteps,
                                   int64_t last_timestep, int64_t num_steps, int64_t steps_offset) {
  std::vector<int64_t> out;
  switch (spacing) {
    case TimestepSpacing::leading: {
      const int64_t step_ratio = last_timestep / (num_steps + 1);
      // arange(0, n + 1) * ratio, reversed, the last (0) dropped.
      for (int64_t k = num_steps; k >= 1; --k) out.push_back(k * step_ratio + steps_offset);
      break;
    }
    case TimestepSpacing::linspace: {
      std::vector<double> values = linspace(0.0, static_cast<double>(last_timestep - 1), num_steps + 1);
      for (size_t k = values.size() - 1; k >= 1; --k)
        out.push_back(static_cast<int64_t>(round_half_even(values[k])));
      break;
    }
    case TimestepSpacing::trailing: {
      const double step_ratio = static_cast<double>(num_train_timesteps) / num_steps;
      for (double t : arange(static_cast<double>(last_timestep), 0.0, -step_ratio))
        out.push_back(static_cast<int64_t>(round_half_even(t)) - 1);
      break;
    }
  }
  return out;
}

double interp(double x, const std::vector<float>& fp) {
  TORCH_CHECK(!fp.empty(), "interp: no points");
  const auto last = static_cast<double>(fp.size() - 1);
  if (!(x > 0)) return fp.front();
  if (x >= last) return fp.back();
  const auto j = static_cast<size_t>(std::floor(x));
  const double slope = (static_cast<double>(fp[j + 1]) - static_cast<double>(fp[j]));  // xp step 1
  return slope * (x - static_cast<double>(j)) + static_cast<double>(fp[j]);
}

std::vector<double> karras_sigmas(double sigma_min, double sigma_max, int64_t num_steps, double rho) {
  const double min_inv_rho = std::pow(sigma_min, 1.0 / rho);
  const double max_inv_rho = std::pow(sigma_max, 1.0 / rho);
  std::vector<double> out;
  for (double ramp : linspace(0.0, 1.0, num_steps))
    out.push_back(std::pow(max_inv_rho + ramp * (min_inv_rho - max_inv_rho), rho));
  return out;
}

double sigma_to_t(double sigma, const std::vector<float>& log_sigmas) {
  TORCH_CHECK(log_sigmas.size() >= 2, "sigma_to_t: need two or more sigmas");
  // numpy computes these distances in float32 (the float64 scalar meets a float32 array).
  const auto log_sigma = static_cast<float>(std::log(sigma));
  // argmax of the cumulative count of (dist >= 0): the last index with log_sigmas[i] <= log_sigma,
  // or 0 when there is none; clipped so that a higher neighbour exists.
  size_t low = 0;
  int64_t count = 0, best = 0;
  for (size_t i = 0; i < log_sigmas.size(); ++i) {
    if (log_sigma - log_sigmas[i] >= 0.0f) ++count;
    if (count > best) best = count, low = i;
  }
  low = std::min(low, log_sigmas.size() - 2);
  const size_t high = low + 1;
  float w = (log_sigmas[low] - log_sigma) / (log_sigmas[low] - log_sigmas[high]);
  w = std::clamp(w, 0.0f, 1.0f);
  return static_cast<double>(1.0f - w) * static_cast<double>(low) +
         static_cast<double>(w) * static_cast<double>(high);
}

}  // namespace dgxpx::sdxl::schedule_math
