#pragma once
// Strict weight loading (STYLE.md habit 9): every parameter and buffer of a module is filled
// exactly once from a diffusers-named state dict, shapes are checked, and anything missing,
// left over or mis-shaped is reported by name in one error; success ends with one summary line.
#include <cstdint>
#include <map>
#include <string>

#include <torch/torch.h>

namespace dgxpx::sdxl {

/// Tensors by diffusers name ("down_blocks.0.resnets.0.conv1.weight"). Values may be views
/// over a memory-mapped file, in the stored dtype and possibly non-contiguous.
using StateDict = std::map<std::string, torch::Tensor>;

/// What load_state_dict() did, for callers and tests.
struct LoadSummary {
  int64_t tensors = 0;     // parameters + buffers filled
  int64_t elements = 0;    // their total numel
  std::string conversion;  // e.g. "fp16→fp32", or "fp32" when nothing was converted
};

/// Copies `weights` into `module`'s named_parameters() and named_buffers() (recursive names,
/// which for our networks are diffusers' keys), converting dtype and device to each target's.
/// Throws util::InputError (located at `source`, naming `component`) listing every missing
/// name, every leftover name and every shape mismatch ("name: expected [a, b], got [c]"); the
/// module is then unchanged. Logs "component: N tensors, X params, fp16→fp32 from source".
LoadSummary load_state_dict(torch::nn::Module& module, const StateDict& weights,
                            const std::string& component, const std::string& source = "");

/// "[a, b, c]".
std::string shape_string(torch::IntArrayRef shape);

/// "fp32", "fp16", "bf16", or torch's name for other dtypes.
std::string dtype_short_name(torch::ScalarType dtype);

}  // namespace dgxpx::sdxl
