// Loads a generated report in headless Chromium (Debian `chromium`) and checks what renders:
// the DOM Chromium builds from it, and the pixels of a screenshot. A missing browser fails the
// test with a message; it never skips.
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

#include "compiler/pixel/png_io.h"
#include "compiler/report/report.h"
#include "compiler/util/atomic_file.h"

using namespace dgxpx;
using pixel::Image;
using pixel::Rgba;
namespace fs = std::filesystem;

namespace {

constexpr Rgba kRed{255, 0, 0, 255}, kGreen{0, 255, 0, 255}, kBlue{0, 0, 255, 255},
    kYellow{255, 255, 0, 255}, kMagenta{255, 0, 255, 255}, kCyan{0, 255, 255, 255};
constexpr Rgba kHighlight{255, 140, 0, 255};  // --hot in the report's style
constexpr Rgba kCardBorder{59, 63, 71, 255};  // --line

fs::path chromium_path() {
  const char* env = std::getenv("DGXPX_CHROMIUM");
  return env && *env ? fs::path(env) : fs::path("/usr/bin/chromium");
}

std::string shell_quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

struct Run {
  int status = -1;
  std::string output;
};

// Runs headless Chromium on `url` with `extra` flags; stdout is captured, stderr (its chatter)
// goes to a log file that is printed when something fails.
Run run_chromium(const fs::path& work, const std::string& extra, const std::string& url) {
  const fs::path profile = work / ("profile-" + std::to_string(std::rand()));
  const std::string command =
      "timeout 120 " + shell_quote(chromium_path().string()) +
      " --headless --no-sandbox --disable-gpu --disable-quic --no-first-run"
      " --disable-background-networking --disable-component-update --disable-sync"
      " --disable-extensions --mute-audio --hide-scrollbars --force-device-scale-factor=1"
      " --force-color-profile=srgb --user-data-dir=" + shell_quote(profile.string()) + " " + extra +
      " " + shell_quote(url) + " 2>" + shell_quote((work / "chromium.log").string());
  Run run;
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) run.output.append(buffer, n);
  const int status = ::pclose(pipe);
  run.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  fs::remove_all(profile);
  return run;
}

// The end of Chromium's stderr (it logs harmless D-Bus noise in containers).
std::string chromium_log(const fs::path& work) {
  const std::string log = util::read_file(work / "chromium.log").value_or("(no log)");
  return log.size() > 1500 ? "..." + log.substr(log.size() - 1500) : log;
}

Image quadrants() {
  // 8x8: red | green over blue | yellow, so nearest-neighbour scaling gives four sharp squares.
  Image image(8, 8);
  for (int y = 0; y < 8; ++y)
    for (int x = 0; x < 8; ++x) image.at(x, y) = y < 4 ? (x < 4 ? kRed : kGreen) : (x < 4 ? kBlue : kYellow);
  return image;
}

struct Box {
  int x0 = 1 << 30, y0 = 1 << 30, x1 = -1, y1 = -1;  // inclusive
  int count = 0;
  int width() const { return x1 - x0 + 1; }
  int height() const { return y1 - y0 + 1; }
};

Box find_colour(const Image& image, Rgba colour) {
  Box box;
  for (int y = 0; y < image.height; ++y)
    for (int x = 0; x < image.width; ++x)
      if (image.at(x, y) == colour) {
        box.x0 = std::min(box.x0, x);
        box.y0 = std::min(box.y0, y);
        box.x1 = std::max(box.x1, x);
        box.y1 = std::max(box.y1, y);
        ++box.count;
      }
  return box;
}

std::string describe(Rgba c) {
  return "rgba(" + std::to_string(c.r) + "," + std::to_string(c.g) + "," + std::to_string(c.b) +
         "," + std::to_string(c.a) + ")";
}

// A solid square exactly `side` px wide, every pixel the colour (so no smoothing blurred it).
void check_solid_square(const Image& shot, Rgba colour, int side, const std::string& what) {
  const Box box = find_colour(shot, colour);
  INFO(what << " " << describe(colour) << ": box (" << box.x0 << "," << box.y0 << ")-(" << box.x1
            << "," << box.y1 << "), " << box.count << " pixels");
  REQUIRE(box.count > 0);
  CHECK(box.width() == side);
  CHECK(box.height() == side);
  CHECK(box.count == side * side);
}

// Looks left of (x, y) for `colour` within `reach` pixels: the card's own border (the card has
// 12 px padding and a 3 px border; the next card is further away than `reach`).
bool colour_left_of(const Image& shot, Rgba colour, int x, int y, int reach) {
  for (int dx = 1; dx <= reach && x - dx >= 0; ++dx)
    if (shot.at(x - dx, y) == colour) return true;
  return false;
}

}  // namespace

