#include "compiler/report/png_header.h"

#include <cstdint>
#include <fstream>

namespace dgxpx::report {

static uint32_t big_endian_u32(std::string_view bytes, size_t at) {
  return (uint32_t(uint8_t(bytes[at])) << 24) | (uint32_t(uint8_t(bytes[at + 1])) << 16) |
         (uint32_t(uint8_t(bytes[at + 2])) << 8) | uint32_t(uint8_t(bytes[at + 3]));
}

std::optional<ImageSize> png_size_from_header(std::string_view bytes) {
  static constexpr std::string_view kSignature("\x89PNG\r\n\x1a\n", 8);
  // signature (8) | IHDR length (4) = 13 | "IHDR" (4) | width (4) | height (4)
  if (bytes.size() < 24 || bytes.substr(0, 8) != kSignature) return std::nullopt;
  if (big_endian_u32(bytes, 8) != 13 || bytes.substr(12, 4) != "IHDR") return std::nullopt;
  const uint32_t w = big_endian_u32(bytes, 16), h = big_endian_u32(bytes, 20);
  if (w == 0 || h == 0 || w > (1u << 24) || h > (1u << 24)) return std::nullopt;
  return ImageSize{int(w), int(h)};
}

std::optional<ImageSize> png_file_size(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  char header[24];
  in.read(header, sizeof header);
  if (in.gcount() != std::streamsize(sizeof header)) return std::nullopt;
  return png_size_from_header(std::string_view(header, sizeof header));
}

}  // namespace dgxpx::report
