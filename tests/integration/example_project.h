#pragma once
// A small game project for integration tests: fast (256×256 generation, 32×32 sprites) yet
// with every asset kind, a project preset with a LoRA and a palette file.
#include "tests/support/project.h"

namespace dgxpx::testing {

inline void write_example_project(const TempProject& p) {
  p.write("dgxpx.yaml", "manifests: sprites\noutput: assets\n");
  p.write("loras/style.safetensors", "not really a LoRA, but its bytes are hashed");
  p.write("palettes/warm.hex", "1a1c2c\n5d275d\nb13e53\nef7d57\nffcd75\na7f070\n38b764\n257179\n");
  p.write("presets/fast.yaml",
          "size: [256, 256]\nprompt_prefix: \"pixel art, \"\nloras:\n  - {file: loras/style.safetensors, weight: 0.8}\n"
          "pixel: {size: [32, 32], palette: pico-8}\n");
  p.write("presets/plain.yaml", "size: [256, 256]\npixel: {size: [32, 32], palette: palettes/warm.hex}\n");
  p.write("presets/tiles.yaml", "size: [256, 256]\npixel: {size: [32, 32], palette: db32, background: keep}\n");
  p.write("sprites/hero.yaml",
          "kind: character\nname: hero\npreset: fast\nprompt: a knight in blue armor\nseed: 3\n"
          "directions: [down, up]\nanimations:\n  idle: {prompt: standing, frames: 2}\n  walk: {prompt: walking, frames: 3}\n");
  p.write("sprites/world.yaml",
          "kind: tileset\nname: world\npreset: tiles\nprompt: overworld\nseamless: true\n"
          "tiles:\n  grass: {prompt: green grass, variations: 2}\n  water: {prompt: blue water}\n");
  p.write("sprites/loot.yaml",
          "kind: items\nname: loot\npreset: plain\nitems:\n  - {name: sword, prompt: iron sword}\n"
          "  - {name: potion, prompt: red potion}\n---\n"
          "kind: items\nname: loot2\npreset: plain\nitems:\n  - {name: sword, prompt: iron sword}\n");
}

// hero: (2 + 3) frames × 2 directions = 10; world: 3; loot: 2; loot2: 1 (same gen spec as loot/sword).
constexpr int kHeroFrames = 10, kWorldFrames = 3, kLootFrames = 3, kAssets = 4;
constexpr int kFrames = kHeroFrames + kWorldFrames + kLootFrames;
constexpr int kUniqueGens = kFrames - 1;

}  // namespace dgxpx::testing
