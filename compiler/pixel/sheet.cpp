#include "compiler/pixel/sheet.h"

#include <algorithm>

namespace dgxpx::pixel {

static std::string size_text(const Image& image) {
  return std::to_string(image.width) + "x" + std::to_string(image.height);
}

void check_frame_image(const Image& image, const std::string& what,
                       const util::SourceLocation& where) {
  if (image.width <= 0 || image.height <= 0)
    throw util::InputError(where, what + ": " + util::expected_got("a non-empty image",
                                                                   size_text(image)));
  if (image.pixels.size() != size_t(image.width) * size_t(image.height))
    throw util::InputError(where, what + ": pixel buffer holds " +
                                      std::to_string(image.pixels.size()) + " pixels for a " +
                                      size_text(image) + " image");
}

void check_label(const std::string& label, const std::string& what,
                        const util::SourceLocation& where) {
  if (label.empty()) throw util::InputError(where, what + ": expected a non-empty name");
  for (unsigned char c : label)
    if (c < 0x20 || c == 0x7f)
      throw util::InputError(where, what + " \"" + label + "\": expected no control characters");
}

void blit_extruded(Image& dst, const Image& src, int x, int y, int extrude) {
  for (int dy = -extrude; dy < src.height + extrude; ++dy) {
    const int sy = std::clamp(dy, 0, src.height - 1);
    for (int dx = -extrude; dx < src.width + extrude; ++dx) {
      const int sx = std::clamp(dx, 0, src.width - 1);
      dst.at(x + dx, y + dy) = src.at(sx, sy);
    }
  }
}

void check_output_name(const std::string& name, const std::string& what,
                       const util::SourceLocation& where) {
  auto fail = [&](const std::string& why) {
    throw util::InputError(where, what + " \"" + name + "\": " + why);
  };
  if (name.empty()) fail("expected a non-empty name");
  if (name.front() == '/' || name.back() == '/') fail("expected a relative path without a trailing '/'");
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-' || c == '/';
    if (!ok) fail("expected only letters, digits, '.', '_', '-' and '/'");
  }
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = name.find('/', start);
    if (end == std::string::npos) end = name.size();
    const std::string part = name.substr(start, end - start);
    if (part.empty() || part == "." || part == "..")
      fail("expected no empty, '.' or '..' path components");
    start = end + 1;
  }
}

void check_spacing(int padding, int extrude, const std::string& asset,
                   const util::SourceLocation& where) {
  if (padding < 0 || padding > 64)
    throw util::InputError(where, asset + ": padding " +
                                      util::expected_got("0..64", std::to_string(padding)));
  if (extrude < 0 || extrude > 64)
    throw util::InputError(where, asset + ": extrude " +
                                      util::expected_got("0..64", std::to_string(extrude)));
}

void check_sheet_size(long long width, long long height, const std::string& asset,
                      const util::SourceLocation& where) {
  if (width <= 0 || height <= 0 || width > kMaxSheetSide || height > kMaxSheetSide)
    throw util::InputError(
        where, asset + ": sheet size " +
                   util::expected_got("at most " + std::to_string(kMaxSheetSide) + "x" +
                                          std::to_string(kMaxSheetSide),
                                      std::to_string(width) + "x" + std::to_string(height)));
}

}  // namespace dgxpx::pixel
