#pragma once
// Seamless (tileable) generation: every padded convolution of the UNet and the VAE wraps
// around instead of padding with zeros, so the image's opposite edges continue each other.
// Unpadded convolutions (1x1, the VAE encoder's downsamplers after their explicit zero pad)
// are unaffected. This is what diffusers users do by setting padding_mode="circular" on every
// torch.nn.Conv2d; on diffusers 0.24 without PEFT that trick silently misses the
// LoRACompatibleConv layers (the fixture case `seamless_legacy_naive` records that half-circular
// result; the `seamless` case is the fully circular one we match).
#include <optional>
#include <string_view>

#include <torch/torch.h>

namespace dgxpx::sdxl {

/// Which axes wrap around.
enum class Tiling { none, x, y, xy };

/// "none", "x", "y", "xy"; nullopt for anything else.
std::optional<Tiling> parse_tiling(std::string_view text);
const char* to_string(Tiling tiling);

/// Sets every padded Conv2d below `module` to wrap on the axes of `tiling` (none restores zero
/// padding). Throws util::InputError for a single axis (x or y): the Conv2d layer only offers
/// zero or all-around circular padding in this build.
void set_tiling(torch::nn::Module& module, Tiling tiling);

}  // namespace dgxpx::sdxl
