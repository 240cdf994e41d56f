#include "compiler/cli/compare_page.h"

#include <algorithm>
#include <cstdio>

#include "compiler/report/html.h"
#include "compiler/report/png_header.h"
#include "compiler/report/report.h"

namespace dgxpx::cli {
namespace fs = std::filesystem;
using report::html_escape;

namespace {

constexpr const char* kStyle = R"(
:root { color-scheme: dark; --bg: #1d1f23; --card: #2a2d33; --line: #3b3f47; --text: #e6e6e6;
  --dim: #9aa0aa; --hot: #ff8c00; }
body { margin: 0; background: var(--bg); color: var(--text); font: 14px/1.4 system-ui, sans-serif; }
header { padding: 20px 28px 16px; border-bottom: 1px solid var(--line); }
header h1 { margin: 0 0 6px; font-size: 20px; }
header p { margin: 2px 0; color: var(--dim); }
th { text-align: left; color: var(--dim); font-weight: 600; padding: 0 12px; }
table { border-collapse: separate; border-spacing: 0 12px; margin: 0 28px; }
tr.asset td { background: var(--card); padding: 12px; vertical-align: top; }
tr.asset.changed td:first-child { box-shadow: inset 4px 0 0 var(--hot); }
td.score b { font-size: 18px; }
td.why { color: var(--dim); max-width: 420px; }
td.why code { font-size: 11px; }
.stage { display: inline-block; padding: 8px;
  background: repeating-conic-gradient(#55585f 0 25%, #44474d 0 50%) 0 0 / 16px 16px; }
.stage img { display: block; max-width: none; image-rendering: crisp-edges; image-rendering: pixelated; }
.missing { color: var(--hot); }
)";

std::string fixed(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.2f", v);
  return buffer;
}

// One side's sheet at `scale`, or a note that it is missing.
std::string sheet_cell(const std::string& side, const std::string& src, const std::optional<report::ImageSize>& size,
                       int scale) {
  if (!size) return "<td class=\"" + side + "\"><span class=\"missing\">no sheet</span></td>";
  return "<td class=\"" + side + "\"><div class=\"stage\"><img class=\"sheet-" + side + "\" src=\"" +
         html_escape(report::url_path(src)) + "\" width=\"" + std::to_string(size->width * scale) + "\" height=\"" +
         std::to_string(size->height * scale) + "\" data-scale=\"" + std::to_string(scale) + "\" alt=\"\"></div></td>";
}

}  // namespace

std::string render_compare_page(const std::vector<AssetComparison>& assets, const ComparePageSides& sides,
                                const fs::path& page_dir) {
  const int changed = static_cast<int>(std::count_if(assets.begin(), assets.end(), [](const auto& c) { return c.changed; }));
  std::string html = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>dgxpx compare</title><style>";
  html += kStyle;
  html += "</style></head><body><header><h1>dgxpx compare</h1><p>A: " + html_escape(sides.label_a) + "</p><p>B: " +
          html_escape(sides.label_b) + "</p><p class=\"count\">" + std::to_string(changed) + " of " +
          std::to_string(assets.size()) + " assets changed</p></header>\n<table>\n"
          "<thead><tr><th>asset</th><th>difference</th><th>A</th><th>B</th><th>why</th></tr></thead>\n";
  for (const auto& c : assets) {
    const std::string a_src = sides.folder_a + "/" + c.asset + ".png", b_src = sides.folder_b + "/" + c.asset + ".png";
    const auto a_size = report::png_file_size(page_dir / a_src), b_size = report::png_file_size(page_dir / b_src);
    // One zoom for both sides, from the larger sheet, so their pixels line up.
    report::ImageSize largest;
    for (const auto& s : {a_size, b_size})
      if (s) largest = {std::max(largest.width, s->width), std::max(largest.height, s->height)};
    const int scale = largest.width > 0 ? report::display_scale(largest) : 1;
    html += "<tr class=\"asset" + std::string(c.changed ? " changed" : "") + "\" data-asset=\"" + html_escape(c.asset) +
            "\" data-difference=\"" + fixed(c.pixels.mean) + "\">";
    html += "<td class=\"name\"><b>" + html_escape(c.asset) + "</b></td>";
    html += "<td class=\"score\"><b>" + fixed(c.pixels.mean) + "</b><br>colours " + std::to_string(c.pixels.colors_a) +
            " → " + std::to_string(c.pixels.colors_b) + "</td>";
    html += sheet_cell("a", a_src, a_size, scale) + sheet_cell("b", b_src, b_size, scale);
    html += "<td class=\"why\">" + html_escape(c.changed ? c.reason : "same key") + "<br><code>A " +
            html_escape(c.key_a.substr(0, 12)) + "</code><br><code>B " + html_escape(c.key_b.substr(0, 12)) + "</code></td>";
    html += "</tr>\n";
  }
  html += "</table></body></html>\n";
  return html;
}

}  // namespace dgxpx::cli
