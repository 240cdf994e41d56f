// `dgxpx pixelize`: arguments, output, and nothing written on bad input.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "compiler/cli/pixelize_command.h"
#include "compiler/pixel/png_io.h"
#include "compiler/util/atomic_file.h"
#include "compiler/util/error.h"

using namespace dgxpx;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path = fs::temp_directory_path() / ("dgxpx_pixelize_cli_" + std::to_string(::getpid()));
  TempDir() { fs::create_directories(path); }
  ~TempDir() { fs::remove_all(path); }
  std::string operator/(const std::string& name) const { return (path / name).string(); }
};

// 4x4 art upscaled x4 (16x16), two colours on white.
void write_input(const std::string& file) {
  pixel::Image image(16, 16, {255, 255, 255, 255});
  for (int y = 4; y < 12; ++y)
    for (int x = 4; x < 12; ++x) image.at(x, y) = (x / 4 + y / 4) % 2 ? pixel::Rgba{200, 30, 40, 255} : pixel::Rgba{20, 40, 180, 255};
  pixel::write_png(file, image);
}

}  // namespace

TEST_CASE("pixelize command writes the downscaled PNG", "[pixel][cli]") {
  TempDir dir;
  write_input(dir / "in.png");
  REQUIRE(cli::run_pixelize_command({dir / "in.png", "-o", dir / "out.png", "--factor", "4", "--palette",
                                     "pico-8", "--background", "flood", "--tolerance", "30"}) == 0);
  const pixel::Image out = pixel::read_png(dir / "out.png");
  REQUIRE(out.width == 4);
  REQUIRE(out.height == 4);
  REQUIRE(out.at(0, 0).a == 0);
  REQUIRE(out.at(1, 1).a == 255);
  const std::string first = util::read_file_or_throw(dir / "out.png");
  REQUIRE(cli::run_pixelize_command({dir / "in.png", "-o", dir / "out2.png", "--factor", "4", "--palette",
                                     "pico-8", "--background", "flood", "--tolerance", "30"}) == 0);
  REQUIRE(util::read_file_or_throw(dir / "out2.png") == first);
  REQUIRE(cli::run_pixelize_command({dir / "in.png", "-o", dir / "k.png", "--size", "4x4", "--colors", "3",
                                     "--dither", "--downscale", "mode", "--outline", "#000000"}) == 0);
  REQUIRE(cli::run_pixelize_command({"--help"}) == 0);
}

TEST_CASE("pixelize command usage errors", "[pixel][cli]") {
  TempDir dir;
  write_input(dir / "in.png");
  const std::string in = dir / "in.png", out = dir / "out.png";
  using Args = std::vector<std::string>;
  for (const Args& args : {Args{in}, Args{"-o", out}, Args{in, "-o", out, "--bogus"},
                           Args{in, "-o", out, "--factor", "0"}, Args{in, "-o", out, "--factor", "x"},
                           Args{in, "-o", out, "--size", "64"}, Args{in, "-o", out, "--factor", "4", "--detect"},
                           Args{in, "-o", out, "--palette", "db32", "--colors", "8"},
                           Args{in, "-o", out, "--palette", "unknownname"}, Args{in, "-o", out, "--dither"},
                           Args{in, "-o", out, "--background", "blue"}, Args{in, "-o", out, "--outline", "red"},
                           Args{in, "-o", out, "--downscale", "bicubic"}, Args{in, in, "-o", out},
                           Args{in, "-o"}}) {
    INFO(args.size());
    REQUIRE_THROWS_AS(cli::run_pixelize_command(args), util::InputError);
  }
  REQUIRE_FALSE(fs::exists(out));
}

TEST_CASE("pixelize command bad input names the file and writes nothing", "[pixel][cli]") {
  TempDir dir;
  const std::string out = dir / "out.png";
  std::ofstream(dir / "not.png") << "definitely not a png";
  REQUIRE_THROWS_WITH(cli::run_pixelize_command({dir / "not.png", "-o", out}),
                      Catch::Contains("not.png") && Catch::Contains("not a PNG"));
  write_input(dir / "in.png");
  const std::string whole = util::read_file_or_throw(dir / "in.png");
  std::ofstream(dir / "cut.png", std::ios::binary) << whole.substr(0, whole.size() / 2);
  REQUIRE_THROWS_WITH(cli::run_pixelize_command({dir / "cut.png", "-o", out}), Catch::Contains("truncated PNG"));
  std::ofstream(dir / "p.hex") << "ff0000\n00ff00\nnot-hex\n";
  REQUIRE_THROWS_WITH(cli::run_pixelize_command({dir / "in.png", "-o", out, "--palette", dir / "p.hex"}),
                      Catch::Contains("p.hex:3: error:"));
  REQUIRE_THROWS_WITH(cli::run_pixelize_command({dir / "missing.png", "-o", out}), Catch::Contains("no such file"));
  REQUIRE_FALSE(fs::exists(out));
}
