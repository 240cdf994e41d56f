#include "compiler/pixel/frame_consistency.h"

#include <climits>
#include <cmath>
#include <cstdint>

#include <nlohmann/json.hpp>

#include "compiler/util/error.h"

namespace dgxpx::pixel {

using Json = nlohmann::json;

namespace {

std::string size_text(int width, int height) { return std::to_string(width) + "x" + std::to_string(height); }

// A channel as it shows over black: what a transparent pixel's colour contributes is nothing.
double over_black(uint8_t channel, uint8_t alpha) { return double(channel) * alpha / 255.0; }

enum class Kind { object, array, integer, string };

const char* kind_name(Kind kind) {
  switch (kind) {
    case Kind::object: return "an object";
    case Kind::array: return "an array";
    case Kind::integer: return "an integer";
    case Kind::string: return "a string";
  }
  return "";
}

bool holds(const Json& value, Kind kind) {
  switch (kind) {
    case Kind::object: return value.is_object();
    case Kind::array: return value.is_array();
    case Kind::integer: return value.is_number_integer();
    case Kind::string: return value.is_string();
  }
  return false;
}

// A JSON value for "got ..." in errors: scalars as written (shortened), containers by kind.
std::string describe(const Json& value) {
  if (value.is_object()) return "an object";
  if (value.is_array()) return "an array";
  const std::string text = value.dump(-1, ' ', false, Json::error_handler_t::replace);
  return text.size() > 40 ? text.substr(0, 37) + "..." : text;
}

std::string child(const std::string& path, const std::string& key) { return path.empty() ? key : path + "." + key; }

// Typed access to the atlas's keys; every surprise is an InputError naming the file and the
// key's path in it ("frames[3].frame.x").
class AtlasFields {
 public:
  explicit AtlasFields(const std::string& what) : what_(what) {}

  [[noreturn]] void fail(const std::string& path, const std::string& message) const {
    throw util::InputError(util::SourceLocation{what_}, (path.empty() ? "top level" : path) + ": " + message);
  }

  const Json& expect(const Json& value, const std::string& path, Kind kind) const {
    if (!holds(value, kind)) fail(path, util::expected_got(kind_name(kind), describe(value)));
    return value;
  }

  const Json& member(const Json& object, const std::string& path, const std::string& key, Kind kind) const {
    const auto found = object.find(key);
    if (found == object.end()) fail(path, util::expected_got("a key \"" + key + "\"", "none"));
    return expect(*found, child(path, key), kind);
  }

  int integer(const Json& object, const std::string& path, const std::string& key) const {
    const Json& value = member(object, path, key, Kind::integer);
    // nlohmann keeps non-negative integers unsigned: compare in the type it holds.
    const bool fits = value.is_number_unsigned()
                          ? value.get<uint64_t>() <= uint64_t(INT_MAX)
                          : value.get<int64_t>() >= INT_MIN && value.get<int64_t>() <= INT_MAX;
    if (!fits) fail(child(path, key), util::expected_got("an integer that fits 32 bits", describe(value)));
    return value.get<int>();
  }

