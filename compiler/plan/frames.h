#pragma once
// Expansion of one asset into frames by its rule: the nested loops, then the frame templates.
#include <cstdint>
#include <string>
#include <vector>

#include "compiler/manifest/workspace.h"

namespace dgxpx::plan {

/// independent: generated from its own prompt; keyframe: derived from its group's first frame
/// by img2img (or inpainting); strip: its group is one generation, sliced.
enum class FrameMode { independent, keyframe, strip };
const char* to_string(FrameMode mode);

/// The img2img strength of a keyframe-derived frame when the rule gives none.
inline constexpr double kDefaultKeyframeStrength = 0.6;

struct Frame {
  std::string name;      // inside the asset: "walk/down/3"
  std::string prompt;    // full prompt: preset prefix + rule template + preset suffix
  std::string negative;  // preset negative (+ rule negative)
  int64_t seed = 0;
  std::string tiling = "none";  // none | x | y | xy
  std::string subject;  // rendered frame.subject, "" when the rule has none
  std::string row, tag;
  int duration_ms = 100;
  bool loop = true;  // whether its row's animation loops
  // How it relates to the asset's other frames (the rule's consistency:, else independent).
  FrameMode mode = FrameMode::independent;
  std::string group;         // frames alike here belong together; the first one leads
  bool leads = true;         // first of its group (in loop order), or independent
  double strength = kDefaultKeyframeStrength;  // keyframe: a derived frame's img2img strength
  util::SourceLocation strength_where;         // where the strength was written
  std::string mask;          // keyframe: a mask PNG (light = repaint), relative to the project root; "" none
  util::SourceLocation mask_where;
  std::string strip_prompt;  // strip: the prompt of the group's one generation (preset prefix/suffix added)
};

/// Expands `asset` in loop order, then applies its frame_overrides. Throws util::InputError (at
/// the asset, or the manifest value at fault) when a rendered frame name is unsafe or repeats,
/// a seed/tiling/duration/consistency template renders to something invalid, the frames of one
/// group disagree on their mode, or a frame override names no frame or sets what its frame
/// does not take.
std::vector<Frame> expand_frames(const manifest::Asset& asset);

/// A seed from its rendered template: the number itself when it is one, else 32 bits of the
/// text's XXH3 hash (so "{seed}:{anim.name}" gives every frame its own stable seed).
int64_t seed_from_text(const std::string& text);

}  // namespace dgxpx::plan
