#pragma once
// The numpy arithmetic behind diffusers' set_timesteps, reproduced exactly (rounding mode,
// arange lengths, interpolation, Karras ramp, log-sigma inversion). Internal to the samplers;
// public for unit tests.
#include <cstdint>
#include <vector>

#include "compiler/sdxl/scheduler_config.h"

namespace dgxpx::sdxl::schedule_math {

/// numpy.round: half to even.
double round_half_even(double x);

/// numpy.arange(start, stop, step) for floating-point arguments: ceil((stop - start) / step)
/// values start + k * step.
std::vector<double> arange(double start, double stop, double step);

/// numpy.linspace(start, stop, num) (endpoint included, last value exactly `stop`).
std::vector<double> linspace(double start, double stop, int64_t num);

/// Timesteps of the single-step samplers (Euler, Euler ancestral, DDIM), in visiting order,
/// before the dtype conversion: "leading" uses step_ratio = T // n, then adds steps_offset;
/// "trailing" arange(T, 0, -T/n) rounded, minus 1; "linspace" linspace(0, T-1, n), rounded only
/// when `round_linspace` (DDIM) and kept fractional otherwise (Euler).
std::vector<double> single_step_timesteps(TimestepSpacing spacing, int64_t num_train_timesteps,
                                          int64_t num_steps, int64_t steps_offset,
                                          bool round_linspace);

/// DPMSolverMultistep's timesteps: "leading" uses step_ratio = last_timestep // (n + 1) and drops
/// the last of n + 1 values; "linspace" linspace(0, last - 1, n + 1) rounded, last dropped;
/// "trailing" arange(last, 0, -T/n) rounded, minus 1.
std::vector<int64_t> dpm_timesteps(TimestepSpacing spacing, int64_t num_train_timesteps,
                                   int64_t last_timestep, int64_t num_steps, int64_t steps_offset);

/// numpy.interp(x, arange(len(fp)), fp) in double.
double interp(double x, const std::vector<float>& fp);

/// Karras et al. (2022) sigmas: (max^(1/rho) + ramp * (min^(1/rho) - max^(1/rho)))^rho over
/// ramp = linspace(0, 1, n), in double.
std::vector<double> karras_sigmas(double sigma_min, double sigma_max, int64_t num_steps,
                                  double rho = 7.0);

/// diffusers' _sigma_to_t: the fractional training timestep whose log-sigma brackets
/// log(sigma), interpolated linearly (float32 distances, as numpy computes them).
double sigma_to_t(double sigma, const std::vector<float>& log_sigmas);

}  // namespace dgxpx::sdxl::schedule_math
