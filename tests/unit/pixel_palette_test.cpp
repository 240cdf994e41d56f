// Palettes: built-ins, the palette file formats and their errors.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "compiler/pixel/palette.h"
#include "compiler/pixel/png_io.h"
#include "compiler/util/error.h"

using namespace dgxpx;
using pixel::Rgba;

namespace {

std::filesystem::path write_temp(const std::string& name, const std::string& content) {
  auto dir = std::filesystem::temp_directory_path() / ("dgxpx_palette_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / name, std::ios::binary) << content;
  return dir / name;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const util::InputError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("built-in palettes have their published sizes and colours", "[pixel][palette]") {
  REQUIRE(pixel::builtin_palette_names() ==
          std::vector<std::string>{"pico-8", "db16", "db32", "gameboy", "nes"});
  REQUIRE(pixel::builtin_palette("pico-8")->colors.size() == 16);
  REQUIRE(pixel::builtin_palette("db16")->colors.size() == 16);
  REQUIRE(pixel::builtin_palette("db32")->colors.size() == 32);
  REQUIRE(pixel::builtin_palette("gameboy")->colors.size() == 4);
  REQUIRE(pixel::builtin_palette("nes")->colors.size() == 55);
  REQUIRE(pixel::builtin_palette("PICO8")->colors[8] == Rgba{0xff, 0x00, 0x4d, 255});
  REQUIRE(pixel::builtin_palette("Game Boy")->colors[0] == Rgba{0x0f, 0x38, 0x0f, 255});
  REQUIRE(pixel::builtin_palette("gb")->name == "gameboy");
  REQUIRE(pixel::builtin_palette("db-32")->colors[21] == Rgba{255, 255, 255, 255});
  REQUIRE_FALSE(pixel::builtin_palette("sweetie16"));
  for (const auto& name : pixel::builtin_palette_names()) {
    const auto palette = *pixel::builtin_palette(name);
    for (size_t i = 0; i < palette.colors.size(); ++i)
      for (size_t j = i + 1; j < palette.colors.size(); ++j) REQUIRE(palette.colors[i] != palette.colors[j]);
  }
}

TEST_CASE("hex colours parse and print", "[pixel][palette]") {
  REQUIRE(pixel::parse_hex_color("#ff8000") == Rgba{255, 128, 0, 255});
  REQUIRE(pixel::parse_hex_color("0A0b0C") == Rgba{10, 11, 12, 255});
  REQUIRE_FALSE(pixel::parse_hex_color("#ff80"));
  REQUIRE_FALSE(pixel::parse_hex_color("#gg0000"));
  REQUIRE(pixel::to_hex(Rgba{1, 2, 255, 9}) == "#0102ff");
  pixel::Palette p{"x", {{1, 2, 3, 255}, {255, 0, 16, 255}}};
  REQUIRE(pixel::canonical_colors(p) == "010203,ff0010");
}

TEST_CASE(".hex palette files", "[pixel][palette]") {
  const auto palette = pixel::parse_palette_text("ff0000\r\n#00FF00\n\n; comment\n0000ff\nff0000\n", "hex", "a.hex");
  REQUIRE(palette.name == "a");
  REQUIRE(palette.colors == std::vector<Rgba>{{255, 0, 0, 255}, {0, 255, 0, 255}, {0, 0, 255, 255}});
  REQUIRE_THAT(error_of([] { pixel::parse_palette_text("ff0000\nzz0000\n", "hex", "pal/a.hex"); }),
               Catch::StartsWith("pal/a.hex:2: error: expected a colour") && Catch::Contains("'zz0000'"));
  REQUIRE_THAT(error_of([] { pixel::parse_palette_text("\n\n", "hex", "e.hex"); }),
               Catch::Contains("e.hex") && Catch::Contains("no colours"));
}

TEST_CASE("GIMP .gpl palette files", "[pixel][palette]") {
  const std::string text =
      "GIMP Palette\nName: Test\nColumns: 4\n# comment\n  0   0   0\tBlack\n255 255 255 White\n12 34 56\n";
  const auto palette = pixel::parse_palette_text(text, "gpl", "t.gpl");
  REQUIRE(palette.colors == std::vector<Rgba>{{0, 0, 0, 255}, {255, 255, 255, 255}, {12, 34, 56, 255}});
  REQUIRE_THAT(error_of([] { pixel::parse_palette_text("JASC-PAL\n", "gpl", "t.gpl"); }),
               Catch::StartsWith("t.gpl:1: error: expected 'GIMP Palette'"));
  REQUIRE_THAT(error_of([] { pixel::parse_palette_text("GIMP Palette\n1 2 3\n1 2 300\n", "gpl", "t.gpl"); }),
               Catch::StartsWith("t.gpl:3: error:") && Catch::Contains("'1 2 300'"));
  REQUIRE_THAT(error_of([] { pixel::parse_palette_text("GIMP Palette\n1 2\n", "gpl", "t.gpl"); }),
               Catch::StartsWith("t.gpl:2: error:"));
}

TEST_CASE("JASC .pal palette files", "[pixel][palette]") {
  const auto palette = pixel::parse_palette_text("JASC-PAL\r\n0100\r\n2\r\n255 0 0\r\n0 0 255 255\r\n", "pal", "j.pal");
  REQUIRE(palette.colors == std::vector<Rgba>{{255, 0, 0, 255}, {0, 0, 255, 255}});
  REQUIRE_THAT(error_of([] { pixel::parse_palette_text("JASC-PAL\n0100\n3\n1 2 3\n4 5 6\n", "pal", "j.pal"); }),
               Catch::Contains("expected 3 colours") && Catch::Contains("got 2"));
  REQUIRE_THAT(error_of([] { pixel::parse_palette_text("JASC-PAL\n0100\n2\n1 2 3\nred\n", "pal", "j.pal"); }),
               Catch::StartsWith("j.pal:5: error:"));
  REQUIRE_THAT(error_of([] { pixel::parse_palette_text("JASC-PAL\n0200\n1\n1 2 3\n", "pal", "j.pal"); }),
               Catch::StartsWith("j.pal:2: error:"));
  REQUIRE_THAT(error_of([] { pixel::parse_palette_text("JASC-PAL\n0100\nmany\n", "pal", "j.pal"); }),
               Catch::StartsWith("j.pal:3: error:"));
}

TEST_CASE("palette files load by extension, PNG palettes included", "[pixel][palette]") {
  const auto hex = write_temp("p.hex", "112233\n445566\n");
  REQUIRE(pixel::load_palette_file(hex).colors.size() == 2);
  pixel::Image swatch(3, 2, {0, 0, 0, 0});
  swatch.at(0, 0) = {10, 20, 30, 255};
  swatch.at(1, 0) = {40, 50, 60, 255};
  swatch.at(2, 1) = {10, 20, 30, 255};  // repeat
  const auto png = write_temp("swatch.png", pixel::encode_png(swatch));
  const auto from_png = pixel::load_palette_file(png);
  REQUIRE(from_png.colors == std::vector<Rgba>{{10, 20, 30, 255}, {40, 50, 60, 255}});
  REQUIRE_THAT(error_of([&] { pixel::load_palette_file(write_temp("p.act", "x")); }),
               Catch::Contains("p.act") && Catch::Contains(".hex, .gpl, .pal or .png"));
  REQUIRE_THAT(error_of([&] { pixel::load_palette_file(hex.parent_path() / "none.gpl"); }),
               Catch::Contains("none.gpl") && Catch::Contains("no such file"));
  REQUIRE_THAT(error_of([&] { pixel::load_palette_file(write_temp("bad.png", "nope")); }),
               Catch::Contains("bad.png") && Catch::Contains("not a PNG"));
  REQUIRE_THAT(error_of([&] { pixel::load_palette_file(write_temp("empty.png", pixel::encode_png(pixel::Image(2, 2)))); }),
               Catch::Contains("no colours"));
  std::filesystem::remove_all(hex.parent_path());
}

TEST_CASE("palette text written as .hex or .gpl parses back to the same colours", "[pixel][palette]") {
  const dgxpx::pixel::Palette db16 = *dgxpx::pixel::builtin_palette("db16");
  for (const char* format : {"hex", "gpl"}) {
    INFO(format);
    const std::string text = dgxpx::pixel::format_palette_text(db16, format, "db16");
    CHECK(dgxpx::pixel::parse_palette_text(text, format, "db16." + std::string(format)).colors == db16.colors);
  }
}
