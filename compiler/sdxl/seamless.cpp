#include "compiler/sdxl/seamless.h"

#include "compiler/sdxl/layers.h"

namespace dgxpx::sdxl {

std::optional<Tiling> parse_tiling(std::string_view text) {
  if (text == "none" || text.empty()) return Tiling::none;
  if (text == "x") return Tiling::x;
  if (text == "y") return Tiling::y;
  if (text == "xy") return Tiling::xy;
  return std::nullopt;
}

const char* to_string(Tiling tiling) {
  switch (tiling) {
    case Tiling::none: return "none";
    case Tiling::x: return "x";
    case Tiling::y: return "y";
    case Tiling::xy: return "xy";
  }
  return "?";
}

PaddingMode padding_mode_of(Tiling tiling) {
  switch (tiling) {
    case Tiling::none: return PaddingMode::zeros;
    case Tiling::x: return PaddingMode::circular_x;
    case Tiling::y: return PaddingMode::circular_y;
    case Tiling::xy: return PaddingMode::circular;
  }
  TORCH_INTERNAL_ASSERT(false, "unknown Tiling value ", static_cast<int>(tiling));
}

void set_tiling(torch::nn::Module& module, Tiling tiling) {
  set_conv_padding_mode(module, padding_mode_of(tiling));
}

}  // namespace dgxpx::sdxl
