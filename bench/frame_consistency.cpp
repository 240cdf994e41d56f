// dgxpx_bench_frame_consistency: how alike consecutive frames of each animation of a character
// sheet look (bench/README.md, "Frame consistency"). One line per animation tag, then the mean
// over the tags with two or more frames; lower = more consistent.
// Usage: dgxpx_bench_frame_consistency SHEET.png ATLAS.json [LABEL]
//   exit 0: printed; 1: unreadable or malformed input; 2: usage error.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>

#include "compiler/pixel/frame_consistency.h"
#include "compiler/pixel/png_io.h"
#include "compiler/util/atomic_file.h"
#include "compiler/util/error.h"

using namespace dgxpx;

namespace {

constexpr const char* kUsage =
    "usage: dgxpx_bench_frame_consistency SHEET.png ATLAS.json [LABEL]\n"
    "  ATLAS.json: the json-array atlas dgxpx writes next to the sheet (NAME.json)\n"
    "  LABEL: printed first on every line (default: the sheet's file name without .png)\n";

int print_consistency(const std::filesystem::path& sheet_path, const std::filesystem::path& atlas_path,
                      const std::string& label) {
  const pixel::Image sheet = pixel::read_png(sheet_path);
  const auto atlas_text = util::read_file(atlas_path);
  if (!atlas_text) throw util::InputError(util::SourceLocation{atlas_path.string()}, "no such file");
  const auto animations = pixel::sheet_consistency(sheet, *atlas_text, atlas_path.string());

  size_t tag_width = 0;
  for (const auto& animation : animations) tag_width = std::max(tag_width, animation.tag.size());
  double sum = 0;
  int compared = 0;
  for (const auto& animation : animations) {
    std::printf("%s  %-*s  %2d %-6s  mean consecutive difference %.2f\n", label.c_str(), int(tag_width),
                animation.tag.c_str(), animation.frames,
                animation.frames == 1 ? "frame" : "frames", animation.mean_consecutive_difference);
    if (animation.frames >= 2) sum += animation.mean_consecutive_difference, ++compared;
  }
  if (compared == 0) {
    std::fprintf(stderr, "error: %s: no animation tag has two or more frames: nothing to compare\n",
                 atlas_path.string().c_str());
    return 1;
  }
  // The last line is what scripts read: its last field is the figure.
  std::printf("%s  mean over %d animations  mean consecutive difference %.2f\n", label.c_str(), compared,
              sum / compared);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && (std::string(argv[1]) == "-h" || std::string(argv[1]) == "--help")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (argc < 3 || argc > 4) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  const std::filesystem::path sheet_path = argv[1], atlas_path = argv[2];
  const std::string label = argc == 4 ? argv[3] : sheet_path.stem().string();
  try {
    return print_consistency(sheet_path, atlas_path, label);
  } catch (const util::InputError& e) {
    std::fprintf(stderr, "%s\n", e.what());
  } catch (const std::exception& e) {  // RuntimeFailure: the files could not be read
    std::fprintf(stderr, "error: %s\n", e.what());
  }
  return 1;
}
