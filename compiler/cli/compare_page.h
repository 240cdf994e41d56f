#pragma once
// The page `dgxpx compare` writes (.dgxpx/compare/index.html): one row per asset, most
// changed first, its sheet from A and from B side by side at the same integer
// nearest-neighbour zoom, the difference score, colour counts, both keys and why B differs.
// Static and self-contained like the build report: no scripts, images by relative path.
#include <filesystem>
#include <string>
#include <vector>

#include "compiler/cli/asset_comparison.h"

namespace dgxpx::cli {

struct ComparePageSides {
  std::string label_a, label_b;  // "as is", "loras/a.safetensors → loras/b.safetensors"
  std::string folder_a, folder_b;  // each side's output folder, relative to the page's folder
};

/// The page for `assets` (in the order given). Sheet sizes are read from
/// <page_dir>/<folder>/<asset>.png; a missing sheet is shown as missing.
std::string render_compare_page(const std::vector<AssetComparison>& assets, const ComparePageSides& sides,
                                const std::filesystem::path& page_dir);

}  // namespace dgxpx::cli
