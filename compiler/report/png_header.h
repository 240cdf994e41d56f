#pragma once
// Reads a PNG's width and height from its IHDR chunk (the first 24 bytes) without decoding it,
// so the report can scale every image by an integer factor.
#include <filesystem>
#include <optional>
#include <string_view>

namespace dgxpx::report {

struct ImageSize {
  int width = 0, height = 0;
};

/// The size in a PNG header; nullopt when the bytes are not a PNG signature + IHDR or the size
/// is 0 or over 2^24 on a side.
std::optional<ImageSize> png_size_from_header(std::string_view bytes);

/// png_size_from_header of the file's first 24 bytes; nullopt when it cannot be read.
std::optional<ImageSize> png_file_size(const std::filesystem::path& path);

}  // namespace dgxpx::report
