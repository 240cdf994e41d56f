#include "compiler/pixel/png_io.h"

#include <png.h>

#include <csetjmp>
#include <cstring>
#include <system_error>

#include "compiler/util/atomic_file.h"
#include "compiler/util/error.h"

namespace dgxpx::pixel {
namespace {

constexpr unsigned char kSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

// libpng reports errors through a callback that must not return; we record the message and
// longjmp back to decode_png/encode_png, which turn it into a C++ exception in their own frame.
struct IoState {
  const char* data = nullptr;
  size_t size = 0;
  size_t pos = 0;
  bool truncated = false;
  std::string* out = nullptr;  // encoder output
  char message[256] = {0};
};

void on_error(png_structp png, png_const_charp message) {
  auto* state = static_cast<IoState*>(png_get_error_ptr(png));
  std::snprintf(state->message, sizeof state->message, "%s", message ? message : "unknown error");
  png_longjmp(png, 1);
}

void on_warning(png_structp, png_const_charp) {}  // ancillary-chunk problems are not fatal

void read_from_memory(png_structp png, png_bytep dest, png_size_t length) {
  auto* state = static_cast<IoState*>(png_get_io_ptr(png));
  if (length > state->size - state->pos) {
    state->truncated = true;
    png_error(png, "unexpected end of data");
  }
  std::memcpy(dest, state->data + state->pos, length);
  state->pos += length;
}

void write_to_string(png_structp png, png_bytep src, png_size_t length) {
  auto* state = static_cast<IoState*>(png_get_io_ptr(png));
  state->out->append(reinterpret_cast<const char*>(src), length);
}

void flush_nothing(png_structp) {}

uint32_t read_be32(const char* p) {
  auto b = reinterpret_cast<const unsigned char*>(p);
  return (uint32_t(b[0]) << 24) | (uint32_t(b[1]) << 16) | (uint32_t(b[2]) << 8) | uint32_t(b[3]);
}

// Everything libpng may longjmp out of, kept out of decode_png's frame so no local there is
// modified between setjmp and longjmp.
[[gnu::noinline]] void read_body(png_structp png, png_infop info, IoState* state, Image& image,
                                 std::vector<png_bytep>& rows) {
  png_set_user_limits(png, kMaxPngSide, kMaxPngSide);
  png_set_read_fn(png, state, read_from_memory);
  png_read_info(png, info);

  const png_uint_32 width = png_get_image_width(png, info);
  const png_uint_32 height = png_get_image_height(png, info);
  const int color_type = png_get_color_type(png, info);
  const int bit_depth = png_get_bit_depth(png, info);
  // Normalise every format to 8-bit RGBA.
  if (bit_depth == 16) png_set_scale_16(png);
  if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
  if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
  if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
  if (color_type == PNG_COLOR_TYPE_GRAY || color_type == PNG_COLOR_TYPE_GRAY_ALPHA)
    png_set_gray_to_rgb(png);
  png_set_filler(png, 0xff, PNG_FILLER_AFTER);  // no-op when there already is alpha
  png_set_interlace_handling(png);
  png_read_update_info(png, info);
  if (png_get_rowbytes(png, info) != size_t(width) * 4) png_error(png, "unexpected row layout");

  image.width = int(width);
  image.height = int(height);
  image.pixels.resize(size_t(width) * height);
  rows.resize(height);
  for (png_uint_32 y = 0; y < height; ++y)
    rows[y] = reinterpret_cast<png_bytep>(image.pixels.data() + size_t(y) * width);
  png_read_image(png, rows.data());
  png_read_end(png, nullptr);
}

[[gnu::noinline]] void write_body(png_structp png, png_infop info, IoState* state, int width,
                                  int height, bool opaque, std::vector<png_bytep>& rows,
                                  std::vector<png_text>& chunks) {
  png_set_write_fn(png, state, write_to_string, flush_nothing);
  // Fixed settings: the bytes depend only on the pixels, the text and the libpng/zlib build.
  png_set_compression_level(png, 9);
  png_set_compression_strategy(png, 0 /* Z_DEFAULT_STRATEGY */);
  png_set_compression_mem_level(png, 8);
  png_set_compression_window_bits(png, 15);
  png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_ALL_FILTERS);
  png_set_IHDR(png, info, png_uint_32(width), png_uint_32(height), 8,
               opaque ? PNG_COLOR_TYPE_RGB : PNG_COLOR_TYPE_RGB_ALPHA, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_BASE, PNG_FILTER_TYPE_BASE);
  if (!chunks.empty()) png_set_text(png, info, chunks.data(), int(chunks.size()));
  png_set_rows(png, info, rows.data());
  png_write_png(png, info, PNG_TRANSFORM_IDENTITY, nullptr);
}

}  // namespace