TEST_CASE("report renders in headless Chromium: DOM and screenshot", "[report][browser]") {
  if (!fs::exists(chromium_path()))
    FAIL("headless Chromium not found at " << chromium_path()
                                           << ": install Debian's `chromium` package (apt-get install -y "
                                              "chromium) or set DGXPX_CHROMIUM to the browser");

  const fs::path work = fs::temp_directory_path() / ("dgxpx_report_browser_" + std::to_string(::getpid()));
  fs::remove_all(work);
  pixel::write_png(work / "assets" / "quad sprite.png", quadrants());
  pixel::write_png(work / "assets" / "cyan.png", Image(4, 4, kCyan));
  pixel::write_png(work / "report" / "previous" / "quad.png", Image(8, 8, kMagenta));

  report::BuildSummary summary;
  summary.project = "browser <test>";
  summary.ran = 1;
  summary.up_to_date = 1;
  report::ReportEntry quad;
  quad.asset = "hero/quad";
  quad.kind = "character";
  quad.image_path = "../assets/quad sprite.png";
  quad.previous_image_path = "previous/quad.png";
  quad.regenerated = true;
  quad.prompt = "four <colours> & \"friends\"";
  quad.seed = 42;
  quad.key = "0123abcd";
  report::ReportEntry cyan;
  cyan.asset = "items/cyan";
  cyan.kind = "character";
  cyan.image_path = "../assets/cyan.png";
  cyan.prompt = "a cyan gem";
  cyan.seed = 7;
  cyan.key = "feed";
  const fs::path index = report::write_report(work / "report", summary, {quad, cyan});
  const std::string url = "file://" + index.string();

  SECTION("the DOM holds every image, highlighted where regenerated") {
    const Run run = run_chromium(work, "--dump-dom", url);
    INFO("chromium log:\n" << chromium_log(work));
    REQUIRE(run.status == 0);
    const std::string& dom = run.output;
    CHECK_THAT(dom, Catch::Contains("<title>dgxpx build report — browser &lt;test&gt;</title>"));
    CHECK_THAT(dom, Catch::Contains("<article class=\"asset regenerated\" id=\"asset-0\" data-asset=\"hero/quad\">"));
    CHECK_THAT(dom, Catch::Contains("<article class=\"asset\" id=\"asset-1\" data-asset=\"items/cyan\">"));
    CHECK_THAT(dom, Catch::Contains("<img src=\"../assets/quad%20sprite.png\" alt=\"new hero/quad\" width=\"128\" height=\"128\""));
    CHECK_THAT(dom, Catch::Contains("<img src=\"previous/quad.png\" alt=\"previous hero/quad\" width=\"128\" height=\"128\""));
    CHECK_THAT(dom, Catch::Contains("<img src=\"../assets/cyan.png\" alt=\"current items/cyan\" width=\"64\" height=\"64\""));
    CHECK_THAT(dom, Catch::Contains("four &lt;colours&gt; &amp; \"friends\""));
    CHECK_THAT(dom, Catch::Contains("<span class=\"badge\">regenerated</span>"));
    CHECK(dom.find("<colours>") == std::string::npos);
  }

  SECTION("the screenshot shows the sprites scaled with nearest-neighbour") {
    const fs::path shot_path = work / "shot.png";
    const Run run = run_chromium(work, "--window-size=1000,800 --screenshot=" + shell_quote(shot_path.string()), url);
    INFO("chromium log:\n" << chromium_log(work));
    REQUIRE(run.status == 0);
    REQUIRE(fs::exists(shot_path));
    const Image shot = pixel::read_png(shot_path);
    CHECK(shot.width == 1000);
    CHECK(shot.height == 800);
    // Keep a copy for people to look at (DGXPX_KEEP_SCREENSHOT=path).
    if (const char* keep = std::getenv("DGXPX_KEEP_SCREENSHOT"); keep && *keep)
      fs::copy_file(shot_path, keep, fs::copy_options::overwrite_existing);

    // 8x8 at x16: four 64-px squares, sharp edges, in the right arrangement.
    check_solid_square(shot, kRed, 64, "new sprite, top-left quadrant");
    check_solid_square(shot, kGreen, 64, "new sprite, top-right quadrant");
    check_solid_square(shot, kBlue, 64, "new sprite, bottom-left quadrant");
    check_solid_square(shot, kYellow, 64, "new sprite, bottom-right quadrant");
    const Box red = find_colour(shot, kRed), green = find_colour(shot, kGreen),
              blue = find_colour(shot, kBlue), yellow = find_colour(shot, kYellow);
    CHECK(green.x0 == red.x1 + 1);
    CHECK(green.y0 == red.y0);
    CHECK(blue.x0 == red.x0);
    CHECK(blue.y0 == red.y1 + 1);
    CHECK(yellow.x0 == green.x0);
    CHECK(yellow.y0 == blue.y0);

    // The previous image, same scale, to the left on the same row.
    check_solid_square(shot, kMagenta, 128, "previous image");
    const Box previous = find_colour(shot, kMagenta);
    CHECK(previous.x1 < red.x0);
    CHECK(previous.y0 == red.y0);

    // The unchanged asset: 4x4 at x16.
    check_solid_square(shot, kCyan, 64, "unchanged sprite");
    const Box cyan_box = find_colour(shot, kCyan);

    // The regenerated card has the highlight border just left of its images; the other has not.
    const int reach = 20;
    CHECK(colour_left_of(shot, kHighlight, previous.x0, previous.y0 + 64, reach));
    CHECK_FALSE(colour_left_of(shot, kHighlight, cyan_box.x0, cyan_box.y0 + 32, reach));
    CHECK(colour_left_of(shot, kCardBorder, cyan_box.x0, cyan_box.y0 + 32, reach));
  }

  fs::remove_all(work);
}
