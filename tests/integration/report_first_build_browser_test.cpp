// The report of a project's very first `dgxpx build` (its folder did not exist when the page was
// written), loaded in headless Chromium (Debian `chromium`): every image the page names is there
// and zoomed by a whole number, and the browser draws the first cards' images pixel for pixel at
// that zoom. A missing browser fails the test; it never skips.
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <regex>

#include "compiler/pixel/png_io.h"
#include "tests/integration/example_project.h"

using namespace dgxpx;
using dgxpx::testing::RunResult;
using dgxpx::testing::TempProject;
using pixel::Image;
namespace fs = std::filesystem;

namespace {

fs::path chromium_path() {
  const char* env = std::getenv("DGXPX_CHROMIUM");
  return env && *env ? fs::path(env) : fs::path("/usr/bin/chromium");
}

// Headless Chromium on `url` with `extra` flags; returns stdout (its chatter goes to a log).
std::string chromium(const fs::path& work, const std::string& extra, const std::string& url) {
  const std::string command = "timeout 120 '" + chromium_path().string() +
                              "' --headless --no-sandbox --disable-gpu --no-first-run --disable-extensions"
                              " --disable-background-networking --disable-component-update --disable-sync"
                              " --hide-scrollbars --force-device-scale-factor=1 --force-color-profile=srgb"
                              " --user-data-dir='" + (work / "profile").string() + "' " + extra + " '" + url + "' 2>'" +
                              (work / "chromium.log").string() + "'";
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buffer[4096];
  for (size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) out.append(buffer, n);
  ::pclose(pipe);
  return out;
}

std::string url_decoded(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

struct ShownImage {
  std::string src;
  Image image;
  int zoom = 0;  // 0: the shown size is not a whole multiple of the file's
};

// Whether `image`, each pixel a zoom x zoom block, is drawn at (x0, y0): every opaque pixel's
// block has that colour at its corners (so it was not smoothed into its neighbours).
bool drawn_at(const Image& shot, const Image& image, int zoom, int x0, int y0) {
  if (x0 < 0 || y0 < 0 || x0 + image.width * zoom > shot.width || y0 + image.height * zoom > shot.height) return false;
  for (int y = 0; y < image.height; ++y)
    for (int x = 0; x < image.width; ++x) {
      const pixel::Rgba want = image.at(x, y);
      if (want.a != 255) continue;
      for (int dy : {0, zoom - 1})
        for (int dx : {0, zoom - 1}) {
          const pixel::Rgba got = shot.at(x0 + x * zoom + dx, y0 + y * zoom + dy);
          if (got.r != want.r || got.g != want.g || got.b != want.b) return false;
        }
    }
  return true;
}

// Whether the screenshot holds the image at its zoom anywhere: candidates are the places where
// its first opaque pixel's colour shows.
bool drawn_anywhere(const Image& shot, const Image& image, int zoom) {
  int ax = -1, ay = -1;
  for (int y = 0; y < image.height && ax < 0; ++y)
    for (int x = 0; x < image.width; ++x)
      if (image.at(x, y).a == 255) {
        ax = x;
        ay = y;
        break;
      }
  if (ax < 0) return true;  // nothing opaque to see
  const pixel::Rgba anchor = image.at(ax, ay);
  for (int y = 0; y < shot.height; ++y)
    for (int x = 0; x < shot.width; ++x) {
      const pixel::Rgba p = shot.at(x, y);
      if (p.r == anchor.r && p.g == anchor.g && p.b == anchor.b && drawn_at(shot, image, zoom, x - ax * zoom, y - ay * zoom))
        return true;
    }
  return false;
}

}  // namespace

TEST_CASE("the report of a first build names every image, zoomed, and Chromium draws them", "[report][browser]") {
  if (!fs::exists(chromium_path()))
    FAIL("headless Chromium not found at " << chromium_path() << ": install Debian's `chromium` or set DGXPX_CHROMIUM");
  TempProject p;
  testing::write_example_project(p);
  REQUIRE_FALSE(p.exists(".dgxpx"));
  const RunResult build = p.dgxpx("build --json");
  INFO(build.out << build.err);
  REQUIRE(build.exit_code == 0);
  const fs::path report_dir = p.root() / ".dgxpx" / "report";
  const std::string url = "file://" + (report_dir / "index.html").string();

  const std::string dom = chromium(p.root(), "--dump-dom", url);
  REQUIRE_THAT(dom, Catch::Contains("</html>"));
  CHECK_THAT(dom, !Catch::Contains("image missing"));
  std::vector<ShownImage> shown;
  const std::regex img("<img src=\"([^\"]+)\" alt=\"[^\"]*\" width=\"([0-9]+)\" height=\"([0-9]+)\"");
  for (std::sregex_iterator it(dom.begin(), dom.end(), img), end; it != end; ++it) {
    const std::string src = (*it)[1];
    INFO("image " << src);
    const fs::path file = report_dir / url_decoded(src);
    REQUIRE(fs::exists(file));
    ShownImage s{src, pixel::read_png(file), 0};
    const int width = std::stoi((*it)[2]), height = std::stoi((*it)[3]);
    CHECK(width % s.image.width == 0);
    CHECK(height * s.image.width == width * s.image.height);
    s.zoom = width / s.image.width;
    CHECK(s.zoom >= 1);
    // Sprites (the longer side up to 128 px) are always shown larger than they are.
    if (std::max(s.image.width, s.image.height) <= 128) CHECK(s.zoom >= 2);
    shown.push_back(std::move(s));
  }
  // Each card (its <article>) shows at least its own image.
  size_t cards = 0;
  for (size_t at = dom.find("<article class=\"asset"); at != std::string::npos; at = dom.find("<article class=\"asset", at + 1)) ++cards;
  REQUIRE(cards > 0);
  CHECK(shown.size() >= cards);

  const std::string shot_file = (p.root() / "shot.png").string();
  chromium(p.root(), "--screenshot='" + shot_file + "' --window-size=1400,1400", url);
  const Image shot = pixel::read_png(shot_file);
  // The first cards, at the top of the page: their images, pixel for pixel at their zoom.
  for (size_t i = 0; i < shown.size() && i < 3; ++i) {
    INFO("image " << shown[i].src << " at x" << shown[i].zoom);
    CHECK(drawn_anywhere(shot, shown[i].image, shown[i].zoom));
  }
}
