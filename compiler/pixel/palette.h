#pragma once
// Palettes: the built-in ones (PICO-8, DB16, DB32, Game Boy, NES) and palette files in the formats
// pixel artists use (.hex, GIMP .gpl, JASC .pal, a palette PNG). A palette is plain data.
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/pixel/image.h"

namespace dgxpx::pixel {

/// Most colours a palette may hold; larger files are rejected as not being palettes.
inline constexpr size_t kMaxPaletteColors = 4096;

/// An ordered list of distinct opaque colours (alpha is always 255).
struct Palette {
  std::string name;
  std::vector<Rgba> colors;
};

/// Names accepted by builtin_palette(): "pico-8", "db16", "db32", "gameboy", "nes".
const std::vector<std::string>& builtin_palette_names();

/// The built-in palette called `name` (case-insensitive; "pico8", "game-boy", "gb", "db-32" and
/// similar spellings are accepted), or nullopt.
std::optional<Palette> builtin_palette(std::string_view name);

/// Parses palette text. `format` is "hex", "gpl" or "pal"; `file` names the source in errors.
/// Throws util::InputError{file:line} for a malformed line, an empty palette or too many colours.
Palette parse_palette_text(std::string_view text, std::string_view format, const std::string& file);

/// The distinct opaque colours of an image (alpha >= 128) in scan order. Throws
/// util::InputError naming `file` when there are none or more than kMaxPaletteColors.
Palette palette_from_image(const Image& image, const std::string& file);

/// Loads a palette file, choosing the format by extension (.hex, .gpl, .pal, .png).
/// Throws util::InputError for a missing file, an unknown extension or bad content.
Palette load_palette_file(const std::filesystem::path& path);

/// Parses "#rrggbb" or "rrggbb" (alpha 255); nullopt when malformed.
std::optional<Rgba> parse_hex_color(std::string_view text);

/// The palette as file text that parse_palette_text() reads back: `format` "gpl" (GIMP, with
/// `name`) or "hex" (one rrggbb per line).
std::string format_palette_text(const Palette& palette, std::string_view format, const std::string& name);

/// "#rrggbb" for a colour.
std::string to_hex(Rgba color);

/// The palette's colours as "rrggbb,rrggbb,...": a canonical form for step keys.
std::string canonical_colors(const Palette& palette);

}  // namespace dgxpx::pixel
