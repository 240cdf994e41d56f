#include "compiler/pixel/bevy_ron.h"

#include <locale>
#include <sstream>

namespace dgxpx::pixel {

// A RON string literal (Rust's escapes for '"' and '\\'; names hold no control characters).
static std::string ron_string(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

static const GridGeometry& grid_of(const PackedSheet& sheet, const char* what) {
  if (!sheet.grid)
    throw util::InputError("\"" + sheet.name + "\": " + what + " needs a grid sheet");
  return *sheet.grid;
}

std::string bevy_assets_ron(const PackedSheet& sheet, const std::string& image_path) {
  const GridGeometry& g = grid_of(sheet, "a Bevy TextureAtlasLayout");
  std::ostringstream out;
  out.imbue(std::locale::classic());
  out << "({\n"
      << "    " << ron_string(sheet.name + ".image") << ": Image (\n"
      << "        path: " << ron_string(image_path) << ",\n"
      << "        sampler: Nearest,\n"
      << "    ),\n"
      << "    " << ron_string(sheet.name + ".layout") << ": TextureAtlasLayout (\n"
      << "        tile_size_x: " << g.cell_w << ",\n"
      << "        tile_size_y: " << g.cell_h << ",\n"
      << "        columns: " << g.columns << ",\n"
      << "        rows: " << g.rows << ",\n"
      << "        padding_x: " << g.spacing() << ",\n"
      << "        padding_y: " << g.spacing() << ",\n"
      << "        offset_x: " << g.margin() << ",\n"
      << "        offset_y: " << g.margin() << ",\n"
      << "    ),\n"
      << "})\n";
  return out.str();
}

std::string bevy_animations_ron(const PackedSheet& sheet) {
  grid_of(sheet, "a Bevy animation table");
  std::ostringstream out;
  out.imbue(std::locale::classic());
  out << "{\n";
  for (const FrameTag& tag : sheet.tags) {
    const int first = sheet.frames[size_t(tag.from)].cell;
    out << "    " << ron_string(tag.name) << ": (first: " << first
        << ", last: " << sheet.frames[size_t(tag.to)].cell << ", frame_ms: [";
    for (int i = tag.from; i <= tag.to; ++i) {
      if (sheet.frames[size_t(i)].cell != first + (i - tag.from))
        throw util::InputError("\"" + sheet.name + "\": animation \"" + tag.name +
                               "\" does not lie in consecutive cells");
      out << (i > tag.from ? ", " : "") << sheet.frames[size_t(i)].duration_ms;
    }
    out << "], looping: " << (tag.loop ? "true" : "false") << "),\n";
  }
  out << "}\n";
  return out.str();
}

}  // namespace dgxpx::pixel
