#include "compiler/pixel/atlas_json.h"

#include <nlohmann/json.hpp>

namespace dgxpx::pixel {

using Json = nlohmann::ordered_json;  // insertion order = the documented key order

#ifndef DGXPX_VERSION
#define DGXPX_VERSION "0"
#endif

std::string atlas_app_version() { return DGXPX_VERSION; }

static Json size_json(int w, int h) { return Json{{"w", w}, {"h", h}}; }

// One frame's fields after `filename`.
static Json frame_json(const PackedFrame& f) {
  Json frame;
  frame["frame"] = Json{{"x", f.frame.x}, {"y", f.frame.y}, {"w", f.frame.w}, {"h", f.frame.h}};
  frame["rotated"] = false;
  frame["trimmed"] = false;
  frame["spriteSourceSize"] = Json{{"x", 0}, {"y", 0}, {"w", f.frame.w}, {"h", f.frame.h}};
  frame["sourceSize"] = size_json(f.frame.w, f.frame.h);
  frame["duration"] = f.duration_ms;
  if (f.cell >= 0) frame["cell"] = f.cell;
  return frame;
}

// tag name -> the keys its frames have in this file (`key_of(frame index)`).
template <typename KeyOf>
static Json animations_json(const PackedSheet& sheet, KeyOf key_of) {
  Json animations = Json::object();
  for (const FrameTag& t : sheet.tags) {
    Json keys = Json::array();
    for (int i = t.from; i <= t.to; ++i) keys.push_back(key_of(i));
    animations[t.name] = std::move(keys);
  }
  return animations;
}

static Json meta_json(const PackedSheet& sheet) {
  Json meta;
  meta["app"] = kAtlasApp;
  meta["version"] = atlas_app_version();
  meta["image"] = sheet.image_file_name;
  meta["format"] = "RGBA8888";
  meta["size"] = size_json(sheet.image.width, sheet.image.height);
  meta["scale"] = "1";
  Json tags = Json::array();
  for (const FrameTag& t : sheet.tags) {
    Json tag;
    tag["name"] = t.name;
    tag["from"] = t.from;
    tag["to"] = t.to;
    tag["direction"] = "forward";
    if (!t.loop) tag["repeat"] = "1";  // Aseprite 1.3's play-once marker
    tags.push_back(std::move(tag));
  }
  meta["frameTags"] = std::move(tags);
  if (const auto& g = sheet.grid)
    meta["grid"] = Json{{"cellWidth", g->cell_w}, {"cellHeight", g->cell_h}, {"columns", g->columns},
                        {"rows", g->rows},        {"padding", g->padding},  {"extrude", g->extrude},
                        {"margin", g->margin()},  {"spacing", g->spacing()}};
  return meta;
}

static std::string dump(const Json& json) {
  // replace: a stray invalid UTF-8 byte in a name must not abort a build.
  return json.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

std::string atlas_json(const PackedSheet& sheet, ArrayFilenames filenames) {
  Json frames = Json::array();
  for (size_t i = 0; i < sheet.frames.size(); ++i) {
    Json frame;
    frame["filename"] = filenames == ArrayFilenames::index ? std::to_string(i) : sheet.frames[i].name;
    frame.update(frame_json(sheet.frames[i]));
    frames.push_back(std::move(frame));
  }
  Json root;
  root["frames"] = std::move(frames);
  if (!sheet.tags.empty())
    root["animations"] = animations_json(sheet, [](int i) { return std::to_string(i); });
  root["meta"] = meta_json(sheet);
  return dump(root);
}

std::string atlas_hash_json(const PackedSheet& sheet) {
  Json frames = Json::object();
  for (const PackedFrame& f : sheet.frames) frames[f.name] = frame_json(f);
  Json root;
  root["frames"] = std::move(frames);
  if (!sheet.tags.empty())
    root["animations"] = animations_json(sheet, [&](int i) { return sheet.frames[size_t(i)].name; });
  root["meta"] = meta_json(sheet);
  return dump(root);
}

}  // namespace dgxpx::pixel
