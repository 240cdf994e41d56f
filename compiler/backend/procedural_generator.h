#pragma once
// PLACEHOLDER art for machines with no model: deterministic sprites from (prompt, seed, hint).
// Characters get a symmetric silhouette with a few shades and an outline, posed by the
// "facing <dir>" / "frame <n>" / action words of the prompt; tiles get seamless textures; items
// get icons chosen by keywords (sword, potion, shield, key, coin, gem, ...). Colours follow
// colour words in the prompt. Drawn on a 32×32 design grid, scaled up to the requested size
// on a flat background, the way a diffusion model's pixel-art output looks before the pixel stage.
#include "compiler/backend/generator.h"

namespace dgxpx::backend {

class ProceduralGenerator : public Generator {
 public:
  std::string id() const override { return "procedural/1"; }
  pixel::Image generate(const GenSpec& spec) override;
};

/// The 32×32 design before scaling (exposed for tests).
pixel::Image procedural_design(const GenSpec& spec);

}  // namespace dgxpx::backend
