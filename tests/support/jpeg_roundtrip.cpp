#include "tests/support/jpeg_roundtrip.h"

// jpeglib.h uses FILE without including <stdio.h>.
#include <cstdio>

#include <jpeglib.h>

#include <csetjmp>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

namespace dgxpx::testing {
namespace {

// libjpeg's default error handler exits the process: jump back and throw instead.
struct ErrorManager {
  jpeg_error_mgr base;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

void on_error(j_common_ptr info) {
  auto* manager = reinterpret_cast<ErrorManager*>(info->err);
  (*info->err->format_message)(info, manager->message);
  std::longjmp(manager->jump, 1);
}

std::vector<unsigned char> encode(const pixel::Image& image, int quality) {
  jpeg_compress_struct info{};
  ErrorManager errors{};
  info.err = jpeg_std_error(&errors.base);
  errors.base.error_exit = on_error;
  unsigned char* buffer = nullptr;
  unsigned long size = 0;
  if (setjmp(errors.jump)) {
    jpeg_destroy_compress(&info);
    std::free(buffer);
    throw std::runtime_error(std::string("jpeg encode: ") + errors.message);
  }
  jpeg_create_compress(&info);
  jpeg_mem_dest(&info, &buffer, &size);
  info.image_width = JDIMENSION(image.width);
  info.image_height = JDIMENSION(image.height);
  info.input_components = 3;
  info.in_color_space = JCS_RGB;
  jpeg_set_defaults(&info);
  jpeg_set_quality(&info, quality, TRUE);
  jpeg_start_compress(&info, TRUE);
  std::vector<unsigned char> row(size_t(image.width) * 3);
  while (info.next_scanline < info.image_height) {
    const pixel::Rgba* src = &image.pixels[size_t(info.next_scanline) * size_t(image.width)];
    for (int x = 0; x < image.width; ++x) {
      row[size_t(x) * 3] = src[x].r;
      row[size_t(x) * 3 + 1] = src[x].g;
      row[size_t(x) * 3 + 2] = src[x].b;
    }
    JSAMPROW rows[1] = {row.data()};
    jpeg_write_scanlines(&info, rows, 1);
  }
  jpeg_finish_compress(&info);
  jpeg_destroy_compress(&info);
  std::vector<unsigned char> out(buffer, buffer + size);
  std::free(buffer);
  return out;
}

pixel::Image decode(const std::vector<unsigned char>& bytes) {
  jpeg_decompress_struct info{};
  ErrorManager errors{};
  info.err = jpeg_std_error(&errors.base);
  errors.base.error_exit = on_error;
  if (setjmp(errors.jump)) {
    jpeg_destroy_decompress(&info);
    throw std::runtime_error(std::string("jpeg decode: ") + errors.message);
  }
  jpeg_create_decompress(&info);
  jpeg_mem_src(&info, bytes.data(), static_cast<unsigned long>(bytes.size()));
  jpeg_read_header(&info, TRUE);
  info.out_color_space = JCS_RGB;
  // The integer IDCT is libjpeg's default and exact across machines; say so rather than rely on it.
  info.dct_method = JDCT_ISLOW;
  jpeg_start_decompress(&info);
  pixel::Image image(int(info.output_width), int(info.output_height));
  std::vector<unsigned char> row(size_t(info.output_width) * 3);
  while (info.output_scanline < info.output_height) {
    const int y = int(info.output_scanline);
    JSAMPROW rows[1] = {row.data()};
    jpeg_read_scanlines(&info, rows, 1);
    for (int x = 0; x < image.width; ++x)
      image.at(x, y) = pixel::Rgba{row[size_t(x) * 3], row[size_t(x) * 3 + 1], row[size_t(x) * 3 + 2], 255};
  }
  jpeg_finish_decompress(&info);
  jpeg_destroy_decompress(&info);
  return image;
}

}  // namespace

pixel::Image jpeg_roundtrip(const pixel::Image& image, int quality) {
  return decode(encode(image, quality));
}

}  // namespace dgxpx::testing
