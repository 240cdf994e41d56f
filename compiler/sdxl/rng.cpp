#include "compiler/sdxl/rng.h"

#include <utility>

#include <ATen/CPUGeneratorImpl.h>

namespace dgxpx::sdxl {
namespace {

torch::Tensor to_target(torch::Tensor noise, const torch::TensorOptions& options) {
  const auto dtype = options.has_dtype() ? options.dtype().toScalarType() : torch::kFloat32;
  const auto device = options.has_device() ? options.device() : torch::Device(torch::kCPU);
  if (dtype == noise.scalar_type() && device == noise.device()) return noise;
  return noise.to(device, dtype);
}

}  // namespace

at::Generator make_cpu_generator(uint64_t seed) {
  return at::make_generator<at::CPUGeneratorImpl>(seed);
}

torch::Tensor randn_cpu(at::IntArrayRef shape, const at::Generator& generator,
                        const torch::TensorOptions& options) {
  const auto cpu_f32 = torch::TensorOptions().dtype(torch::kFloat32).device(torch::kCPU);
  c10::optional<at::Generator> gen;
  if (generator.defined()) {
    TORCH_CHECK(generator.device().is_cpu(), "randn_cpu: expected a CPU generator, got ",
                generator.device());
    gen = generator;
  }
  return to_target(at::randn(shape, gen, cpu_f32), options);
}

torch::Tensor randn_cpu(at::IntArrayRef shape, const std::vector<at::Generator>& generators,
                        const torch::TensorOptions& options) {
  TORCH_CHECK(!shape.empty() && shape[0] == static_cast<int64_t>(generators.size()),
              "randn_cpu: expected one generator per batch entry (", shape.empty() ? 0 : shape[0],
              "), got ", generators.size());
  std::vector<int64_t> one(shape.begin(), shape.end());
  one[0] = 1;
  std::vector<torch::Tensor> parts;
  parts.reserve(generators.size());
  for (const auto& generator : generators) parts.push_back(randn_cpu(one, generator));
  return to_target(torch::cat(parts, 0), options);
}

NoiseGenerators::NoiseGenerators(at::Generator shared) : shared_(std::move(shared)) {}

NoiseGenerators::NoiseGenerators(std::vector<at::Generator> per_entry)
    : per_entry_(std::move(per_entry)) {
  TORCH_CHECK(!per_entry_.empty(), "NoiseGenerators: expected at least one per-entry generator");
  for (const auto& generator : per_entry_)
    TORCH_CHECK(generator.defined(), "NoiseGenerators: expected defined per-entry generators");
}

NoiseGenerators NoiseGenerators::per_entry_seeded(const std::vector<uint64_t>& seeds) {
  std::vector<at::Generator> generators;
  generators.reserve(seeds.size());
  for (uint64_t seed : seeds) generators.push_back(make_cpu_generator(seed));
  return NoiseGenerators(std::move(generators));
}

torch::Tensor NoiseGenerators::randn(at::IntArrayRef shape, const torch::TensorOptions& options) const {
  if (is_per_entry()) return randn_cpu(shape, per_entry_, options);
  return randn_cpu(shape, shared_, options);
}

}  // namespace dgxpx::sdxl
