#pragma once
// Transparency on an art-resolution image: binarised alpha, the background keyed away by flood
// fill from the border or by a key colour, and a 1-pixel outline around what remains.
#include "compiler/pixel/image.h"

namespace dgxpx::pixel {

/// Alpha below `threshold` becomes fully transparent (0,0,0,0), the rest fully opaque; a
/// threshold <= 0 leaves alpha alone.
void binarize_alpha(Image& image, int threshold);

/// The background colour a flood starts from: the most frequent colour (5 bits a channel,
/// averaged exactly) among the opaque border pixels. Returns false when the border is
/// entirely transparent.
bool border_background(const Image& image, Rgba* background);

/// Clears (to 0,0,0,0) every opaque pixel 4-connected to the border through pixels within
/// `tolerance` (Euclidean RGB distance, 0..442) of the border's background colour.
/// Returns how many pixels it cleared.
int flood_background(Image& image, double tolerance);

/// Clears every opaque pixel within `tolerance` (Euclidean RGB distance) of `key`.
/// Returns how many pixels it cleared.
int key_background(Image& image, Rgba key, double tolerance);

/// Paints `color` (alpha 255) into every transparent pixel that touches an opaque pixel: 4 sides,
/// or all 8 neighbours when `diagonal`. Returns how many pixels it painted.
int add_outline(Image& image, Rgba color, bool diagonal = false);

}  // namespace dgxpx::pixel