Image decode_png(std::string_view bytes, const std::string& name) {
  using util::InputError;
  if (bytes.size() < 8 || std::memcmp(bytes.data(), kSignature, 8) != 0)
    throw InputError(util::SourceLocation{name}, "not a PNG (bad signature)");
  // IHDR is always the first chunk: length(4) "IHDR"(4) width(4) height(4) ...
  if (bytes.size() < 8 + 8 + 8) throw InputError(util::SourceLocation{name}, "truncated PNG");
  if (std::memcmp(bytes.data() + 12, "IHDR", 4) != 0)
    throw InputError(util::SourceLocation{name}, "not a PNG (first chunk is not IHDR)");
  const uint32_t header_width = read_be32(bytes.data() + 16);
  const uint32_t header_height = read_be32(bytes.data() + 20);
  if (header_width == 0 || header_height == 0)
    throw InputError(util::SourceLocation{name},
                     "zero-size image (" + std::to_string(header_width) + "x" +
                         std::to_string(header_height) + ")");
  if (header_width > kMaxPngSide || header_height > kMaxPngSide ||
      uint64_t(header_width) * header_height > kMaxPngPixels)
    throw InputError(util::SourceLocation{name},
                     util::expected_got("an image of at most " + std::to_string(kMaxPngSide) +
                                            " pixels a side and " + std::to_string(kMaxPngPixels) +
                                            " pixels",
                                        std::to_string(header_width) + "x" +
                                            std::to_string(header_height)));

  IoState state;
  state.data = bytes.data();
  state.size = bytes.size();
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &state, on_error, on_warning);
  if (!png) throw util::RuntimeFailure("libpng: cannot create read struct");
  png_infop info = png_create_info_struct(png);
  if (!info) {
    png_destroy_read_struct(&png, nullptr, nullptr);
    throw util::RuntimeFailure("libpng: cannot create info struct");
  }
  // Everything that lives across setjmp is created before it (no destructor is skipped).
  Image image;
  std::vector<png_bytep> rows;
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_read_struct(&png, &info, nullptr);
    if (state.truncated) throw InputError(util::SourceLocation{name}, "truncated PNG");
    throw InputError(util::SourceLocation{name}, std::string("corrupt PNG: ") + state.message);
  }
  read_body(png, info, &state, image, rows);
  png_destroy_read_struct(&png, &info, nullptr);
  return image;
}

Image read_png(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    throw util::InputError(util::SourceLocation{path.string()}, "no such file");
  const std::string bytes = util::read_file_or_throw(path);
  return decode_png(bytes, path.string());
}

std::string encode_png(const Image& image, const PngText& text) {
  if (image.empty() || image.pixels.size() != size_t(image.width) * image.height)
    throw std::invalid_argument("encode_png: image is empty or inconsistent");
  bool opaque = true;
  for (const Rgba& p : image.pixels) opaque = opaque && p.a == 255;

  // Pack rows up front so nothing is allocated between setjmp and longjmp.
  const int channels = opaque ? 3 : 4;
  const size_t row_bytes = size_t(image.width) * channels;
  std::vector<unsigned char> packed(row_bytes * image.height);
  for (size_t i = 0, o = 0; i < image.pixels.size(); ++i) {
    const Rgba& p = image.pixels[i];
    packed[o++] = p.r;
    packed[o++] = p.g;
    packed[o++] = p.b;
    if (!opaque) packed[o++] = p.a;
  }
  std::vector<png_bytep> rows(image.height);
  for (int y = 0; y < image.height; ++y) rows[y] = packed.data() + size_t(y) * row_bytes;
  std::vector<png_text> chunks(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    chunks[i].compression = PNG_TEXT_COMPRESSION_NONE;
    chunks[i].key = const_cast<char*>(text[i].first.c_str());
    chunks[i].text = const_cast<char*>(text[i].second.c_str());
    chunks[i].text_length = text[i].second.size();
  }

  std::string out;
  IoState state;
  state.out = &out;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &state, on_error, on_warning);
  if (!png) throw util::RuntimeFailure("libpng: cannot create write struct");
  png_infop info = png_create_info_struct(png);
  if (!info) {
    png_destroy_write_struct(&png, nullptr);
    throw util::RuntimeFailure("libpng: cannot create info struct");
  }
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    throw util::RuntimeFailure(std::string("libpng: cannot encode: ") + state.message);
  }
  write_body(png, info, &state, image.width, image.height, opaque, rows, chunks);
  png_destroy_write_struct(&png, &info);
  return out;
}

void write_png(const std::filesystem::path& path, const Image& image, const PngText& text) {
  util::write_file_atomic(path, encode_png(image, text));
}

}  // namespace dgxpx::pixel
