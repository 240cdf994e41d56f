#include "compiler/sdxl/seamless.h"

#include "compiler/sdxl/layers.h"
#include "compiler/util/error.h"

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

void set_tiling(torch::nn::Module& module, Tiling tiling) {
  switch (tiling) {
    case Tiling::none: set_conv_padding_mode(module, PaddingMode::zeros); return;
    case Tiling::xy: set_conv_padding_mode(module, PaddingMode::circular); return;
    case Tiling::x:
    case Tiling::y:
      throw util::InputError(util::expected_got("tiling none or xy (one-axis tiling needs per-axis "
                                                "circular padding in sdxl::Conv2d, not in this build)",
                                                to_string(tiling)));
  }
}

}  // namespace dgxpx::sdxl
