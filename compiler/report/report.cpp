#include "compiler/report/report.h"

#include <algorithm>
#include <cstdio>
#include <locale>
#include <sstream>

#include "compiler/report/html.h"
#include "compiler/util/atomic_file.h"

namespace dgxpx::report {

namespace {

// Everything inline: the page must render from a copied folder with no network.
constexpr const char* kStyle = R"CSS(
:root { color-scheme: dark; --bg: #1d1f23; --card: #2a2d33; --line: #3b3f47; --text: #e6e6e6;
  --dim: #9aa0aa; --hot: #ff8c00; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--text);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; }
header { padding: 20px 28px 16px; border-bottom: 1px solid var(--line); }
h1 { margin: 0 0 10px; font-size: 20px; font-weight: 600; }
h1 .project { color: var(--dim); font-weight: 400; }
.summary { display: flex; flex-wrap: wrap; gap: 10px; margin: 0; padding: 0; list-style: none; }
.summary li { background: var(--card); border: 1px solid var(--line); border-radius: 6px;
  padding: 6px 12px; }
.summary b { font-size: 18px; margin-right: 4px; }
.summary .ran b { color: var(--hot); }
.summary .failed b { color: #ff5c5c; }
.when { color: var(--dim); margin: 10px 0 0; }
nav.changed { padding: 12px 28px; border-bottom: 1px solid var(--line); display: flex; flex-wrap: wrap; gap: 4px 12px; }
nav.changed a { color: var(--hot); overflow-wrap: anywhere; }
label.changed-only { display: block; padding: 8px 28px; }
#changed-only:checked ~ main article.asset:not(.regenerated) { display: none; }
main { padding: 8px 28px 40px; }
h2 { font-size: 16px; font-weight: 600; margin: 22px 0 10px; color: var(--dim);
  text-transform: uppercase; letter-spacing: 0.06em; }
.grid { display: flex; flex-wrap: wrap; gap: 14px; align-items: flex-start; }
.asset { background: var(--card); border: 3px solid var(--line); border-radius: 8px;
  padding: 12px; max-width: 100%; overflow: auto; }
.asset.regenerated { border-color: var(--hot); }
.asset h3 { margin: 0 0 10px; font-size: 14px; font-weight: 600; word-break: break-all; }
.badge { display: inline-block; margin-left: 8px; padding: 1px 7px; border-radius: 4px;
  background: var(--hot); color: #1d1f23; font-size: 11px; font-weight: 700;
  text-transform: uppercase; vertical-align: 1px; }
.pair { display: flex; gap: 12px; align-items: flex-start; }
.previews { display: flex; flex-wrap: wrap; gap: 8px; margin-top: 8px; }
.previews .play { background-repeat: no-repeat; image-rendering: pixelated; }
.previews figcaption { font-size: 11px; }
figure { margin: 0; }
figcaption { color: var(--dim); font-size: 12px; margin-top: 4px; }
.stage { display: inline-block; line-height: 0;
  background: repeating-conic-gradient(#55585f 0 25%, #44474d 0 50%) 0 0 / 16px 16px; }
.stage img { display: block; max-width: none; image-rendering: crisp-edges;
  image-rendering: pixelated; }
.missing { color: #ff5c5c; font-size: 12px; }
dl { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: 2px 10px;
  margin: 10px 0 0; max-width: 560px; font-size: 12px; }
dt { color: var(--dim); }
dd { margin: 0; white-space: pre-wrap; word-break: break-word; }
code { font: 12px ui-monospace, "DejaVu Sans Mono", monospace; word-break: break-all; }
)CSS";

std::string number_text(double seconds) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f", seconds);
  return buffer;
}

struct Figure {
  std::string css_class, caption, path;
  std::optional<ImageSize> size;
};

void write_figure(std::ostringstream& out, const Figure& fig, int scale, const std::string& asset) {
  out << "<figure class=\"" << fig.css_class << "\"><div class=\"stage\"><img src=\""
      << html_escape(url_path(fig.path)) << "\" alt=\"" << html_escape(fig.caption + " " + asset)
      << "\"";
  if (fig.size)
    out << " width=\"" << fig.size->width * scale << "\" height=\"" << fig.size->height * scale
        << "\" data-scale=\"" << scale << "\"";
  out << "></div><figcaption>" << html_escape(fig.caption);
  if (fig.size) out << " · " << fig.size->width << "×" << fig.size->height << " ×" << scale;
  out << "</figcaption>";
  if (!fig.size) out << "<div class=\"missing\">image missing or not a PNG</div>";
  out << "</figure>";
}

// Each animation as a box showing one cell of the sheet, stepped through its frames by a CSS
// animation (the page has no scripts): keyframes at each frame's start, held until the next.
void write_previews(std::ostringstream& out, const ReportEntry& e, ImageSize sheet, int scale, size_t index) {
  if (e.animations.empty()) return;
  out << "<div class=\"previews\">";
  std::ostringstream keyframes;
  for (size_t a = 0; a < e.animations.size(); ++a) {
    const AnimationPreview& animation = e.animations[a];
    if (animation.frames.empty()) continue;
    int64_t total = 0;
    for (const PreviewFrame& f : animation.frames) total += f.duration_ms;
    const std::string name = "play-" + std::to_string(index) + "-" + std::to_string(a);
    keyframes << "@keyframes " << name << " {";
    int64_t at = 0;
    for (const PreviewFrame& f : animation.frames) {
      keyframes << " " << (100.0 * static_cast<double>(at) / static_cast<double>(total)) << "% { background-position: "
                << -f.x * scale << "px " << -f.y * scale << "px; }";
      at += f.duration_ms;
    }
    const PreviewFrame& last = animation.frames.back();
    keyframes << " 100% { background-position: " << -last.x * scale << "px " << -last.y * scale << "px; } }\n";
    const PreviewFrame& first = animation.frames.front();
    out << "<figure class=\"anim\" data-animation=\"" << html_escape(animation.name) << "\"><div class=\"play\" style=\""
        << "width: " << first.width * scale << "px; height: " << first.height * scale << "px; background-image: url('"
        << html_escape(url_path(e.image_path)) << "'); background-size: " << sheet.width * scale << "px "
        << sheet.height * scale << "px; animation: " << name << " " << total << "ms step-end infinite;\"></div>"
        << "<figcaption>" << html_escape(animation.name) << " · " << animation.frames.size() << " frames, " << total
        << " ms</figcaption></figure>";
  }
  out << "</div>\n<style>" << keyframes.str() << "</style>\n";
}

void write_entry(std::ostringstream& out, const ReportEntry& e, size_t index, const ImageSizer& sizer) {
  Figure current{"current", e.regenerated ? "new" : "current", e.image_path,
                 sizer ? sizer(e.image_path) : std::nullopt};
  std::optional<Figure> previous;
  if (e.previous_image_path)
    previous = Figure{"previous", "previous", *e.previous_image_path,
                      sizer ? sizer(*e.previous_image_path) : std::nullopt};
  // One scale for both so previous and new compare pixel for pixel.
  ImageSize largest{0, 0};
  for (const Figure* f : {&current, previous ? &*previous : nullptr}) {
    if (!f || !f->size) continue;
    largest.width = std::max(largest.width, f->size->width);
    largest.height = std::max(largest.height, f->size->height);
  }
  const int scale = display_scale(largest);

  out << "<article class=\"asset" << (e.regenerated ? " regenerated" : "") << "\" id=\"asset-"
      << index << "\" data-asset=\"" << html_escape(e.asset) << "\">\n<h3>" << html_escape(e.asset);
  if (e.regenerated)
    out << "<span class=\"badge\">" << (e.from_cache ? "from cache" : "regenerated") << "</span>";
  out << "</h3>\n<div class=\"pair\">";
  if (previous) write_figure(out, *previous, scale, e.asset);
  write_figure(out, current, scale, e.asset);
  out << "</div>\n";
  if (current.size) write_previews(out, e, *current.size, scale, index);
  out << "<dl>";
  if (!e.prompt.empty()) out << "<dt>prompt</dt><dd class=\"prompt\">" << html_escape(e.prompt) << "</dd>";
  if (!e.negative_prompt.empty())
    out << "<dt>negative</dt><dd class=\"negative\">" << html_escape(e.negative_prompt) << "</dd>";
  if (!e.asset_seed.empty()) {
    out << "<dt>seed</dt><dd class=\"seed\">" << html_escape(e.asset_seed);
    if (e.seed) out << " <span class=\"frame-seed\">(frame seed " << *e.seed << ")</span>";
    out << "</dd>";
  } else if (e.seed) {
    out << "<dt>seed</dt><dd class=\"seed\">" << *e.seed << "</dd>";
  }
  if (!e.key.empty()) out << "<dt>key</dt><dd class=\"key\"><code>" << html_escape(e.key) << "</code></dd>";
  for (const std::string& note : e.notes) out << "<dt>note</dt><dd class=\"note\">" << html_escape(note) << "</dd>";
  out << "</dl>\n</article>\n";
}

}  // namespace

int display_scale(ImageSize size) {
  const int longer = std::max(size.width, size.height);
  if (longer <= 0) return 1;
  // Sprites get about 256 px; sheets grow with their size up to 640 px, then stay at x1.
  const int target = std::clamp(longer * 4, 256, 640);
  return std::clamp(target / longer, 1, 16);
}

std::string render_report_html(const BuildSummary& summary, const std::vector<ReportEntry>& entries,
                               const ImageSizer& sizer) {
  std::ostringstream out;
  out.imbue(std::locale::classic());
  const std::string title =
      "dgxpx build report" + (summary.project.empty() ? std::string() : " — " + summary.project);
  out << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      // No scripts and no network: only local images and the inline style may load.
      << "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
         "img-src 'self' file: data:; style-src 'unsafe-inline'\">\n"
      << "<title>" << html_escape(title) << "</title>\n<style>" << kStyle << "</style>\n</head>\n<body>\n";

  out << "<header>\n<h1>dgxpx build report";
  if (!summary.project.empty()) out << " <span class=\"project\">" << html_escape(summary.project) << "</span>";
  out << "</h1>\n<ul class=\"summary\">"
      << "<li class=\"ran\"><b>" << summary.ran << "</b>ran</li>"
      << "<li class=\"from-cache\"><b>" << summary.from_cache << "</b>from cache</li>"
      << "<li class=\"up-to-date\"><b>" << summary.up_to_date << "</b>up to date</li>";
  if (summary.failed > 0) out << "<li class=\"failed\"><b>" << summary.failed << "</b>failed</li>";
  out << "<li class=\"assets\"><b>" << entries.size() << "</b>assets shown</li></ul>\n";
  if (summary.seconds || !summary.finished_at.empty()) {
    out << "<p class=\"when\">";
    if (!summary.finished_at.empty()) out << "finished " << html_escape(summary.finished_at);
    if (summary.seconds)
      out << (summary.finished_at.empty() ? "" : " · ") << "took " << number_text(*summary.seconds) << " s";
    out << "</p>\n";
  }
  out << "</header>\n";

  std::vector<size_t> changed;
  for (size_t i = 0; i < entries.size(); ++i)
    if (entries[i].regenerated) changed.push_back(i);
  out << "<nav class=\"changed\">";
  if (changed.empty()) out << "Nothing was regenerated in this build.";
  else out << "<span>New in this build (" << changed.size() << "):</span>";
  for (size_t i : changed)
    out << "<a href=\"#asset-" << i << "\">" << html_escape(entries[i].asset) << "</a>";
  out << "</nav>\n";
  // A "changed only" view without scripts: the checkbox hides, by CSS, what did not change.
  out << "<input type=\"checkbox\" id=\"changed-only\" hidden>"
      << "<label class=\"changed-only\" for=\"changed-only\">☐ show only what changed</label>\n<main>\n";

  std::vector<std::string> kinds;
  for (const auto& e : entries)
    if (std::find(kinds.begin(), kinds.end(), e.kind) == kinds.end()) kinds.push_back(e.kind);
  for (const std::string& kind : kinds) {
    out << "<section class=\"kind\" data-kind=\"" << html_escape(kind) << "\">\n<h2>"
        << html_escape(kind.empty() ? "assets" : kind) << "</h2>\n<div class=\"grid\">\n";
    // What changed first, each with its reason; then the rest, in manifest order.
    for (bool regenerated : {true, false})
      for (size_t i = 0; i < entries.size(); ++i)
        if (entries[i].kind == kind && entries[i].regenerated == regenerated) write_entry(out, entries[i], i, sizer);
    out << "</div>\n</section>\n";
  }
  out << "</main>\n</body>\n</html>\n";
  return out.str();
}

std::filesystem::path write_report(const std::filesystem::path& report_dir, const BuildSummary& summary,
                                   const std::vector<ReportEntry>& entries) {
  const ImageSizer sizer = [&](const std::string& image_path) {
    // Lexically: on a first build the report folder does not exist yet, and the kernel cannot
    // walk "report/../.." through a folder that is not there.
    return png_file_size((report_dir / image_path).lexically_normal());
  };
  const std::filesystem::path index = report_dir / "index.html";
  util::write_file_atomic(index, render_report_html(summary, entries, sizer));
  return index;
}

}  // namespace dgxpx::report
