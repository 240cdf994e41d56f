#pragma once
// JPEG compression as a degradation for the pixel quality set: diffusion output is often saved
// or shared as JPEG. Test support only (libjpeg); the product never reads or writes JPEG.
#include "compiler/pixel/image.h"

namespace dgxpx::testing {

/// `image` (alpha ignored) compressed with libjpeg at `quality` (1..100; default 4:2:0 chroma
/// subsampling, as most encoders use) and decoded again; alpha 255. Deterministic.
/// Throws std::runtime_error when libjpeg reports an error.
pixel::Image jpeg_roundtrip(const pixel::Image& image, int quality);

}  // namespace dgxpx::testing
