#pragma once
// Seeded noise that reproduces diffusers with a CPU torch.Generator, bit for bit: libtorch's CPU
// generator is the one PyTorch uses (mt19937 seeded with the low 32 bits of the seed), and
// at::randn on the CPU in float32 is torch.randn (values depend on the element count: below 16
// elements a scalar Box-Muller path, from 16 up a vectorised one in blocks of 16). Noise is
// therefore always drawn on the CPU in float32 and only then moved to the target device and
// dtype, so CUDA builds reproduce CPU seeds.
//
// Draw order a pipeline must follow to match StableDiffusionXLPipeline with
// generator=torch.Generator("cpu").manual_seed(seed):
//   1. the initial latents, one draw of shape [batch * images_per_prompt, 4, H/8, W/8]
//      (prepare_latents; scaled by the scheduler's init_noise_sigma afterwards);
//   2. then, inside the denoising loop, whatever each scheduler step draws from the same
//      generator: Euler ancestral one randn(model_output.shape) per step; diffusers 0.24's
//      Euler one unused randn(model_output.shape) per step (results do not depend on it, the
//      generator state does); DDIM only when eta > 0; DPM++ 2M none.
// The samplers in schedulers.h do exactly this when given the pipeline's generator.
#include <cstdint>
#include <vector>

#include <ATen/core/Generator.h>
#include <torch/torch.h>

namespace dgxpx::sdxl {

/// torch.Generator("cpu").manual_seed(seed).
at::Generator make_cpu_generator(uint64_t seed);

/// diffusers' randn_tensor(shape, generator=<CPU generator>, device, dtype): torch.randn drawn
/// on the CPU in float32 from `generator`, then moved to `options`' device and dtype (defaults:
/// CPU, float32). Advances `generator`. An undefined generator draws from libtorch's default
/// CPU generator (torch's global RNG), as diffusers does with generator=None.
torch::Tensor randn_cpu(at::IntArrayRef shape, const at::Generator& generator,
                        const torch::TensorOptions& options = {});

/// randn_tensor with a list of generators (one per batch entry): entry b is drawn from
/// generators[b] with shape [1, shape[1:]...], the results concatenated along dim 0.
/// Throws c10::Error unless generators.size() == shape[0].
torch::Tensor randn_cpu(at::IntArrayRef shape, const std::vector<at::Generator>& generators,
                        const torch::TensorOptions& options = {});

}  // namespace dgxpx::sdxl
