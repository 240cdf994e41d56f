#include "compiler/cli/pixelize_command.h"

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>

#include <CLI/CLI.hpp>

#include "compiler/pixel/palette.h"
#include "compiler/pixel/pixelize.h"
#include "compiler/pixel/png_io.h"
#include "compiler/cli/command.h"
#include "compiler/util/error.h"

namespace dgxpx::cli {
namespace {

using util::expected_got;
using util::InputError;

std::string quoted(const std::string& s) { return "'" + s + "'"; }

double parse_number(const std::string& option, const std::string& text, double lo, double hi) {
  char* end = nullptr;
  errno = 0;
  const double value = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || errno != 0 || !(value >= lo && value <= hi))
    throw InputError(expected_got(option + " to be a number in [" + std::to_string(lo) + ", " +
                                      std::to_string(hi) + "]",
                                  quoted(text)));
  return value;
}

int parse_int(const std::string& option, const std::string& text, int lo, int hi) {
  char* end = nullptr;
  errno = 0;
  const long value = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno != 0 || value < lo || value > hi)
    throw InputError(expected_got(option + " to be an integer in " + std::to_string(lo) + ".." +
                                      std::to_string(hi),
                                  quoted(text)));
  return int(value);
}

pixel::Rgba parse_color(const std::string& option, const std::string& text) {
  auto color = pixel::parse_hex_color(text);
  if (!color) throw InputError(expected_got(option + " to be a colour #rrggbb", quoted(text)));
  return *color;
}

// The options as written; checked and turned into PixelizeOptions by `run`.
struct PixelizeArgs {
  std::string input, output;
  std::optional<std::string> factor, size, downscale, palette, colors, background, tolerance, outline;
  bool detect = false, dither = false;

  pixel::PixelizeOptions options() const {
    pixel::PixelizeOptions options;
    const int grids = (factor ? 1 : 0) + (size ? 1 : 0) + (detect ? 1 : 0);
    if (grids > 1) throw InputError(expected_got("one of --factor, --size, --detect", "several"));
    if (factor) {
      options.grid.mode = pixel::GridMode::factor;
      options.grid.factor = parse_number("--factor", *factor, 1.0, 1024.0);
    } else if (size) {
      const size_t x = size->find('x');
      if (x == std::string::npos) throw InputError(expected_got("--size as WxH (e.g. 64x64)", quoted(*size)));
      options.grid.mode = pixel::GridMode::size;
      options.grid.width = parse_int("--size width", size->substr(0, x), 1, 16384);
      options.grid.height = parse_int("--size height", size->substr(x + 1), 1, 16384);
    } else if (detect) {
      options.grid.mode = pixel::GridMode::detect;
    }
    if (downscale) {
      auto mode = pixel::downscale_mode_from_name(*downscale);
      if (!mode) throw InputError(expected_got("--downscale nearest, mode or k-centroid", quoted(*downscale)));
      options.downscale.mode = *mode;
    }
    if (palette && colors) throw InputError(expected_got("either --palette or --colors", "both"));
    if (palette) {
      if (pixel::builtin_palette(*palette)) {
        options.palette.source = pixel::PaletteSource::builtin;
        options.palette.name = *palette;
      } else {
        if (std::filesystem::path(*palette).extension().empty())
          throw InputError(expected_got("--palette as a built-in name (pico-8, db16, db32, gameboy, nes) or a palette file",
                                        quoted(*palette)));
        options.palette.source = pixel::PaletteSource::file;
        options.palette.file = *palette;
      }
    }
    if (colors) {
      options.palette.source = pixel::PaletteSource::kmeans;
      options.palette.colors = parse_int("--colors", *colors, 1, 256);
    }
    options.palette.dither = dither;
    if (dither && options.palette.source == pixel::PaletteSource::none)
      throw InputError(expected_got("--palette or --colors with --dither", "no palette"));
    if (background) {
      if (*background == "keep") {
        options.background.mode = pixel::BackgroundMode::keep;
      } else if (*background == "flood") {
        options.background.mode = pixel::BackgroundMode::flood;
      } else {
        auto key = pixel::parse_hex_color(*background);
        if (!key) throw InputError(expected_got("--background keep, flood or #rrggbb", quoted(*background)));
        options.background.mode = pixel::BackgroundMode::key;
        options.background.key = *key;
      }
    }
    if (tolerance) options.background.tolerance = parse_number("--tolerance", *tolerance, 0.0, 442.0);
    if (outline) options.outline = parse_color("--outline", *outline);
    return options;
  }
};

// Values are taken as text and checked by PixelizeArgs::options, which says what it expected.
void declare(CLI::App& app, PixelizeArgs& a) {
  app.add_option("input", a.input, "the image to pixelize (PNG)")->required();
  app.add_option("-o,--output", a.output, "where to write the pixel-art PNG")->required();
  app.add_option("--factor", a.factor, "art pixel size in source pixels (fractional allowed)")->type_name("N");
  app.add_option("--size", a.size, "output size in art pixels")->type_name("WxH");
  app.add_flag("--detect", a.detect, "detect the pixel grid (the default)");
  app.add_option("--downscale", a.downscale, "nearest | mode | k-centroid (default k-centroid)")->type_name("MODE");
  app.add_option("--palette", a.palette, "built-in (pico-8, db16, db32, gameboy, nes) or a .hex/.gpl/.pal/.png file")
      ->type_name("NAME|FILE");
  app.add_option("--colors,--colours", a.colors, "a k-means palette of N colours (OKLab)")->type_name("N");
  app.add_flag("--dither", a.dither, "ordered Bayer dithering when mapping to the palette");
  app.add_option("--background", a.background, "keep | flood | #rrggbb (key colour); default keep")->type_name("MODE");
  app.add_option("--tolerance", a.tolerance, "background tolerance, RGB distance 0..442 (default 48)")->type_name("T");
  app.add_option("--outline", a.outline, "a 1-pixel outline (snapped to the palette)")->type_name("#rrggbb");
}

int run(const PixelizeArgs& args) {
  const pixel::PixelizeOptions options = args.options();
  pixel::validate(options);
  // Everything that can fail on input is read before anything is written.
  const pixel::Image image = pixel::read_png(args.input);
  const auto result = pixel::pixelize_detailed(image, options);
  pixel::write_png(args.output, result.image);
  spdlog::info("pixelize: {} {}x{} -> {} {}x{} (grid {:.3f} px, phase {:.2f},{:.2f}{})", args.input, image.width,
               image.height, args.output, result.image.width, result.image.height, result.grid.x.period,
               result.grid.x.phase, result.grid.y.phase,
               result.palette ? ", palette " + result.palette->name + " (" +
                                    std::to_string(result.palette->colors.size()) + " colours)"
                              : std::string());
  return 0;
}

}  // namespace

CommandBody define_pixelize(CLI::App& app, const GlobalOptions&) {
  auto args = std::make_shared<PixelizeArgs>();
  declare(app, *args);
  return [args] { return run(*args); };
}

int run_pixelize_command(const std::vector<std::string>& args) {
  CLI::App app{"pixelize one image", "dgxpx pixelize"};
  PixelizeArgs parsed;
  declare(app, parsed);
  if (auto status = parse_command_line(app, args)) return *status;
  return run(parsed);
}

}  // namespace dgxpx::cli
