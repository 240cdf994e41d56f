#include "compiler/pixel/palette.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <unordered_set>

#include "compiler/pixel/png_io.h"
#include "compiler/util/error.h"

namespace dgxpx::pixel {
namespace {

using util::InputError;
using util::SourceLocation;

struct BuiltinSpec {
  const char* name;
  const char* colors;  // "rrggbb rrggbb ..."
};

// Colour values as published by their authors (PICO-8 fantasy console, DawnBringer's DB16 and
// DB32, the original Game Boy DMG greens, and the common 2C02 NES rendition without duplicates).
constexpr BuiltinSpec kBuiltins[] = {
    {"pico-8",
     "000000 1d2b53 7e2553 008751 ab5236 5f574f c2c3c7 fff1e8 ff004d ffa300 ffec27 00e436 29adff "
     "83769c ff77a8 ffccaa"},
    {"db16",
     "140c1c 442434 30346d 4e4a4e 854c30 346524 d04648 757161 597dce d27d2c 8595a1 6daa2c d2aa99 "
     "6dc2ca dad45e deeed6"},
    {"db32",
     "000000 222034 45283c 663931 8f563b df7126 d9a066 eec39a fbf236 99e550 6abe30 37946e 4b692f "
     "524b24 323c39 3f3f74 306082 5b6ee1 639bff 5fcde4 cbdbfc ffffff 9badb7 847e87 696a6a 595652 "
     "76428a ac3232 d95763 d77bba 8f974a 8a6f30"},
    {"gameboy", "0f380f 306230 8bac0f 9bbc0f"},
    {"nes",
     "7c7c7c 0000fc 0000bc 4428bc 940084 a80020 a81000 881400 503000 007800 006800 005800 004058 "
     "000000 bcbcbc 0078f8 0058f8 6844fc d800cc e40058 f83800 e45c10 ac7c00 00b800 00a800 00a844 "
     "008888 f8f8f8 3cbcfc 6888fc 9878f8 f878f8 f85898 f87858 fca044 f8b800 b8f818 58d854 58f898 "
     "00e8d8 787878 fcfcfc a4e4fc b8b8f8 d8b8f8 f8b8f8 f8a4c0 f0d0b0 fce0a8 f8d878 d8f878 b8f8b8 "
     "b8f8d8 00fcfc f8d8f8"},
};

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = char(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// "PICO_8", "Pico8", "game boy" -> "pico8", "gameboy": spelling-insensitive lookup key.
std::string squash(std::string_view text) {
  std::string out;
  for (char c : text)
    if (std::isalnum(static_cast<unsigned char>(c)))
      out += char(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Collects colours, dropping repeats (palette files often repeat black), bounded in size.
class PaletteBuilder {
 public:
  explicit PaletteBuilder(std::string file) : file_(std::move(file)) {}
  void add(Rgba color, int line) {
    color.a = 255;
    const uint32_t key = (uint32_t(color.r) << 16) | (uint32_t(color.g) << 8) | color.b;
    if (!seen_.insert(key).second) return;
    if (palette_.colors.size() >= kMaxPaletteColors)
      throw InputError(SourceLocation{file_, line},
                       "palette has more than " + std::to_string(kMaxPaletteColors) + " colours");
    palette_.colors.push_back(color);
  }
  Palette finish(std::string name) {
    if (palette_.colors.empty()) throw InputError(SourceLocation{file_}, "palette has no colours");
    palette_.name = std::move(name);
    return std::move(palette_);
  }

 private:
  std::string file_;
  Palette palette_;
  std::unordered_set<uint32_t> seen_;
};

// Splits into lines (LF or CRLF), numbering from 1; a UTF-8 byte-order mark is dropped.
std::vector<std::string_view> split_lines(std::string_view text) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    if (end == text.size()) break;
    start = end + 1;
  }
  return lines;
}

// Reads up to `max` whitespace-separated integers in 0..255 from the start of `line`; the rest of
// the line (a colour name in .gpl) is ignored. Returns how many were read.
int read_channels(std::string_view line, int* values, int max) {
  int count = 0;
  size_t i = 0;
  while (count < max) {
    while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
    if (i >= line.size() || !std::isdigit(static_cast<unsigned char>(line[i]))) break;
    int value = 0;
    size_t digits = 0;
    while (i < line.size() && std::isdigit(static_cast<unsigned char>(line[i]))) {
      value = value * 10 + (line[i] - '0');
      if (++digits > 3) return -1;
      ++i;
    }
    if (value > 255) return -1;
    if (i < line.size() && !std::isspace(static_cast<unsigned char>(line[i]))) return -1;
    values[count++] = value;
  }
  return count;
}

std::string shown(std::string_view text) {
  constexpr size_t kMax = 60;
  std::string head(text.substr(0, kMax));
  if (text.size() > kMax) head += "...";
  return "'" + head + "'";
}

Palette parse_hex(std::string_view text, const std::string& file, const std::string& name) {
  PaletteBuilder builder(file);
  const auto lines = split_lines(text);
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string_view line = trim(lines[i]);
    if (line.empty() || line.front() == ';') continue;
    auto color = parse_hex_color(line);
    if (!color)
      throw InputError(SourceLocation{file, int(i + 1)},
                       util::expected_got("a colour as 6 hex digits (rrggbb)", shown(line)));
    builder.add(*color, int(i + 1));
  }
  return builder.finish(name);
}

Palette parse_gpl(std::string_view text, const std::string& file, const std::string& name) {
  PaletteBuilder builder(file);
  const auto lines = split_lines(text);
  if (lines.empty() || trim(lines[0]) != "GIMP Palette")
    throw InputError(SourceLocation{file, 1},
                     util::expected_got("'GIMP Palette'", shown(lines.empty() ? "" : lines[0])));
  for (size_t i = 1; i < lines.size(); ++i) {
    const std::string_view line = trim(lines[i]);
    if (line.empty() || line.front() == '#' || line.substr(0, 5) == "Name:" ||
        line.substr(0, 8) == "Columns:")
      continue;
    int rgb[3];
    if (read_channels(line, rgb, 3) != 3)
      throw InputError(SourceLocation{file, int(i + 1)},
                       util::expected_got("'R G B [name]' with values 0-255", shown(line)));
    builder.add(Rgba{uint8_t(rgb[0]), uint8_t(rgb[1]), uint8_t(rgb[2]), 255}, int(i + 1));
  }
  return builder.finish(name);
}

Palette parse_jasc(std::string_view text, const std::string& file, const std::string& name) {
  PaletteBuilder builder(file);
  const auto lines = split_lines(text);
  auto line_at = [&](size_t i) { return i < lines.size() ? trim(lines[i]) : std::string_view(); };
  if (line_at(0) != "JASC-PAL")
    throw InputError(SourceLocation{file, 1}, util::expected_got("'JASC-PAL'", shown(line_at(0))));
  if (line_at(1) != "0100")
    throw InputError(SourceLocation{file, 2}, util::expected_got("version '0100'", shown(line_at(1))));
  // The count may exceed 255, so it is parsed without read_channels' byte range.
  const std::string_view count_text = line_at(2);
  int declared = count_text.empty() ? -1 : 0;
  for (char c : count_text) {
    if (!std::isdigit(static_cast<unsigned char>(c)) || declared > int(kMaxPaletteColors)) {
      declared = -1;
      break;
    }
    declared = declared * 10 + (c - '0');
  }
  if (declared <= 0 || declared > int(kMaxPaletteColors))
    throw InputError(SourceLocation{file, 3},
                     util::expected_got("a colour count between 1 and " +
                                            std::to_string(kMaxPaletteColors),
                                        shown(count_text)));
  int seen = 0;
  for (size_t i = 3; i < lines.size(); ++i) {
    const std::string_view line = trim(lines[i]);
    if (line.empty()) continue;
    int rgba[4];
    const int n = read_channels(line, rgba, 4);
    // Some tools append an alpha column; anything else after R G B is an error.
    if ((n != 3 && n != 4) || line.find_first_not_of("0123456789 \t") != std::string_view::npos)
      throw InputError(SourceLocation{file, int(i + 1)},
                       util::expected_got("'R G B' with values 0-255", shown(line)));
    if (++seen > declared)
      throw InputError(SourceLocation{file, int(i + 1)},
                       "more colours than the declared " + std::to_string(declared));
    builder.add(Rgba{uint8_t(rgba[0]), uint8_t(rgba[1]), uint8_t(rgba[2]), 255}, int(i + 1));
  }
  if (seen != declared)
    throw InputError(SourceLocation{file, int(lines.size())},
                     util::expected_got(std::to_string(declared) + " colours (the declared count)",
                                        std::to_string(seen)));
  return builder.finish(name);
}

}  // namespace

const std::vector<std::string>& builtin_palette_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& spec : kBuiltins) out.emplace_back(spec.name);
    return out;
  }();
  return names;
}

