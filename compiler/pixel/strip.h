#pragma once
// Strips: one image holding a row of frames side by side (consistency strip), cut into them.
#include <string>

#include "compiler/pixel/image.h"

namespace dgxpx::pixel {

/// Column `index` of `count` equal columns of `strip`. Throws util::RuntimeFailure, naming
/// `what`, when the strip's width is not a multiple of `count` (its grid does not split into
/// whole frames) or the index is outside 0..count-1.
Image strip_slice(const Image& strip, int index, int count, const std::string& what);

}  // namespace dgxpx::pixel
