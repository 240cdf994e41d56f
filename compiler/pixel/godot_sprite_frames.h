#pragma once
// Godot 4 SpriteFrames resources (.tres, text format 3) for AnimatedSprite2D/3D: one animation
// per FrameTag, one AtlasTexture sub-resource per frame, all pointing into the packed sheet.
#include <string>

#include "compiler/pixel/sheet.h"

namespace dgxpx::pixel {

struct GodotSpriteFramesOptions {
  /// The sheet as the .tres refers to it. Godot resolves a relative path against the .tres's
  /// folder; empty means the sheet's image_file_name (the .tres sits next to the atlas JSON).
  std::string texture_path;
};

/// The .tres text: one animation per tag, named exactly as the tag (and so as in the atlas JSON:
/// "hero/walk/down"). Each animation's speed is 1000 / gcd(frame durations in ms) FPS and each
/// frame's relative duration is its duration / that gcd, so uneven timings survive exactly.
/// Frames outside every tag are not referenced. Deterministic: fixed ids and number format.
std::string godot_sprite_frames(const PackedSheet& sheet, const GodotSpriteFramesOptions& options = {});

/// A Godot text-resource string literal: quoted, with '"' and '\\' escaped.
std::string godot_string(const std::string& text);

/// Formats a number the way Godot's text resources do: shortest round-trip digits, always with
/// a '.' (e.g. "10.0", "0.5", "33.333333333333336").
std::string godot_real(double value);

}  // namespace dgxpx::pixel
