#pragma once
// Seamless (tileable) generation: every padded convolution of the UNet and the VAE wraps
// around instead of padding with zeros on the tiled axes, so the image's opposite edges
// continue each other: left/right for x (a horizontal strip, e.g. a scrolling background),
// top/bottom for y, both for xy. The untiled axis keeps zero padding. Unpadded convolutions
// (1x1, the VAE encoder's downsamplers after their explicit zero pad) are unaffected. Both axes
// is what diffusers users do by setting padding_mode="circular" on every torch.nn.Conv2d; on
// diffusers 0.24 without PEFT that trick silently misses the LoRACompatibleConv layers (the
// fixture case `seamless_legacy_naive` records that half-circular result; the `seamless` case
// is the fully circular one we match). One axis pads the tiled axis circularly and the other
// with zeros, as InvokeAI's seamless x/y patch does (invokeai/backend/image_util/seamless.py).
#include <optional>
#include <string_view>

#include <torch/torch.h>

#include "compiler/sdxl/layers.h"

namespace dgxpx::sdxl {

/// Which axes wrap around.
enum class Tiling { none, x, y, xy };

/// "none", "x", "y", "xy"; nullopt for anything else.
std::optional<Tiling> parse_tiling(std::string_view text);
const char* to_string(Tiling tiling);

/// The Conv2d padding mode that tiles `tiling`'s axes: none -> zeros, x -> circular_x,
/// y -> circular_y, xy -> circular.
PaddingMode padding_mode_of(Tiling tiling);

/// Sets every padded Conv2d below `module` to wrap on the axes of `tiling` and zero-pad the
/// others (none restores zero padding everywhere). Callable again at any time; does not throw.
void set_tiling(torch::nn::Module& module, Tiling tiling);

}  // namespace dgxpx::sdxl
