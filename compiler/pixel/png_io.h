#pragma once
// PNG reading and writing through libpng (the only libpng user). Output is deterministic:
// the same image and text chunks give the same bytes on every run and machine.
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "compiler/pixel/image.h"

namespace dgxpx::pixel {

/// Decoding limits for untrusted files: larger images are rejected before any allocation.
inline constexpr unsigned kMaxPngSide = 16384;
inline constexpr unsigned long long kMaxPngPixels = 64ull * 1024 * 1024;

/// tEXt chunks, written in the given order.
using PngText = std::vector<std::pair<std::string, std::string>>;

/// Decodes PNG bytes (any bit depth / colour type, interlaced or not) to RGBA8; gamma and
/// colour-space chunks are ignored. 16-bit samples are scaled to 8 bits. `name` is used in errors.
/// Throws util::InputError ("name: not a PNG", "name: truncated PNG", "name: zero-size image",
/// "name: corrupt PNG: ...", or too large for kMaxPngSide / kMaxPngPixels).
Image decode_png(std::string_view bytes, const std::string& name);

/// Reads a PNG file. Throws util::InputError for bad content or a missing file,
/// util::RuntimeFailure for other I/O failures.
Image read_png(const std::filesystem::path& path);

/// Encodes RGBA8 (or RGB8 when every pixel is opaque) with fixed zlib settings (level 9, default
/// strategy, all filters) and no time chunk. Throws std::invalid_argument for an empty image.
std::string encode_png(const Image& image, const PngText& text = {});

/// Writes a PNG atomically (temp + fsync + rename). Throws util::RuntimeFailure on I/O errors.
void write_png(const std::filesystem::path& path, const Image& image, const PngText& text = {});

}  // namespace dgxpx::pixel
