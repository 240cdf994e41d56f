#pragma once
// In-palette shading: light from one side, occlusion in inner corners and a darker rim on the
// side away from the light, worked out from the sprite's shape alone and applied by moving a
// pixel one step along its colour's lightness ramp inside the palette, so no new colour ever
// appears. Lifts the flat, evenly lit sprites small models draw.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/pixel/image.h"
#include "compiler/pixel/palette.h"

namespace dgxpx::pixel {

/// Where the light comes from: "top-left", "top", "top-right", "left", "right", "bottom-left",
/// "bottom", "bottom-right".
const std::vector<std::string>& light_direction_names();

struct ShadeOptions {
  std::string light = "top-left";  // one of light_direction_names()
  /// Pixels of this colour (a sprite's outline) are left as they are.
  std::optional<Rgba> keep;
};

/// Each palette colour's next lighter and next darker colour of similar hue and chroma (its
/// ramp), by index; -1 where the ramp ends.
struct PaletteRamps {
  std::vector<int> lighter, darker;
};
PaletteRamps palette_ramps(const Palette& palette);

/// The sprite shaded within `palette`: an opaque pixel (alpha >= 128) whose colour is in the
/// palette moves one step lighter where its edge faces the light, one step darker where its
/// edge faces away or it sits in an inner corner of the shape; everything else is unchanged.
/// Deterministic. Throws util::InputError for an unknown light direction.
Image shade_in_palette(const Image& sprite, const Palette& palette, const ShadeOptions& options);

}  // namespace dgxpx::pixel
