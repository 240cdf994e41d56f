#pragma once
// Network configurations of a single-file checkpoint, read off its tensor shapes (a single file
// carries no config.json). Shapes fix channels, depths, layer counts, vocabulary and projection
// sizes; they cannot fix attention head counts, norm group counts, activations, epsilons or
// the VAE scaling factor. Those come from a known configuration when the caller has one (a
// diffusers folder's config.json files), else from SDXL's conventions (64-dim attention heads,
// 32 norm groups, CLIP-L quick-GELU / OpenCLIP GELU, SDXL base's remaining settings), so a real
// SDXL base checkpoint detects as exactly sdxl_base_*_config().
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "compiler/sdxl/config.h"

namespace dgxpx::sdxl {

/// Tensor name (single-file layout) -> shape.
using TensorShapes = std::map<std::string, std::vector<int64_t>>;

/// The four configurations of an SDXL model.
struct ModelConfigs {
  UNetConfig unet;
  VaeConfig vae;
  ClipTextConfig text_encoder;
  ClipTextConfig text_encoder_2;
};

/// Detects all four configurations from single-file tensor shapes. Fields the shapes cannot
/// decide come from `known` when given (and `known`'s shape-decided fields must agree with the
/// weights), else from SDXL conventions. Throws util::InputError naming `file_name` and the
/// missing tensor or contradicting field, e.g. when a convention does not fit (channels that
/// are not a multiple of 64 heads' width: pass a config then).
ModelConfigs detect_configs(const TensorShapes& shapes, const std::string& file_name,
                            const ModelConfigs* known = nullptr);

/// True when all four configurations equal SDXL base 1.0's.
bool is_sdxl_base(const ModelConfigs& configs);

/// Field-by-field equality (for tests and for is_sdxl_base).
bool same_config(const UNetConfig& a, const UNetConfig& b);
bool same_config(const VaeConfig& a, const VaeConfig& b);
bool same_config(const ClipTextConfig& a, const ClipTextConfig& b);

/// A one-line description of each field, for messages and test failures.
std::string describe(const UNetConfig& config);
std::string describe(const VaeConfig& config);
std::string describe(const ClipTextConfig& config);

}  // namespace dgxpx::sdxl
