#pragma once
// Bevy outputs (RON): a bevy_asset_loader dynamic-assets file giving the sheet's image and its
// TextureAtlasLayout grid, and for characters an animation table (name -> first and last cell,
// per-frame durations, looping) to drive a TextureAtlas index. Bevy slices a sheet with
// TextureAtlasLayout::from_grid(tile_size, columns, rows, padding, offset); our margin is its
// offset and our spacing its padding.
#include <string>

#include "compiler/pixel/sheet.h"

namespace dgxpx::pixel {

/// The `.assets.ron` text: entries "<asset>.image" (Image, nearest sampler, at `image_path`,
/// relative to Bevy's asset folder) and "<asset>.layout" (TextureAtlasLayout). Throws
/// util::InputError for a sheet without a grid.
std::string bevy_assets_ron(const PackedSheet& sheet, const std::string& image_path);

/// The `.animations.ron` text: a map from each tag's name to (first: cell, last: cell,
/// frame_ms: [...], looping). A tag's frames are consecutive cells of one row, so first..last
/// is the run a TextureAtlas index steps through. Throws util::InputError for a sheet without
/// a grid or a tag whose cells are not consecutive.
std::string bevy_animations_ron(const PackedSheet& sheet);

}  // namespace dgxpx::pixel
