#include <catch2/catch.hpp>

#include <cstdlib>
#include <functional>

#include <nlohmann/json.hpp>

#include "compiler/pixel/frame_consistency.h"
#include "compiler/util/error.h"

using namespace dgxpx;
using pixel::Image;
using pixel::Rgba;
using Json = nlohmann::json;

namespace {

// A frame whose pixels all differ, so a comparison that skips or misplaces pixels shows.
Image varied_frame(int w, int h) {
  Image image(w, h);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      image.at(x, y) = Rgba{uint8_t(17 * x + 3 * y), uint8_t(40 + 11 * y), uint8_t(200 - 5 * x), uint8_t(255 - 9 * x)};
  return image;
}

// Three 4x2 frames side by side on a 12x2 sheet, each one colour.
const Rgba kStripColours[3] = {{10, 20, 30, 255}, {40, 20, 30, 255}, {40, 80, 30, 255}};

Image strip_sheet() {
  Image sheet(12, 2);
  for (int y = 0; y < 2; ++y)
    for (int x = 0; x < 12; ++x) sheet.at(x, y) = kStripColours[x / 4];
  return sheet;
}

// The json-array layout atlas_json writes, reduced to the keys sheet_consistency reads.
Json strip_atlas() {
  Json frames = Json::array();
  for (int i = 0; i < 3; ++i)
    frames.push_back({{"filename", std::to_string(i)}, {"frame", {{"x", 4 * i}, {"y", 0}, {"w", 4}, {"h", 2}}}});
  Json tags = Json::array({{{"name", "walk/down"}, {"from", 0}, {"to", 2}, {"direction", "forward"}},
                           {{"name", "idle/down"}, {"from", 1}, {"to", 1}, {"direction", "forward"}}});
  return {{"frames", frames}, {"meta", {{"app", "dgxpx"}, {"frameTags", tags}}}};
}

// The mean over R, G, B of |a - b| for two opaque colours.
double opaque_difference(Rgba a, Rgba b) {
  return (std::abs(a.r - b.r) + std::abs(a.g - b.g) + std::abs(a.b - b.b)) / 3.0;
}

std::string consistency_error(const std::string& atlas_text) {
  try {
    pixel::sheet_consistency(strip_sheet(), atlas_text, "art/hero.json");
  } catch (const util::InputError& e) {
    return e.what();
  }
  return "no error";
}

std::string consistency_error(const std::function<void(Json&)>& break_atlas) {
  Json atlas = strip_atlas();
  break_atlas(atlas);
  return consistency_error(atlas.dump());
}

}  // namespace

TEST_CASE("mean_frame_difference of a frame with itself is 0", "[pixel][frame_consistency]") {
  const Image frame = varied_frame(5, 4);
  CHECK(pixel::mean_frame_difference(frame, frame) == 0.0);
  CHECK(pixel::mean_frame_difference(Image(), Image()) == 0.0);
}

TEST_CASE("mean_frame_difference averages per-channel differences over all pixels", "[pixel][frame_consistency]") {
  const int w = 6, h = 3;
  Image a(w, h), b(w, h);
  long long total_difference = 0;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const int dr = x * 7, dg = -(y * 13), db = (x + y) % 4;  // differences of both signs, some 0
      a.at(x, y) = Rgba{uint8_t(100), uint8_t(100), uint8_t(100), 255};
      b.at(x, y) = Rgba{uint8_t(100 + dr), uint8_t(100 + dg), uint8_t(100 + db), 255};
      total_difference += std::abs(dr) + std::abs(dg) + std::abs(db);
    }
  const double expected = double(total_difference) / (3.0 * w * h);
  CHECK(pixel::mean_frame_difference(a, b) == Approx(expected));
  CHECK(pixel::mean_frame_difference(b, a) == Approx(expected));
}

TEST_CASE("mean_frame_difference composites each pixel over black by its alpha", "[pixel][frame_consistency]") {
  const Rgba colour{60, 90, 150, 255};
  auto one_pixel = [](Rgba p) { return Image(1, 1, p); };
  const Rgba black{0, 0, 0, 255};

  // Transparent pixels are black whatever colour they hold.
  CHECK(pixel::mean_frame_difference(one_pixel({255, 0, 9, 0}), one_pixel({1, 200, 0, 0})) == 0.0);
  CHECK(pixel::mean_frame_difference(one_pixel({255, 0, 9, 0}), one_pixel(black)) == 0.0);
  // Opaque against transparent: the colour's own distance from black.
  CHECK(pixel::mean_frame_difference(one_pixel(colour), one_pixel({colour.r, colour.g, colour.b, 0})) ==
        Approx(opaque_difference(colour, black)));
  // Half alpha shows the colour scaled by alpha / 255.
  const uint8_t alpha = 128;
  const double scaled = opaque_difference(colour, black) * alpha / 255.0;
  CHECK(pixel::mean_frame_difference(one_pixel({colour.r, colour.g, colour.b, alpha}), one_pixel(black)) ==
        Approx(scaled));
  CHECK(pixel::mean_frame_difference(one_pixel({colour.r, colour.g, colour.b, alpha}), one_pixel(colour)) ==
        Approx(opaque_difference(colour, black) - scaled));
}

