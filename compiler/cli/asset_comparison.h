#pragma once
// Two builds of one project side by side (`dgxpx compare`): per asset, whether its keys
// differ and why (from the two records), and how much its sheet's pixels moved.
#include <optional>
#include <string>
#include <vector>

#include "compiler/manifest/project.h"
#include "compiler/pixel/image.h"

namespace dgxpx::cli {

struct SheetDifference {
  double mean = 0;  // mean absolute difference per RGBA channel, 0..255 (sizes differ: 255)
  int colors_a = 0, colors_b = 0;  // distinct opaque colours on each side
};

/// Compares two sheets; a missing side counts as fully different.
SheetDifference sheet_difference(const std::optional<pixel::Image>& a, const std::optional<pixel::Image>& b);

struct AssetComparison {
  std::string asset;
  bool in_a = false, in_b = false;
  bool changed = false;        // the content keys differ (or the asset is on one side only)
  std::string key_a, key_b;    // content keys: the frames' pixel keys hashed ("" when absent)
  std::string reason;          // what differs in B, as `dgxpx status` words it ("" when nothing)
  SheetDifference pixels;      // of <output>/<asset>.png
};

/// Compares every asset of two variants (each a ProjectConfig whose state and output folders
/// hold a finished build), most changed first (mean difference, then changed, then name).
std::vector<AssetComparison> compare_variants(const manifest::ProjectConfig& a, const manifest::ProjectConfig& b);

}  // namespace dgxpx::cli