 private:
  const std::string& what_;
};

struct FrameRect {
  int x = 0, y = 0, w = 0, h = 0;
};

// Each frame's rectangle, checked to lie inside the sheet.
std::vector<FrameRect> frame_rects(const Json& frames, const Image& sheet, const AtlasFields& fields) {
  std::vector<FrameRect> rects;
  for (size_t i = 0; i < frames.size(); ++i) {
    const std::string path = "frames[" + std::to_string(i) + "]";
    const Json& rect_json = fields.member(fields.expect(frames[i], path, Kind::object), path, "frame", Kind::object);
    const std::string rect_path = path + ".frame";
    FrameRect rect{fields.integer(rect_json, rect_path, "x"), fields.integer(rect_json, rect_path, "y"),
                   fields.integer(rect_json, rect_path, "w"), fields.integer(rect_json, rect_path, "h")};
    const bool inside = rect.x >= 0 && rect.y >= 0 && rect.w >= 1 && rect.h >= 1 &&
                        (long long)rect.x + rect.w <= sheet.width && (long long)rect.y + rect.h <= sheet.height;
    if (!inside)
      fields.fail(rect_path, util::expected_got("a non-empty rectangle inside the " +
                                                    size_text(sheet.width, sheet.height) + " sheet",
                                                "x " + std::to_string(rect.x) + ", y " + std::to_string(rect.y) +
                                                    ", w " + std::to_string(rect.w) + ", h " + std::to_string(rect.h)));
    rects.push_back(rect);
  }
  return rects;
}

// mean_frame_difference of two equally sized, non-empty regions, compared in place (frames on a
// sheet need no copying out).
double region_difference(const Image& a, const FrameRect& in_a, const Image& b, const FrameRect& in_b) {
  double sum = 0;
  for (int y = 0; y < in_a.h; ++y)
    for (int x = 0; x < in_a.w; ++x) {
      const Rgba p = a.at(in_a.x + x, in_a.y + y), q = b.at(in_b.x + x, in_b.y + y);
      sum += std::abs(over_black(p.r, p.a) - over_black(q.r, q.a)) +
             std::abs(over_black(p.g, p.a) - over_black(q.g, q.a)) +
             std::abs(over_black(p.b, p.a) - over_black(q.b, q.a));
    }
  return sum / (3.0 * in_a.w * in_a.h);
}

}  // namespace

double mean_frame_difference(const Image& a, const Image& b) {
  if (a.width != b.width || a.height != b.height)
    throw util::InputError("frames of different sizes: " + size_text(a.width, a.height) + " and " +
                           size_text(b.width, b.height));
  if (a.empty()) return 0;
  const FrameRect whole{0, 0, a.width, a.height};
  return region_difference(a, whole, b, whole);
}

std::vector<AnimationConsistency> sheet_consistency(const Image& sheet, const std::string& atlas_json_text,
                                                    const std::string& what) {
  Json atlas;
  try {
    atlas = Json::parse(atlas_json_text);
  } catch (const Json::parse_error& e) {
    throw util::InputError(util::SourceLocation{what}, std::string("not valid JSON: ") + e.what());
  }
  const AtlasFields fields(what);
  fields.expect(atlas, "", Kind::object);
  if (const auto listed = atlas.find("frames"); listed != atlas.end() && listed->is_object())
    fields.fail("frames", "expected an array (the json-array atlas NAME.json, not NAME.hash.json), got an object");
  const Json& frames_json = fields.member(atlas, "", "frames", Kind::array);
  const std::vector<FrameRect> frames = frame_rects(frames_json, sheet, fields);

  const Json& meta = fields.member(atlas, "", "meta", Kind::object);
  const Json& tags = fields.member(meta, "meta", "frameTags", Kind::array);
  std::vector<AnimationConsistency> result;
  for (size_t t = 0; t < tags.size(); ++t) {
    const std::string path = "meta.frameTags[" + std::to_string(t) + "]";
    const Json& tag = fields.expect(tags[t], path, Kind::object);
    const std::string name = fields.member(tag, path, "name", Kind::string).get<std::string>();
    const int from = fields.integer(tag, path, "from"), to = fields.integer(tag, path, "to");
    if (from < 0 || from > to || to >= int(frames.size()))
      fields.fail(path, util::expected_got("0 <= from <= to < " + std::to_string(frames.size()) + " (the frame count)",
                                           "from " + std::to_string(from) + ", to " + std::to_string(to)));
    double sum = 0;
    for (int i = from; i < to; ++i) {
      const FrameRect &current = frames[size_t(i)], &next = frames[size_t(i) + 1];
      if (current.w != next.w || current.h != next.h)
        fields.fail(path, "tag \"" + name + "\": frames " + std::to_string(i) + " and " + std::to_string(i + 1) +
                              " differ in size: " + size_text(current.w, current.h) + " and " +
                              size_text(next.w, next.h));
      sum += region_difference(sheet, current, sheet, next);
    }
    const int count = to - from + 1;
    result.push_back({name, count, count > 1 ? sum / (count - 1) : 0.0});
  }
  return result;
}

}  // namespace dgxpx::pixel
