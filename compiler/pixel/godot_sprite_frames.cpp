#include "compiler/pixel/godot_sprite_frames.h"

#include <charconv>
#include <locale>
#include <numeric>
#include <sstream>

namespace dgxpx::pixel {

std::string godot_real(double value) {
  char buffer[64];
  // std::to_chars: shortest round-trip and independent of the C locale.
  auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  std::string text(buffer, result.ptr);
  if (text.find_first_of(".eEn") == std::string::npos) text += ".0";
  return text;
}

std::string godot_string(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string godot_sprite_frames(const PackedSheet& sheet, const GodotSpriteFramesOptions& options) {
  const std::string texture = options.texture_path.empty() ? sheet.image_file_name
                                                           : options.texture_path;
  // Only frames some animation uses become sub-resources, numbered in sheet order.
  std::vector<int> sub_id(sheet.frames.size(), -1);
  int used = 0;
  for (const FrameTag& tag : sheet.tags)
    for (int i = tag.from; i <= tag.to; ++i)
      if (sub_id[size_t(i)] < 0) sub_id[size_t(i)] = 0;
  for (int& id : sub_id)
    if (id == 0) id = ++used;

  std::ostringstream out;
  out.imbue(std::locale::classic());  // no digit grouping whatever the global locale
  out << "[gd_resource type=\"SpriteFrames\" load_steps=" << used + 2 << " format=3]\n\n";
  out << "[ext_resource type=\"Texture2D\" path=" << godot_string(texture) << " id=\"1_sheet\"]\n\n";
  for (size_t i = 0; i < sheet.frames.size(); ++i) {
    if (sub_id[i] < 0) continue;
    const Rect& r = sheet.frames[i].frame;
    out << "[sub_resource type=\"AtlasTexture\" id=\"AtlasTexture_" << sub_id[i] << "\"]\n"
        << "atlas = ExtResource(\"1_sheet\")\n"
        << "region = Rect2(" << r.x << ", " << r.y << ", " << r.w << ", " << r.h << ")\n"
        << "filter_clip = true\n\n";
  }
  out << "[resource]\nanimations = [";
  for (size_t t = 0; t < sheet.tags.size(); ++t) {
    const FrameTag& tag = sheet.tags[t];
    int step = 0;
    for (int i = tag.from; i <= tag.to; ++i) step = std::gcd(step, sheet.frames[size_t(i)].duration_ms);
    if (step <= 0) step = 100;
    out << (t ? ", {" : "{") << "\n\"frames\": [";
    for (int i = tag.from; i <= tag.to; ++i) {
      out << (i > tag.from ? ", {" : "{") << "\n\"duration\": "
          << godot_real(double(sheet.frames[size_t(i)].duration_ms) / step) << ",\n"
          << "\"texture\": SubResource(\"AtlasTexture_" << sub_id[size_t(i)] << "\")\n}";
    }
    out << "],\n\"loop\": " << (tag.loop ? "true" : "false") << ",\n"
        << "\"name\": &" << godot_string(tag.name) << ",\n"
        << "\"speed\": " << godot_real(1000.0 / step) << "\n}";
  }
  out << "]\n";
  return out.str();
}

}  // namespace dgxpx::pixel
