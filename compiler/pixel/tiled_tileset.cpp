#include "compiler/pixel/tiled_tileset.h"

#include <sstream>

namespace dgxpx::pixel {

static std::string xml_attribute(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string tiled_tileset(const PackedSheet& sheet) {
  if (!sheet.grid)
    throw util::InputError("tileset \"" + sheet.name + "\": a Tiled tileset needs a grid sheet");
  const GridGeometry& g = *sheet.grid;
  std::ostringstream out;
  out.imbue(std::locale::classic());
  // Version 1.8 is the oldest format with everything used here; later Tiled reads it unchanged.
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      << "<tileset version=\"1.8\" name=\"" << xml_attribute(sheet.name) << "\" tilewidth=\""
      << g.cell_w << "\" tileheight=\"" << g.cell_h << "\" spacing=\"" << g.spacing()
      << "\" margin=\"" << g.margin() << "\" tilecount=\"" << g.columns * g.rows
      << "\" columns=\"" << g.columns << "\">\n"
      << " <image source=\"" << xml_attribute(sheet.image_file_name) << "\" width=\""
      << sheet.image.width << "\" height=\"" << sheet.image.height << "\"/>\n";
  for (const FrameTag& tag : sheet.tags)
    for (int i = tag.from; i <= tag.to; ++i)
      out << " <tile id=\"" << sheet.frames[size_t(i)].cell << "\">\n"
          << "  <properties>\n"
          << "   <property name=\"name\" value=\"" << xml_attribute(tag.name) << "\"/>\n"
          << "   <property name=\"variation\" type=\"int\" value=\"" << i - tag.from << "\"/>\n"
          << "  </properties>\n"
          << " </tile>\n";
  out << "</tileset>\n";
  return out.str();
}

}  // namespace dgxpx::pixel