std::optional<Palette> builtin_palette(std::string_view name) {
  std::string key = squash(name);
  if (key == "gb" || key == "dmg" || key == "gameboy4") key = "gameboy";
  for (const auto& spec : kBuiltins) {
    if (squash(spec.name) != key) continue;
    Palette palette;
    palette.name = spec.name;
    std::string_view list = spec.colors;
    while (!list.empty()) {
      const size_t space = list.find(' ');
      palette.colors.push_back(*parse_hex_color(list.substr(0, space)));
      list = space == std::string_view::npos ? std::string_view() : list.substr(space + 1);
    }
    return palette;
  }
  return std::nullopt;
}

Palette parse_palette_text(std::string_view text, std::string_view format, const std::string& file) {
  const std::string name = std::filesystem::path(file).stem().string();
  if (format == "hex") return parse_hex(text, file, name);
  if (format == "gpl") return parse_gpl(text, file, name);
  if (format == "pal") return parse_jasc(text, file, name);
  throw InputError(SourceLocation{file},
                   util::expected_got("palette format hex, gpl or pal", shown(format)));
}

Palette palette_from_image(const Image& image, const std::string& file) {
  PaletteBuilder builder(file);
  for (const Rgba& p : image.pixels)
    if (p.a >= 128) builder.add(p, 0);
  return builder.finish(std::filesystem::path(file).stem().string());
}

