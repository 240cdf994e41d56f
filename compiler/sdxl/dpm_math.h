#pragma once
// What the multistep DPM samplers (DPM-Solver++ 2M, UniPC) share: exp, expm1 and log of float32
// scalars evaluated through libtorch on 0-dim tensors, as diffusers computes them (libtorch's
// vectorised kernels can differ from libm by an ulp, and matching them keeps rollouts
// bit-exact), and the variance-preserving (alpha, sigma) pair of a sigma. Internal to the samplers.
#include <cmath>

#include <torch/torch.h>

namespace dgxpx::sdxl::dpm_math {

inline float torch_exp(float x) { return torch::exp(torch::tensor(x)).item<float>(); }
inline float torch_expm1(float x) { return torch::expm1(torch::tensor(x)).item<float>(); }
inline float torch_log(float x) { return torch::log(torch::tensor(x)).item<float>(); }

/// alpha_t = 1 / sqrt(sigma^2 + 1), sigma_t = sigma * alpha_t.
struct AlphaSigma {
  float alpha;
  float sigma;
  /// log(alpha_t) - log(sigma_t), the samplers' half-log-SNR.
  float lambda() const { return torch_log(alpha) - torch_log(sigma); }
};

inline AlphaSigma alpha_sigma(float sigma) {
  const float alpha = 1.0f / std::sqrt(sigma * sigma + 1.0f);
  return {alpha, sigma * alpha};
}

}  // namespace dgxpx::sdxl::dpm_math
