// The page `dgxpx compare` writes, loaded in headless Chromium (Debian `chromium`): its rows
// come in the order of the JSON (most changed first), and every sheet is drawn with
// nearest-neighbour zoom: each colour of a sheet covers exactly its pixel count times the zoom
// squared on screen. A missing browser fails the test; it never skips.
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <regex>

#include "compiler/pixel/png_io.h"
#include "tests/support/project.h"
#include "tests/support/safetensors_bytes.h"

using namespace dgxpx;
using dgxpx::testing::RunResult;
using dgxpx::testing::TempProject;
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

uint32_t rgb(const pixel::Rgba& p) { return uint32_t(p.r) << 16 | uint32_t(p.g) << 8 | p.b; }

std::map<uint32_t, long> opaque_colours(const pixel::Image& image) {
  std::map<uint32_t, long> counts;
  for (const auto& p : image.pixels)
    if (p.a == 255) ++counts[rgb(p)];
  return counts;
}

}  // namespace

TEST_CASE("the compare page lists assets most changed first and zooms sheets with nearest neighbour",
          "[compare][browser]") {
  if (!fs::exists(chromium_path()))
    FAIL("headless Chromium not found at " << chromium_path() << ": install Debian's `chromium` or set DGXPX_CHROMIUM");
  TempProject p;
  const std::vector<std::string> tensors = {"lora_unet_down_blocks_1_attentions_0_proj_in.lora_up.weight"};
  p.write("dgxpx.yaml", "manifests: sprites\n");
  p.write("loras/style.safetensors", testing::safetensors_bytes(tensors, {{"ss_output_name", "v1"}}));
  p.write("loras/style_v2.safetensors", testing::safetensors_bytes(tensors, {{"ss_output_name", "v2"}}));
  p.write("loras/style_v2.json", R"({"trigger_words": ["red"]})");
  const std::string pixel = "pixel: {size: [16, 16], palette: db32, background: keep}\n";
  p.write("presets/styled.yaml", "size: [64, 64]\nloras: [{file: loras/style.safetensors}]\n" + pixel);
  p.write("presets/plain.yaml", "size: [64, 64]\n" + pixel);
  p.write("sprites/styled.yaml", "kind: items\nname: styled\npreset: styled\nitems:\n  - {name: cup, prompt: a cup}\n"
                                 "  - {name: key, prompt: a key}\n");
  p.write("sprites/plain.yaml", "kind: items\nname: plain\npreset: plain\nitems:\n  - {name: coin, prompt: a coin}\n");
  RunResult r = p.dgxpx("compare --lora loras/style.safetensors=loras/style_v2.safetensors --json");
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  const fs::path page = p.root() / r.summary["page"].get<std::string>();
  REQUIRE(fs::exists(page));
  const std::string url = "file://" + page.string();

  const std::string dom = chromium(p.root(), "--dump-dom", url);
  INFO(dom.substr(0, 2000));
  // Rows as rendered: (asset, marked changed), against the JSON's order and verdicts.
  std::vector<std::pair<std::string, bool>> rows, expected;
  const std::regex row("<tr class=\"asset( changed)?\" data-asset=\"([^\"]+)\"");
  for (std::sregex_iterator it(dom.begin(), dom.end(), row), end; it != end; ++it)
    rows.emplace_back((*it)[2], (*it)[1].matched);
  for (const auto& a : r.summary["assets"]) expected.emplace_back(a["asset"], a["changed"]);
  CHECK(rows == expected);
  CHECK(r.summary["assets"][0]["asset"] == "styled");  // the one asset whose preset uses the LoRA

  // Every sheet on the page, with its zoom.
  std::vector<std::pair<pixel::Image, int>> sheets;
  const std::regex img("<img class=\"sheet-[ab]\" src=\"([^\"]+)\"[^>]*data-scale=\"([0-9]+)\"");
  for (std::sregex_iterator it(dom.begin(), dom.end(), img), end; it != end; ++it)
    sheets.emplace_back(pixel::read_png(page.parent_path() / (*it)[1].str()), std::stoi((*it)[2]));
  REQUIRE(sheets.size() == 2 * expected.size());

  const std::string shot_file = (p.root() / "shot.png").string();
  chromium(p.root(), "--screenshot='" + shot_file + "' --window-size=1400,1200", url);
  const pixel::Image shot = pixel::read_png(shot_file);
  const auto on_screen = opaque_colours(shot);
  // The most used colour of the first (most changed) B sheet covers exactly its count x zoom^2
  // summed over every sheet on the page: no smoothing blended it, no sheet was cut off.
  const auto first_b = opaque_colours(sheets[1].first);
  REQUIRE_FALSE(first_b.empty());
  const uint32_t colour =
      std::max_element(first_b.begin(), first_b.end(), [](const auto& x, const auto& y) { return x.second < y.second; })->first;
  long expected_pixels = 0;
  for (const auto& [sheet, scale] : sheets) {
    const auto counts = opaque_colours(sheet);
    if (auto it = counts.find(colour); it != counts.end()) expected_pixels += it->second * scale * scale;
  }
  INFO("colour " << std::hex << colour);
  CHECK(on_screen.count(colour));
  CHECK(on_screen.at(colour) == expected_pixels);
}
