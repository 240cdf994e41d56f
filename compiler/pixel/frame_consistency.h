#pragma once
// How alike the frames of one animation look: the mean pixel difference between consecutive
// frames. A measure for tests and benches comparing generation modes (lower = more consistent),
// not a judgement of the art.
#include <string>
#include <vector>

#include "compiler/pixel/image.h"

namespace dgxpx::pixel {

/// The mean absolute difference (0..255) over every pixel and the R, G and B channels of two
/// images of the same size, each pixel first composited over black by its alpha (transparent
/// counts as black, opaque as its colour). 0 for two empty images. Throws util::InputError
/// naming both sizes when they differ.
double mean_frame_difference(const Image& a, const Image& b);

struct AnimationConsistency {
  std::string tag;  // the atlas's frameTag, e.g. "walk/down"
  int frames = 0;
  double mean_consecutive_difference = 0;  // 0 when the tag has one frame
};

/// Reads a json-array atlas (atlas_json.h: "frames" [{frame: {x, y, w, h}}...], meta.frameTags
/// [{name, from, to}...]) describing `sheet`, and for each tag in atlas order returns the mean
/// of mean_frame_difference over its consecutive frame pairs (from, from+1) .. (to-1, to).
/// `what` names the atlas file in errors. Throws util::InputError for malformed JSON, missing
/// or mistyped keys, frame rectangles outside the sheet, tags whose from/to are outside the
/// frames or reversed, and tags whose frames differ in size.
std::vector<AnimationConsistency> sheet_consistency(const Image& sheet, const std::string& atlas_json_text,
                                                    const std::string& what);

}  // namespace dgxpx::pixel
