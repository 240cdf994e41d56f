// sheet_consistency on what the real packer writes: a character sheet with padding and
// extrusion, its json-array atlas, and the PNG bytes read back. Lives in the pack suite because
// it needs the packer; the measure's own cases are in pixel_frame_consistency_test.cpp.
#include <catch2/catch.hpp>

#include "compiler/pixel/atlas_json.h"
#include "compiler/pixel/character_sheet.h"
#include "compiler/pixel/frame_consistency.h"
#include "compiler/pixel/png_io.h"

using namespace dgxpx;
using pixel::Image;
using pixel::Rgba;

namespace {

constexpr int kWidth = 6, kHeight = 5;

// How much red grows from one walk frame to the next at (x, y): differs across the frame, so a
// crop that slips onto padding or extruded edges changes the mean.
int red_step(int x, int y) { return 1 + (3 * x + y) % 7; }

// Walk frame k: red grows by k * k * red_step, so consecutive frames differ by (2k + 1) steps.
Image walk_frame(int k) {
  Image image(kWidth, kHeight);
  for (int y = 0; y < kHeight; ++y)
    for (int x = 0; x < kWidth; ++x)
      image.at(x, y) = Rgba{uint8_t(20 + k * k * red_step(x, y)), uint8_t(30 * y), uint8_t(25 * x), 255};
  return image;
}

const Rgba kFadeColour{60, 90, 120, 255};

}  // namespace

TEST_CASE("sheet_consistency reads a character sheet packed by pack_character_sheet", "[pixel][frame_consistency]") {
  pixel::CharacterSheetSpec spec;
  spec.name = "hero";
  spec.image_file_name = "hero.png";
  spec.padding = 2;
  spec.extrude = 1;
  pixel::SheetRow walk{"walk/down", {}};
  for (int k = 0; k < 3; ++k) walk.frames.push_back({"", walk_frame(k), 100});
  const Rgba faded{kFadeColour.r, kFadeColour.g, kFadeColour.b, 0};
  pixel::SheetRow fade{"fade/down", {{"", Image(kWidth, kHeight, kFadeColour), 100},
                                     {"", Image(kWidth, kHeight, faded), 100}}};
  pixel::SheetRow idle{"idle/down", {{"", walk_frame(0), 300}}};
  spec.rows = {walk, fade, idle};
  const pixel::PackedSheet packed = pixel::pack_character_sheet(spec);

  const Image sheet = pixel::decode_png(pixel::encode_png(packed.image), "hero.png");
  const auto result =
      pixel::sheet_consistency(sheet, pixel::atlas_json(packed, pixel::ArrayFilenames::index), "hero.json");

  REQUIRE(result.size() == 3);
  // Walk: frames 0->1 differ by one red step per pixel, 1->2 by three, over three channels.
  long long steps = 0;
  for (int y = 0; y < kHeight; ++y)
    for (int x = 0; x < kWidth; ++x) steps += red_step(x, y);
  const double one_step_mean = double(steps) / (3.0 * kWidth * kHeight);
  CHECK(result[0].tag == "walk/down");
  CHECK(result[0].frames == 3);
  CHECK(result[0].mean_consecutive_difference == Approx((1 * one_step_mean + 3 * one_step_mean) / 2));
  // Fade: opaque to transparent is the colour's distance from black.
  CHECK(result[1].tag == "fade/down");
  CHECK(result[1].frames == 2);
  CHECK(result[1].mean_consecutive_difference == Approx((kFadeColour.r + kFadeColour.g + kFadeColour.b) / 3.0));
  CHECK(result[2].tag == "idle/down");
  CHECK(result[2].frames == 1);
  CHECK(result[2].mean_consecutive_difference == 0.0);
}
