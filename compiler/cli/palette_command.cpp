// `dgxpx palette extract ART.png... -n N [-o OUT.hex|.gpl]`: the N-colour palette of a game's
// own art (pixel/learned_palette.h), for a preset's `pixel: {palette: OUT.hex}`.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "compiler/cli/command.h"
#include "compiler/pixel/learned_palette.h"
#include "compiler/util/atomic_file.h"
#include "compiler/util/error.h"

namespace dgxpx::cli {
namespace {
namespace fs = std::filesystem;

struct PaletteExtractOptions {
  std::vector<std::string> images;
  int colors = 16;
  std::string output;  // "": print the .hex text
};

int run_extract(const PaletteExtractOptions& options) {
  const fs::path output = options.output;
  if (!output.empty() && output.extension() != ".hex" && output.extension() != ".gpl")
    throw util::InputError(util::expected_got("-o: a palette file ending in .hex or .gpl", "'" + options.output + "'"));
  std::vector<fs::path> files(options.images.begin(), options.images.end());
  const pixel::LearnedPalette learned = pixel::learn_palette(files, options.colors);
  // In the format the file name asks for: GIMP .gpl, else .hex (also what is printed).
  const std::string text =
      pixel::format_palette_text(learned.palette, output.extension() == ".gpl" ? "gpl" : "hex", output.stem().string());
  if (output.empty()) {
    std::fputs(text.c_str(), stdout);
  } else {
    util::write_file_atomic(output, text);
    std::printf("%s: %zu colours learned from %zu opaque pixels (%zu distinct colours) in %zu images\n",
                options.output.c_str(), learned.palette.colors.size(), learned.pixels, learned.distinct, files.size());
  }
  return kExitOk;
}

}  // namespace

CommandBody define_palette(CLI::App& app, const GlobalOptions&) {
  auto options = std::make_shared<PaletteExtractOptions>();
  app.require_subcommand(1);
  CLI::App* extract = app.add_subcommand(
      "extract", "learn an N-colour palette from PNG art (k-means in OKLab over all their opaque pixels)");
  extract->add_option("IMAGES", options->images, "PNG images (a game's hand-drawn sprites, tiles...)")->required();
  extract->add_option("-n,--colors", options->colors, "colours in the palette (default 16)")
      ->type_name("N")
      ->check(CLI::Range(1, 256));
  extract->add_option("-o,--output", options->output, "write the palette here (.hex or .gpl); default: print it")
      ->type_name("FILE");
  return [options] { return run_extract(*options); };
}

}  // namespace dgxpx::cli
