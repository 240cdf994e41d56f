#include <catch2/catch.hpp>

#include <string>

#include "compiler/report/png_header.h"

using namespace dgxpx::report;

namespace {

std::string header(uint32_t w, uint32_t h, const char* chunk = "IHDR") {
  std::string bytes("\x89PNG\r\n\x1a\n", 8);
  bytes += std::string("\0\0\0\x0d", 4);
  bytes += chunk;
  for (uint32_t v : {w, h})
    for (int shift = 24; shift >= 0; shift -= 8) bytes += char((v >> shift) & 0xff);
  return bytes;
}

}  // namespace

TEST_CASE("png_size_from_header reads IHDR width and height", "[report][png_header]") {
  auto size = png_size_from_header(header(32, 300));
  REQUIRE(size);
  CHECK(size->width == 32);
  CHECK(size->height == 300);
  CHECK(png_size_from_header(header(70000, 1))->width == 70000);
}

TEST_CASE("png_size_from_header rejects what is not a PNG header", "[report][png_header]") {
  CHECK_FALSE(png_size_from_header(""));
  CHECK_FALSE(png_size_from_header(header(32, 32).substr(0, 23)));  // truncated
  CHECK_FALSE(png_size_from_header("GIF89a............................"));
  CHECK_FALSE(png_size_from_header(header(32, 32, "IDAT")));
  CHECK_FALSE(png_size_from_header(header(0, 32)));
  CHECK_FALSE(png_size_from_header(header(32, 0xffffffffu)));
  CHECK_FALSE(png_file_size("/nonexistent/dgxpx/none.png"));
}
