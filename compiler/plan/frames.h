#pragma once
// Expansion of one asset into frames by its rule: the nested loops, then the frame templates.
#include <cstdint>
#include <string>
#include <vector>

#include "compiler/manifest/workspace.h"

namespace dgxpx::plan {

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
};

/// Expands `asset` in loop order. Throws util::InputError (at the asset) when a rendered frame
/// name is unsafe or repeats, or a seed/tiling/duration template renders to something invalid.
std::vector<Frame> expand_frames(const manifest::Asset& asset);

/// A seed from its rendered template: the number itself when it is one, else 32 bits of the
/// text's XXH3 hash (so "{seed}:{anim.name}" gives every frame its own stable seed).
int64_t seed_from_text(const std::string& text);

}  // namespace dgxpx::plan