Palette load_palette_file(const std::filesystem::path& path) {
  const std::string file = path.string();
  const std::string ext = lower(path.extension().string());
  if (ext != ".hex" && ext != ".gpl" && ext != ".pal" && ext != ".png")
    throw InputError(SourceLocation{file},
                     util::expected_got("a palette file (.hex, .gpl, .pal or .png)",
                                        "extension " + shown(ext)));
  if (ext == ".png") return palette_from_image(read_png(path), file);
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw InputError(SourceLocation{file}, "no such file");
  std::FILE* f = std::fopen(file.c_str(), "rb");
  if (!f) throw util::RuntimeFailure(file + ": cannot open");
  std::string text;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, f)) > 0) {
    text.append(buffer, n);
    if (text.size() > (1u << 20)) {
      std::fclose(f);
      throw InputError(SourceLocation{file}, "palette file is larger than 1 MiB");
    }
  }
  std::fclose(f);
  return parse_palette_text(text, ext.substr(1), file);
}

std::optional<Rgba> parse_hex_color(std::string_view text) {
  if (!text.empty() && text.front() == '#') text.remove_prefix(1);
  if (text.size() != 6) return std::nullopt;
  int v[6];
  for (int i = 0; i < 6; ++i)
    if ((v[i] = hex_digit(text[i])) < 0) return std::nullopt;
  return Rgba{uint8_t(v[0] * 16 + v[1]), uint8_t(v[2] * 16 + v[3]), uint8_t(v[4] * 16 + v[5]), 255};
}

std::string to_hex(Rgba color) {
  char out[8];
  std::snprintf(out, sizeof out, "#%02x%02x%02x", color.r, color.g, color.b);
  return out;
}

std::string format_palette_text(const Palette& palette, std::string_view format, const std::string& name) {
  const bool gpl = format == "gpl";
  std::string text = gpl ? "GIMP Palette\nName: " + name + "\nColumns: 8\n#\n" : "";
  for (const Rgba& c : palette.colors) {
    if (gpl) {
      char rgb[16];
      std::snprintf(rgb, sizeof rgb, "%3d %3d %3d\t", c.r, c.g, c.b);
      text += rgb;
    }
    text += to_hex(c).substr(1) + "\n";
  }
  return text;
}

std::string canonical_colors(const Palette& palette) {
  std::string out;
  for (size_t i = 0; i < palette.colors.size(); ++i) {
    if (i) out += ',';
    out += to_hex(palette.colors[i]).substr(1);
  }
  return out;
}

}  // namespace dgxpx::pixel
