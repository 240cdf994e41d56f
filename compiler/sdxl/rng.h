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
// The samplers in schedulers.h do exactly this when given the pipeline's generator. With one
// generator per image (NoiseGenerators below), each entry follows this order on its own.
#include <cstddef>
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

/// The generator(s) a sampling run draws its noise from, as diffusers' `generator` argument:
///   - none: libtorch's default CPU generator (generator=None);
///   - one generator shared by the whole batch (a single torch.Generator): a draw of shape
///     [B, ...] comes from it in one go;
///   - one generator per batch entry (a list of torch.Generator): entry b of a [B, ...] draw
///     comes from generators[b] with shape [1, ...]. Image b then sees exactly the noise a
///     single-image run seeded like generators[b] sees, whatever else is in the batch.
/// Copies share the generators' state (at::Generator is a handle): a draw through any copy
/// advances them all.
class NoiseGenerators {
 public:
  /// None: draws come from libtorch's default generator.
  NoiseGenerators() = default;
  /// One generator for the whole batch; an undefined one means none. Implicit, so call sites
  /// that pass a single at::Generator keep working.
  NoiseGenerators(at::Generator shared);  // NOLINT(google-explicit-constructor)
  /// One generator per batch entry. Throws c10::Error if the list is empty or one is undefined.
  explicit NoiseGenerators(std::vector<at::Generator> per_entry);

  /// One fresh CPU generator per seed (diffusers' [torch.Generator().manual_seed(s) for s in
  /// seeds]).
  static NoiseGenerators per_entry_seeded(const std::vector<uint64_t>& seeds);

  /// False for none: samplers then skip draws whose values they do not use.
  bool defined() const { return shared_.defined() || !per_entry_.empty(); }
  /// True when there is one generator per batch entry.
  bool is_per_entry() const { return !per_entry_.empty(); }
  /// The number of per-entry generators (0 for none or a shared one).
  size_t entry_count() const { return per_entry_.size(); }

  /// randn_cpu with these generators: [B, ...] unit-variance noise moved to `options`' device
  /// and dtype. Per entry, throws c10::Error unless B == entry_count(). Advances the generators.
  torch::Tensor randn(at::IntArrayRef shape, const torch::TensorOptions& options = {}) const;

 private:
  at::Generator shared_;
  std::vector<at::Generator> per_entry_;
};

}  // namespace dgxpx::sdxl
