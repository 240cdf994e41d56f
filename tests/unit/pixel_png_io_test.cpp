// PNG I/O: decoding every colour type to RGBA8, deterministic encoding, and bad input.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

#include "compiler/pixel/png_io.h"
#include "compiler/util/error.h"

using namespace dgxpx;
using pixel::Image;
using pixel::Rgba;

namespace {

// Hand-made PNGs (zlib + CRCs computed by a throwaway script), covering libpng transforms.
// 2x2 indexed: red green / blue (tRNS alpha 0) red
const unsigned char kIndexedTrns2x2[] = {
    0x89,0x50,0x4e,0x47,0x0d,0x0a,0x1a,0x0a,0x00,0x00,0x00,0x0d,0x49,0x48,0x44,0x52,0x00,0x00,
    0x00,0x02,0x00,0x00,0x00,0x02,0x08,0x03,0x00,0x00,0x00,0x45,0x68,0xfd,0x16,0x00,0x00,0x00,
    0x09,0x50,0x4c,0x54,0x45,0xff,0x00,0x00,0x00,0xff,0x00,0x00,0x00,0xff,0x2d,0x4a,0xcd,0x8a,
    0x00,0x00,0x00,0x03,0x74,0x52,0x4e,0x53,0xff,0xff,0x00,0xd7,0xca,0x0d,0x41,0x00,0x00,0x00,
    0x0e,0x49,0x44,0x41,0x54,0x78,0x9c,0x63,0x60,0x60,0x64,0x60,0x62,0x00,0x00,0x00,0x0e,0x00,
    0x04,0xc6,0x88,0x7c,0xf8,0x00,0x00,0x00,0x00,0x49,0x45,0x4e,0x44,0xae,0x42,0x60,0x82};
// 2x1 16-bit grey: 0xffff, 0x8080
const unsigned char kGray16x2[] = {
    0x89,0x50,0x4e,0x47,0x0d,0x0a,0x1a,0x0a,0x00,0x00,0x00,0x0d,0x49,0x48,0x44,0x52,0x00,0x00,
    0x00,0x02,0x00,0x00,0x00,0x01,0x10,0x00,0x00,0x00,0x00,0x81,0xd9,0xfc,0x15,0x00,0x00,0x00,
    0x0d,0x49,0x44,0x41,0x54,0x78,0x9c,0x63,0xf8,0xff,0xbf,0xa1,0x01,0x00,0x08,0x7e,0x02,0xff,
    0xe9,0x8e,0x31,0x5f,0x00,0x00,0x00,0x00,0x49,0x45,0x4e,0x44,0xae,0x42,0x60,0x82};
// 3x1 grey+alpha: (10,255) (20,128) (30,0)
const unsigned char kGrayAlpha3x1[] = {
    0x89,0x50,0x4e,0x47,0x0d,0x0a,0x1a,0x0a,0x00,0x00,0x00,0x0d,0x49,0x48,0x44,0x52,0x00,0x00,
    0x00,0x03,0x00,0x00,0x00,0x01,0x08,0x04,0x00,0x00,0x00,0xb1,0xe9,0xdc,0x3f,0x00,0x00,0x00,
    0x0f,0x49,0x44,0x41,0x54,0x78,0x9c,0x63,0xe0,0xfa,0x2f,0xd2,0x20,0xc7,0x00,0x00,0x07,0x4a,
    0x01,0xbc,0xe7,0xb2,0xe7,0x48,0x00,0x00,0x00,0x00,0x49,0x45,0x4e,0x44,0xae,0x42,0x60,0x82};

template <size_t N>
std::string bytes_of(const unsigned char (&data)[N]) {
  return std::string(reinterpret_cast<const char*>(data), N);
}

Image checker(int w, int h, bool with_alpha) {
  Image image(w, h);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      image.at(x, y) = Rgba{uint8_t(x * 40), uint8_t(y * 30), uint8_t((x + y) % 2 ? 200 : 10),
                            uint8_t(with_alpha && (x + y) % 3 == 0 ? 0 : 255)};
  return image;
}

std::filesystem::path temp_dir() {
  auto dir = std::filesystem::temp_directory_path() / ("dgxpx_png_io_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace

TEST_CASE("png round trip keeps RGBA and RGB pixels", "[pixel][png]") {
  for (bool alpha : {false, true}) {
    const Image image = checker(7, 5, alpha);
    const Image back = pixel::decode_png(pixel::encode_png(image), "mem");
    REQUIRE(back.width == 7);
    REQUIRE(back.height == 5);
    REQUIRE(back.pixels == image.pixels);
  }
}

TEST_CASE("png encoding is deterministic and writes text chunks in order", "[pixel][png]") {
  const Image image = checker(16, 9, true);
  const pixel::PngText text = {{"dgxpx:key", "abc"}, {"Comment", "second"}};
  const std::string first = pixel::encode_png(image, text);
  const std::string second = pixel::encode_png(image, text);
  REQUIRE(first == second);
  REQUIRE(first.find("dgxpx:key") < first.find("Comment"));
  REQUIRE(first.find("tIME") == std::string::npos);
  // Opaque images are stored as RGB (colour type 2) and are smaller.
  const std::string opaque = pixel::encode_png(checker(16, 9, false));
  REQUIRE(static_cast<unsigned char>(opaque[25]) == 2);
  REQUIRE(static_cast<unsigned char>(first[25]) == 6);
}

TEST_CASE("png decoding normalises indexed, 16-bit and grey+alpha images", "[pixel][png]") {
  const Image indexed = pixel::decode_png(bytes_of(kIndexedTrns2x2), "indexed.png");
  REQUIRE(indexed.width == 2);
  REQUIRE(indexed.at(0, 0) == Rgba{255, 0, 0, 255});
  REQUIRE(indexed.at(1, 0) == Rgba{0, 255, 0, 255});
  REQUIRE(indexed.at(0, 1).a == 0);
  REQUIRE(indexed.at(1, 1) == Rgba{255, 0, 0, 255});

  const Image gray16 = pixel::decode_png(bytes_of(kGray16x2), "gray16.png");
  REQUIRE(gray16.at(0, 0) == Rgba{255, 255, 255, 255});
  REQUIRE(gray16.at(1, 0) == Rgba{128, 128, 128, 255});

  const Image gray_alpha = pixel::decode_png(bytes_of(kGrayAlpha3x1), "ga.png");
  REQUIRE(gray_alpha.at(0, 0) == Rgba{10, 10, 10, 255});
  REQUIRE(gray_alpha.at(1, 0) == Rgba{20, 20, 20, 128});
  REQUIRE(gray_alpha.at(2, 0).a == 0);
}

TEST_CASE("bad PNG bytes give an InputError naming the file and the problem", "[pixel][png]") {
  auto message_of = [](const std::string& bytes) {
    try {
      pixel::decode_png(bytes, "art/hero.png");
    } catch (const util::InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  SECTION("not a PNG") {
    const std::string m = message_of("GIF89a this is not a png at all");
    REQUIRE_THAT(m, Catch::Contains("art/hero.png") && Catch::Contains("not a PNG"));
    REQUIRE_THAT(message_of(""), Catch::Contains("not a PNG"));
  }
  SECTION("truncated") {
    const std::string good = pixel::encode_png(checker(32, 32, true));
    for (size_t keep : {size_t(10), size_t(30), size_t(60), good.size() - 20})
      REQUIRE_THAT(message_of(good.substr(0, keep)), Catch::Contains("art/hero.png") &&
                                                      (Catch::Contains("truncated") || Catch::Contains("corrupt")));
    REQUIRE_THAT(message_of(good.substr(0, good.size() / 2)), Catch::Contains("truncated PNG"));
  }
  SECTION("zero size") {
    std::string bytes = bytes_of(kGray16x2);
    bytes[16] = bytes[17] = bytes[18] = bytes[19] = 0;  // IHDR width = 0
    REQUIRE_THAT(message_of(bytes), Catch::Contains("zero-size image"));
  }
  SECTION("corrupt data") {
    std::string bytes = pixel::encode_png(checker(8, 8, false));
    bytes[bytes.size() - 20] ^= 0x5a;  // inside IDAT: CRC mismatch
    REQUIRE_THAT(message_of(bytes), Catch::Contains("corrupt PNG"));
  }
  SECTION("too large") {
    std::string bytes = bytes_of(kGray16x2);
    bytes[16] = 0x7f;  // width 2 billion
    REQUIRE_THAT(message_of(bytes), Catch::Contains("at most"));
  }
}

TEST_CASE("read_png and write_png go through files", "[pixel][png]") {
  const auto dir = temp_dir();
  const Image image = checker(9, 4, true);
  pixel::write_png(dir / "sub" / "out.png", image);
  REQUIRE(pixel::read_png(dir / "sub" / "out.png").pixels == image.pixels);
  REQUIRE_THROWS_AS(pixel::read_png(dir / "missing.png"), util::InputError);
  std::ofstream(dir / "text.png") << "hello";
  REQUIRE_THROWS_WITH(pixel::read_png(dir / "text.png"), Catch::Contains("text.png") && Catch::Contains("not a PNG"));
  REQUIRE_THROWS_AS(pixel::encode_png(Image()), std::invalid_argument);
  std::filesystem::remove_all(dir);
}
