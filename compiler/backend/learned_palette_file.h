#pragma once
// The palette file a pixel step with a learned palette reads: learned from the game's art the
// first time a step needs it, then kept under its key (.dgxpx/palettes/<key>.hex). Steps that
// run at once wait for the one learning it instead of each learning it again.
#include "compiler/backend/step_spec.h"

namespace dgxpx::backend {

/// Makes sure `spec.palette` exists when the spec learns its palette (`learn_from`); nothing
/// otherwise. Throws util::InputError naming the art file that cannot be read.
void ensure_learned_palette(const PixelSpec& spec);

}  // namespace dgxpx::backend
