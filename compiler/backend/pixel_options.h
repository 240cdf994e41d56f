#pragma once
// The pixel step's spec (what the planner wrote) as the pixel library's options.
#include "compiler/backend/step_spec.h"
#include "compiler/pixel/pixelize.h"

namespace dgxpx::backend {

/// Converts; throws util::InputError for values the pixel library does not know.
pixel::PixelizeOptions pixelize_options_from(const PixelSpec& spec);

}  // namespace dgxpx::backend
