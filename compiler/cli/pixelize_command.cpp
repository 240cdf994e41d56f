#include "compiler/cli/pixelize_command.h"

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>

#include "compiler/pixel/palette.h"
#include "compiler/pixel/pixelize.h"
#include "compiler/pixel/png_io.h"
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

}  // namespace

std::string pixelize_usage() {
  return "usage: dgxpx pixelize IN.png -o OUT.png [options]\n"
         "  --factor N            art pixel size in source pixels (fractional allowed)\n"
         "  --size WxH            output size in art pixels\n"
         "  --detect              detect the pixel grid (default)\n"
         "  --downscale MODE      nearest | mode | k-centroid (default k-centroid)\n"
         "  --palette NAME|FILE   built-in (pico-8, db16, db32, gameboy, nes) or .hex/.gpl/.pal/.png\n"
         "  --colors N            k-means palette of N colours (OKLab)\n"
         "  --dither              ordered Bayer dithering when mapping to the palette\n"
         "  --background MODE     keep | flood | #rrggbb (key colour); default keep\n"
         "  --tolerance T         background tolerance, RGB distance 0..442 (default 48)\n"
         "  --outline #rrggbb     1-pixel outline (snapped to the palette)\n";
}

int run_pixelize_command(const std::vector<std::string>& args) {
  std::optional<std::string> input, output;
  pixel::PixelizeOptions options;
  bool grid_given = false, palette_given = false, colors_given = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    auto value = [&]() -> const std::string& {
      if (i + 1 >= args.size()) throw InputError(expected_got("a value after " + arg, "nothing"));
      return args[++i];
    };
    auto one_grid = [&] {
      if (grid_given)
        throw InputError(expected_got("one of --factor, --size, --detect", "several"));
      grid_given = true;
    };
    if (arg == "-h" || arg == "--help") {
      std::fputs(pixelize_usage().c_str(), stdout);
      return 0;
    } else if (arg == "-o" || arg == "--output") {
      output = value();
    } else if (arg == "--factor") {
      one_grid();
      options.grid.mode = pixel::GridMode::factor;
      options.grid.factor = parse_number(arg, value(), 1.0, 1024.0);
    } else if (arg == "--size") {
      one_grid();
      const std::string& text = value();
      const size_t x = text.find('x');
      if (x == std::string::npos)
        throw InputError(expected_got("--size as WxH (e.g. 64x64)", quoted(text)));
      options.grid.mode = pixel::GridMode::size;
      options.grid.width = parse_int("--size width", text.substr(0, x), 1, 16384);
      options.grid.height = parse_int("--size height", text.substr(x + 1), 1, 16384);
    } else if (arg == "--detect") {
      one_grid();
      options.grid.mode = pixel::GridMode::detect;
    } else if (arg == "--downscale") {
      const std::string& text = value();
      auto mode = pixel::downscale_mode_from_name(text);
      if (!mode) throw InputError(expected_got("--downscale nearest, mode or k-centroid", quoted(text)));
      options.downscale.mode = *mode;
    } else if (arg == "--palette") {
      palette_given = true;
      const std::string& text = value();
      if (pixel::builtin_palette(text)) {
        options.palette.source = pixel::PaletteSource::builtin;
        options.palette.name = text;
      } else {
        const std::string ext = std::filesystem::path(text).extension().string();
        if (ext.empty())
          throw InputError(expected_got("--palette as a built-in name (pico-8, db16, db32, "
                                        "gameboy, nes) or a palette file",
                                        quoted(text)));
        options.palette.source = pixel::PaletteSource::file;
        options.palette.file = text;
      }
    } else if (arg == "--colors" || arg == "--colours") {
      colors_given = true;
      options.palette.source = pixel::PaletteSource::kmeans;
      options.palette.colors = parse_int(arg, value(), 1, 256);
    } else if (arg == "--dither") {
      options.palette.dither = true;
    } else if (arg == "--background") {
      const std::string& text = value();
      if (text == "keep") {
        options.background.mode = pixel::BackgroundMode::keep;
      } else if (text == "flood") {
        options.background.mode = pixel::BackgroundMode::flood;
      } else {
        auto key = pixel::parse_hex_color(text);
        if (!key) throw InputError(expected_got("--background keep, flood or #rrggbb", quoted(text)));
        options.background.mode = pixel::BackgroundMode::key;
        options.background.key = *key;
      }
    } else if (arg == "--tolerance") {
      options.background.tolerance = parse_number(arg, value(), 0.0, 442.0);
    } else if (arg == "--outline") {
      options.outline = parse_color(arg, value());
    } else if (!arg.empty() && arg[0] == '-') {
      throw InputError(expected_got("an option of dgxpx pixelize (see --help)", quoted(arg)));
    } else if (!input) {
      input = arg;
    } else {
      throw InputError(expected_got("one input file", "another argument " + quoted(arg)));
    }
  }
  if (!input) throw InputError(expected_got("an input PNG", "none") + "\n" + pixelize_usage());
  if (!output) throw InputError(expected_got("-o OUT.png", "no output path"));
  if (palette_given && colors_given)
    throw InputError(expected_got("either --palette or --colors", "both"));
  if (options.palette.dither && options.palette.source == pixel::PaletteSource::none)
    throw InputError(expected_got("--palette or --colors with --dither", "no palette"));

  pixel::validate(options);
  // Everything that can fail on input is read before anything is written.
  const pixel::Image image = pixel::read_png(*input);
  const auto result = pixel::pixelize_detailed(image, options);
  pixel::write_png(*output, result.image);
  spdlog::info("pixelize: {} {}x{} -> {} {}x{} (grid {:.3f} px, phase {:.2f},{:.2f}{})", *input,
               image.width, image.height, *output, result.image.width, result.image.height,
               result.grid.x.period, result.grid.x.phase, result.grid.y.phase,
               result.palette ? ", palette " + result.palette->name + " (" +
                                    std::to_string(result.palette->colors.size()) + " colours)"
                              : std::string());
  return 0;
}

}  // namespace dgxpx::cli
