#pragma once
// The visual build report: .dgxpx/report/index.html, written by every `dgxpx build`. One static,
// self-contained page (no scripts, no network; images by relative path) showing every asset
// scaled up with nearest-neighbour, what this build produced highlighted, previous vs new side by
// side, and the prompt, seed and key behind each.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "compiler/report/png_header.h"

namespace dgxpx::report {

/// One frame of an animation: its cell in the sheet, in sheet pixels, and how long it shows.
struct PreviewFrame {
  int x = 0, y = 0, width = 0, height = 0;
  int duration_ms = 100;
};

/// An animation of a sheet ("hero/idle/down"), played on the page by CSS alone.
struct AnimationPreview {
  std::string name;
  std::vector<PreviewFrame> frames;
};

struct ReportEntry {
  std::string asset;       // e.g. "hero/walk/down/0" or "hero" for a sheet
  std::string kind;        // e.g. "character", "tileset", "items", "sheet"; groups the page
  std::string image_path;  // relative to the report folder ('/'-separated)
  /// The image before this build (a copy the build kept), shown beside the new one.
  std::optional<std::string> previous_image_path;
  bool regenerated = false;  // this build produced it (ran, or fetched from the cache)
  bool from_cache = false;   // with regenerated: it came from the cache instead of running
  std::string prompt;           // empty: not shown (e.g. sheets)
  std::string negative_prompt;  // empty: not shown
  std::optional<int64_t> seed;   // the frame's own seed (sprites), derived from the asset's
  std::string asset_seed;        // the seed the manifest gives the asset; empty: none
  std::string key;  // the step key (hex)
  /// Optional free-form lines, e.g. why it rebuilt ("prompt changed").
  std::vector<std::string> notes;
  /// A sheet's animations (from its atlas), each shown playing beside the sheet.
  std::vector<AnimationPreview> animations;
};

struct BuildSummary {
  std::string project;       // shown in the title; may be empty
  int ran = 0;               // steps that ran this build
  int from_cache = 0;        // steps materialized from the cache
  int up_to_date = 0;        // steps ninja did not need to touch
  int failed = 0;
  std::optional<double> seconds;  // wall time of the build
  std::string finished_at;   // free text (e.g. ISO 8601); empty: not shown
};

/// Looks up an image's pixel size by its path relative to the report folder; nullopt when the
/// image is missing or unreadable (the page then marks it missing).
using ImageSizer = std::function<std::optional<ImageSize>(const std::string& image_path)>;

/// The integer nearest-neighbour zoom for an image of this size: the longer side is shown at
/// about max(256, min(4 x its size, 640)) px; at least 1, at most 16.
int display_scale(ImageSize size);

/// The whole page. Deterministic: the same inputs give the same bytes. Entries are grouped by
/// kind (in order of first appearance) and keep their order inside a group.
std::string render_report_html(const BuildSummary& summary, const std::vector<ReportEntry>& entries,
                               const ImageSizer& sizer);

/// Renders with sizes read from the PNG headers under `report_dir` and writes
/// `report_dir/index.html` atomically. Returns its path. Throws util::RuntimeFailure on I/O errors.
std::filesystem::path write_report(const std::filesystem::path& report_dir, const BuildSummary& summary,
                                   const std::vector<ReportEntry>& entries);

}  // namespace dgxpx::report