TEST_CASE("mean_frame_difference rejects frames of different sizes, naming both", "[pixel][frame_consistency]") {
  CHECK_THROWS_AS(pixel::mean_frame_difference(Image(4, 3), Image(3, 4)), util::InputError);
  CHECK_THROWS_WITH(pixel::mean_frame_difference(Image(4, 3), Image(3, 4)),
                    Catch::Contains("4x3") && Catch::Contains("3x4"));
}

TEST_CASE("sheet_consistency averages consecutive differences per tag", "[pixel][frame_consistency]") {
  const auto result = pixel::sheet_consistency(strip_sheet(), strip_atlas().dump(2), "hero.json");
  REQUIRE(result.size() == 2);
  CHECK(result[0].tag == "walk/down");
  CHECK(result[0].frames == 3);
  const double expected = (opaque_difference(kStripColours[0], kStripColours[1]) +
                           opaque_difference(kStripColours[1], kStripColours[2])) / 2;
  CHECK(result[0].mean_consecutive_difference == Approx(expected));
  // One frame: listed, nothing to compare.
  CHECK(result[1].tag == "idle/down");
  CHECK(result[1].frames == 1);
  CHECK(result[1].mean_consecutive_difference == 0.0);
}

TEST_CASE("sheet_consistency of an atlas with no tags is empty", "[pixel][frame_consistency]") {
  Json atlas = strip_atlas();
  atlas["meta"]["frameTags"] = Json::array();
  CHECK(pixel::sheet_consistency(strip_sheet(), atlas.dump(), "hero.json").empty());
}

TEST_CASE("sheet_consistency rejects malformed atlases, naming the file and the key", "[pixel][frame_consistency]") {
  auto rejects = [](const std::string& message, const std::string& expected_part) {
    INFO(message);
    CHECK_THAT(message, Catch::Contains("art/hero.json") && Catch::Contains(expected_part));
  };
  rejects(consistency_error("{\"frames\": ["), "not valid JSON");
  rejects(consistency_error(""), "not valid JSON");
  rejects(consistency_error("[1, 2]"), "top level: expected an object, got an array");
  rejects(consistency_error([](Json& a) { a.erase("frames"); }), "expected a key \"frames\", got none");
  rejects(consistency_error([](Json& a) { a["frames"] = Json::object({{"0", a["frames"][0]}}); }),
          "frames: expected an array (the json-array atlas");
  rejects(consistency_error([](Json& a) { a["frames"][1] = 7; }), "frames[1]: expected an object, got 7");
  rejects(consistency_error([](Json& a) { a["frames"][1].erase("frame"); }),
          "frames[1]: expected a key \"frame\", got none");
  rejects(consistency_error([](Json& a) { a["frames"][1]["frame"].erase("h"); }),
          "frames[1].frame: expected a key \"h\", got none");
  rejects(consistency_error([](Json& a) { a["frames"][2]["frame"]["x"] = "8"; }),
          "frames[2].frame.x: expected an integer, got \"8\"");
  rejects(consistency_error([](Json& a) { a["frames"][2]["frame"]["x"] = 8.5; }),
          "frames[2].frame.x: expected an integer, got 8.5");
  rejects(consistency_error([](Json& a) { a["frames"][2]["frame"]["x"] = 4294967304ll; }),
          "frames[2].frame.x: expected an integer that fits 32 bits, got 4294967304");
  rejects(consistency_error([](Json& a) { a["frames"][2]["frame"]["x"] = 9; }),
          "frames[2].frame: expected a non-empty rectangle inside the 12x2 sheet, got x 9, y 0, w 4, h 2");
  rejects(consistency_error([](Json& a) { a["frames"][0]["frame"]["y"] = -1; }), "inside the 12x2 sheet, got x 0, y -1");
  rejects(consistency_error([](Json& a) { a["frames"][0]["frame"]["w"] = 0; }), "non-empty rectangle");
  rejects(consistency_error([](Json& a) { a.erase("meta"); }), "top level: expected a key \"meta\", got none");
  rejects(consistency_error([](Json& a) { a["meta"].erase("frameTags"); }),
          "meta: expected a key \"frameTags\", got none");
  rejects(consistency_error([](Json& a) { a["meta"]["frameTags"][0].erase("name"); }),
          "meta.frameTags[0]: expected a key \"name\", got none");
  rejects(consistency_error([](Json& a) { a["meta"]["frameTags"][0]["name"] = 3; }),
          "meta.frameTags[0].name: expected a string, got 3");
  rejects(consistency_error([](Json& a) { a["meta"]["frameTags"][0]["from"] = 2, a["meta"]["frameTags"][0]["to"] = 1; }),
          "meta.frameTags[0]: expected 0 <= from <= to < 3 (the frame count), got from 2, to 1");
  rejects(consistency_error([](Json& a) { a["meta"]["frameTags"][1]["to"] = 3; }), "got from 1, to 3");
  rejects(consistency_error([](Json& a) { a["meta"]["frameTags"][1]["from"] = -1; }), "got from -1, to 1");
}

TEST_CASE("sheet_consistency rejects a tag whose frames differ in size", "[pixel][frame_consistency]") {
  const std::string message = consistency_error([](Json& a) { a["frames"][1]["frame"]["w"] = 3; });
  CHECK_THAT(message, Catch::Contains("art/hero.json") && Catch::Contains("\"walk/down\"") &&
                          Catch::Contains("frames 0 and 1 differ in size: 4x2 and 3x2"));
}
