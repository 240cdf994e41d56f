#include "compiler/pixel/atlas_json.h"

#include <nlohmann/json.hpp>

namespace dgxpx::pixel {

using Json = nlohmann::ordered_json;  // insertion order = the documented key order

#ifndef DGXPX_VERSION
#define DGXPX_VERSION "0"
#endif

std::string atlas_app_version() { return DGXPX_VERSION; }

static Json size_json(int w, int h) { return Json{{"w", w}, {"h", h}}; }

static Json frames_json(const PackedSheet& sheet) {
  Json frames = Json::array();
  for (const PackedFrame& f : sheet.frames) {
    Json frame;
    frame["filename"] = f.name;
    frame["frame"] = Json{{"x", f.frame.x}, {"y", f.frame.y}, {"w", f.frame.w}, {"h", f.frame.h}};
    frame["rotated"] = false;
    frame["trimmed"] = false;
    frame["spriteSourceSize"] = Json{{"x", 0}, {"y", 0}, {"w", f.frame.w}, {"h", f.frame.h}};
    frame["sourceSize"] = size_json(f.frame.w, f.frame.h);
    frame["duration"] = f.duration_ms;
    frames.push_back(std::move(frame));
  }
  return frames;
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
  return meta;
}

static std::string dump(const Json& json) {
  // replace: a stray invalid UTF-8 byte in a name must not abort a build.
  return json.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

std::string atlas_json(const PackedSheet& sheet) {
  Json root;
  root["frames"] = frames_json(sheet);
  root["meta"] = meta_json(sheet);
  return dump(root);
}

std::string tileset_json(const PackedTileset& tileset) {
  const PackedSheet& sheet = tileset.sheet;
  const GridGeometry& grid = tileset.grid;
  Json tiles = Json::array();
  for (const FrameTag& t : sheet.tags) {
    Json variations = Json::array();
    for (int i = t.from; i <= t.to; ++i) {
      const Rect& r = sheet.frames[size_t(i)].frame;
      const int column = (r.x - grid.margin()) / grid.pitch_x();
      const int row = (r.y - grid.margin()) / grid.pitch_y();
      Json v;
      v["frame"] = sheet.frames[size_t(i)].name;
      v["index"] = i;
      v["column"] = column;
      v["row"] = row;
      v["id"] = row * grid.columns + column;
      variations.push_back(std::move(v));
    }
    tiles.push_back(Json{{"name", t.name}, {"variations", std::move(variations)}});
  }
  Json meta = meta_json(sheet);
  meta["grid"] = Json{{"tileWidth", grid.cell_w}, {"tileHeight", grid.cell_h},
                      {"columns", grid.columns},  {"rows", grid.rows},
                      {"margin", grid.margin()},  {"spacing", grid.spacing()}};
  Json root;
  root["frames"] = frames_json(sheet);
  root["tiles"] = std::move(tiles);
  root["meta"] = std::move(meta);
  return dump(root);
}

}  // namespace dgxpx::pixel
