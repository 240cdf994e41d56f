#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <map>
#include <regex>

#include "compiler/report/report.h"
#include "compiler/util/atomic_file.h"

using namespace dgxpx;
using namespace dgxpx::report;
namespace fs = std::filesystem;

namespace {

ImageSizer fake_sizer(std::map<std::string, ImageSize> sizes) {
  return [sizes](const std::string& path) -> std::optional<ImageSize> {
    auto it = sizes.find(path);
    if (it == sizes.end()) return std::nullopt;
    return it->second;
  };
}

std::vector<ReportEntry> sample_entries() {
  ReportEntry hero;
  hero.asset = "hero/walk/down/0";
  hero.kind = "character";
  hero.image_path = "../../assets/hero/walk_down_0.png";
  hero.previous_image_path = "previous/hero/walk_down_0.png";
  hero.regenerated = true;
  hero.prompt = "knight <b>bold</b> & \"brave\"";
  hero.negative_prompt = "blurry";
  hero.seed = 1234567890123;
  hero.key = "3f1a9c0e";
  hero.notes = {"prompt changed"};

  ReportEntry tile;
  tile.asset = "forest/grass/0";
  tile.kind = "tileset";
  tile.image_path = "../../assets/forest/grass 0.png";
  tile.prompt = "grass";
  tile.seed = 7;
  tile.key = "aa55";

  ReportEntry sheet;
  sheet.asset = "hero";
  sheet.kind = "character";
  sheet.image_path = "../../assets/hero.png";
  sheet.regenerated = true;
  sheet.from_cache = true;
  sheet.key = "beef";
  return {hero, tile, sheet};
}

BuildSummary sample_summary() {
  BuildSummary summary;
  summary.project = "demo <game>";
  summary.ran = 3;
  summary.from_cache = 2;
  summary.up_to_date = 40;
  summary.seconds = 12.345;
  summary.finished_at = "2024-05-01T10:00:00Z";
  return summary;
}

size_t count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("display_scale zooms small sprites by an integer factor", "[report]") {
  CHECK(display_scale({16, 16}) == 16);
  CHECK(display_scale({32, 32}) == 8);
  CHECK(display_scale({32, 64}) == 4);
  CHECK(display_scale({100, 10}) == 4);   // sheets grow: 400 px
  CHECK(display_scale({141, 141}) == 4);  // 564 px
  CHECK(display_scale({256, 256}) == 2);  // 640 px cap
  CHECK(display_scale({512, 256}) == 1);
  CHECK(display_scale({4000, 16}) == 1);
  CHECK(display_scale({0, 0}) == 1);
  CHECK(display_scale({1, 1}) == 16);
}

TEST_CASE("report: summary header, escaping and structure", "[report]") {
  const auto html = render_report_html(
      sample_summary(), sample_entries(),
      fake_sizer({{"../../assets/hero/walk_down_0.png", {32, 32}},
                  {"previous/hero/walk_down_0.png", {32, 32}},
                  {"../../assets/forest/grass 0.png", {16, 16}},
                  {"../../assets/hero.png", {128, 64}}}));

  CHECK(html.rfind("<!DOCTYPE html>\n", 0) == 0);
  CHECK_THAT(html, Catch::EndsWith("</html>\n"));
  CHECK_THAT(html, Catch::Contains("<title>dgxpx build report — demo &lt;game&gt;</title>"));
  CHECK_THAT(html, Catch::Contains("<li class=\"ran\"><b>3</b>ran</li>"));
  CHECK_THAT(html, Catch::Contains("<li class=\"from-cache\"><b>2</b>from cache</li>"));
  CHECK_THAT(html, Catch::Contains("<li class=\"up-to-date\"><b>40</b>up to date</li>"));
  CHECK_THAT(html, Catch::Contains("finished 2024-05-01T10:00:00Z · took 12.3 s"));
  CHECK(count(html, "class=\"failed\"") == 0);

  // Every user string is escaped; no raw markup from a prompt reaches the page.
  CHECK_THAT(html, Catch::Contains("knight &lt;b&gt;bold&lt;/b&gt; &amp; &quot;brave&quot;"));
  CHECK(count(html, "<b>bold</b>") == 0);
  // Self-contained: no scripts, no external URLs.
  CHECK(count(html, "<script") == 0);
  CHECK(count(html, "http://") == 0);
  CHECK(count(html, "https://") == 0);
  CHECK(count(html, "@import") == 0);
  CHECK_THAT(html, Catch::Contains("image-rendering: pixelated"));

  // Images by relative, percent-encoded path, scaled by an integer factor.
  CHECK_THAT(html, Catch::Contains(
      "<img src=\"../../assets/hero/walk_down_0.png\" alt=\"new hero/walk/down/0\" width=\"256\" "
      "height=\"256\" data-scale=\"8\">"));
  CHECK_THAT(html, Catch::Contains("src=\"../../assets/forest/grass%200.png\""));
  CHECK_THAT(html, Catch::Contains("width=\"256\" height=\"256\" data-scale=\"16\""));
  CHECK_THAT(html, Catch::Contains("width=\"512\" height=\"256\" data-scale=\"4\""));

  // Regenerated assets are highlighted, listed in the nav, and show previous beside new.
  CHECK(count(html, "<article class=\"asset regenerated\"") == 2);
  CHECK(count(html, "<article class=\"asset\"") == 1);
  CHECK_THAT(html, Catch::Contains("<span>New in this build (2):</span><a href=\"#asset-0\">hero/walk/down/0</a>"
                                   "<a href=\"#asset-2\">hero</a>"));
  CHECK_THAT(html, Catch::Contains("<span class=\"badge\">regenerated</span>"));
  CHECK_THAT(html, Catch::Contains("<span class=\"badge\">from cache</span>"));
  const auto previous = html.find("src=\"previous/hero/walk_down_0.png\"");
  const auto current = html.find("src=\"../../assets/hero/walk_down_0.png\"");
  REQUIRE(previous != std::string::npos);
  CHECK(previous < current);  // previous on the left
  CHECK(count(html, "<figure class=\"previous\">") == 1);

  // Prompt, negative prompt, seed and key of each.
  CHECK_THAT(html, Catch::Contains("<dt>seed</dt><dd class=\"seed\">1234567890123</dd>"));
  CHECK_THAT(html, Catch::Contains("<dt>key</dt><dd class=\"key\"><code>3f1a9c0e</code></dd>"));
  CHECK_THAT(html, Catch::Contains("<dd class=\"negative\">blurry</dd>"));
  CHECK_THAT(html, Catch::Contains("<dd class=\"note\">prompt changed</dd>"));
  CHECK(count(html, "<dd class=\"prompt\">") == 2);  // the sheet has none

  // Grouped by kind in order of first appearance; group keeps entry order.
  const auto character = html.find("data-kind=\"character\"");
  const auto tileset = html.find("data-kind=\"tileset\"");
  CHECK(character < tileset);
  CHECK(html.find("id=\"asset-2\"") < tileset);
}

TEST_CASE("report: missing images are marked, failures and empty builds shown", "[report]") {
  BuildSummary summary;
  summary.failed = 1;
  auto entries = sample_entries();
  for (auto& e : entries) e.regenerated = false;
  const auto html = render_report_html(summary, entries, fake_sizer({}));
  CHECK(count(html, "image missing or not a PNG") == 4);  // 3 entries + 1 previous
  CHECK(count(html, " width=\"") == 0);
  CHECK_THAT(html, Catch::Contains("<li class=\"failed\"><b>1</b>failed</li>"));
  CHECK_THAT(html, Catch::Contains("Nothing was regenerated in this build."));
  CHECK_THAT(html, Catch::Contains("<title>dgxpx build report</title>"));

  const auto empty = render_report_html(BuildSummary{}, {}, fake_sizer({}));
  CHECK_THAT(empty, Catch::Contains("<b>0</b>assets shown"));
  CHECK(count(empty, "<article") == 0);
}

TEST_CASE("report: rendering is deterministic", "[report]") {
  const auto sizer = fake_sizer({{"../../assets/hero.png", {128, 64}}});
  CHECK(render_report_html(sample_summary(), sample_entries(), sizer) ==
        render_report_html(sample_summary(), sample_entries(), sizer));
}

TEST_CASE("write_report writes index.html with sizes from the PNG headers", "[report]") {
  const fs::path dir = fs::temp_directory_path() / ("dgxpx_report_test_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  // A PNG header is all the report reads.
  std::string png("\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\0\x08\0\0\0\x04", 24);
  util::write_file_atomic(dir / "img" / "a.png", png);
  ReportEntry entry;
  entry.asset = "a";
  entry.kind = "items";
  entry.image_path = "img/a.png";
  const fs::path index = write_report(dir / "report", BuildSummary{}, {entry});
  CHECK(index == dir / "report" / "index.html");
  const auto html = util::read_file(index);
  REQUIRE(html);
  // Relative to the report folder, so this one is missing...
  CHECK_THAT(*html, Catch::Contains("image missing"));
  entry.image_path = "../img/a.png";
  write_report(dir / "report", BuildSummary{}, {entry});
  // ...and this one is found: 8x4 at x16 (longer side 8 -> 256/8 = 32, capped at 16).
  CHECK_THAT(*util::read_file(index), Catch::Contains("width=\"128\" height=\"64\" data-scale=\"16\""));
  fs::remove_all(dir);
}

TEST_CASE("a first build's report, written into a folder not there yet, finds its images", "[report]") {
  const fs::path dir = fs::temp_directory_path() / ("dgxpx_report_first_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  std::string png("\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\0\x08\0\0\0\x04", 24);
  util::write_file_atomic(dir / "assets" / "a.png", png);
  ReportEntry entry;
  entry.asset = "a";
  entry.kind = "items";
  entry.image_path = "../../assets/a.png";  // as from .dgxpx/report/ to the outputs
  REQUIRE_FALSE(fs::exists(dir / ".dgxpx"));
  const fs::path index = write_report(dir / ".dgxpx" / "report", BuildSummary{}, {entry});
  const auto html = util::read_file(index);
  REQUIRE(html);
  CHECK_THAT(*html, !Catch::Contains("image missing"));
  CHECK_THAT(*html, Catch::Contains("width=\"128\" height=\"64\""));
  fs::remove_all(dir);
}

TEST_CASE("report: what changed comes first in its group, and a scriptless changed-only view", "[report]") {
  ReportEntry calm, changed;
  calm.asset = "slime";
  calm.kind = changed.kind = "character sheets";
  changed.asset = "hero";
  changed.regenerated = true;
  changed.notes = {"seed 77 → 78 (all frames)"};
  changed.asset_seed = "78";
  calm.image_path = changed.image_path = "x.png";
  ReportEntry sprite = calm;
  sprite.asset = "slime/bounce/down/0";
  sprite.asset_seed = "77";
  sprite.seed = 1624216862;
  const std::string html = render_report_html(BuildSummary{}, {calm, changed, sprite}, fake_sizer({}));
  // manifest order is slime, hero; hero changed, so it is shown first, with its reason
  CHECK(html.find("data-asset=\"hero\"") < html.find("data-asset=\"slime\""));
  CHECK_THAT(html, Catch::Contains("<dd class=\"note\">seed 77 → 78 (all frames)</dd>"));
  // The manifest's seed, and beside a sprite's the seed its frame derived from it.
  CHECK_THAT(html, Catch::Contains("<dd class=\"seed\">78</dd>"));
  CHECK_THAT(html, Catch::Contains("<dd class=\"seed\">77 <span class=\"frame-seed\">(frame seed 1624216862)</span></dd>"));
  CHECK_THAT(html, Catch::Contains("<input type=\"checkbox\" id=\"changed-only\""));
  CHECK_THAT(html, Catch::Contains("#changed-only:checked ~ main article.asset:not(.regenerated) { display: none; }"));
  CHECK(html.find("id=\"changed-only\"") < html.find("<main>"));
}

TEST_CASE("report: each animation of a sheet plays by CSS keyframes, one per frame start", "[report]") {
  ReportEntry sheet;
  sheet.asset = "hero";
  sheet.kind = "character sheets";
  sheet.image_path = "../../assets/hero.png";
  // Two frames of 32x32 in a 64x32 sheet: 300 ms then 100 ms.
  sheet.animations = {{"hero/idle/down", {{0, 0, 32, 32, 300}, {32, 0, 32, 32, 100}}}};
  const std::string html =
      render_report_html(BuildSummary{}, {sheet}, fake_sizer({{"../../assets/hero.png", {64, 32}}}));
  const int scale = display_scale({64, 32});
  const std::string s = std::to_string(scale);
  CHECK_THAT(html, Catch::Contains("data-animation=\"hero/idle/down\""));
  CHECK_THAT(html, Catch::Contains("width: " + std::to_string(32 * scale) + "px; height: " + std::to_string(32 * scale) + "px"));
  CHECK_THAT(html, Catch::Contains("background-size: " + std::to_string(64 * scale) + "px " + std::to_string(32 * scale) + "px"));
  CHECK_THAT(html, Catch::Contains("animation: play-0-0 400ms step-end infinite"));
  // the second frame starts at 300 of 400 ms
  CHECK_THAT(html, Catch::Contains("@keyframes play-0-0 { 0% { background-position: 0px 0px; } 75% { background-position: -" +
                                   std::to_string(32 * scale) + "px 0px; }"));
  CHECK_THAT(html, Catch::Contains("2 frames, 400 ms"));
  // without a sheet size there is nothing to cut from: no preview
  CHECK_THAT(render_report_html(BuildSummary{}, {sheet}, fake_sizer({})), !Catch::Contains("class=\"anim\""));
}
