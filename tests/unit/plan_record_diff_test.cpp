// How a change reads: word_diff shows the words that differ with a little context, and
// summarize_changes names the field and the part of the asset it touched.
#include <catch2/catch.hpp>

#include <functional>

#include "compiler/plan/record_diff.h"
#include "compiler/util/hash.h"

using namespace dgxpx::plan;

TEST_CASE("word_diff shows the differing words with context, both sides distinct", "[plan][diff]") {
  const std::string before =
      "pixel art, a knight in blue armor, standing idle, breathing slowly, weight on the back foot, facing down";
  const std::string after =
      "pixel art, a knight in blue armor, standing idle, breathing deeply, weight on the back foot, facing down";
  CHECK(word_diff(before, after) == "… standing idle, breathing [-slowly,-] {+deeply,+} weight on the …");
  CHECK(word_diff("a b c", "a b c d") == "a b c {+d+}");
  CHECK(word_diff("x a b c", "a b c") == "[-x-] a b c");
  CHECK(word_diff("same words", "same words") == "(no change)");
  CHECK(word_diff("same  words", "same words") == "(only spacing changed)");
  // Two edits far apart: each with its own context, the middle elided.
  CHECK(word_diff("one two three four five six seven eight nine ten", "uno two three four five six seven eight nine diez") ==
        "[-one-] {+uno+} two three four … seven eight nine [-ten-] {+diez+}");
}

namespace {

FieldChange prompt_change(const std::string& step, const std::string& before, const std::string& after) {
  return {StepKind::gen, step, FieldChange::What::changed, "prompt", before, after};
}

}  // namespace

TEST_CASE("summarize_changes names the field and the animation it touched", "[plan][diff]") {
  std::vector<FieldChange> changes = {prompt_change("hero/idle/down/0", "standing", "resting"),
                                      prompt_change("hero/idle/up/0", "standing", "resting")};
  CHECK(summarize_changes(changes, "hero", 10) == "prompt of idle changed");
  const auto lines = describe_changes(changes, "hero");
  REQUIRE(lines.size() == 1);  // one field changed the same way in two frames: one line
  CHECK_THAT(lines[0], Catch::Contains("idle/down/0") && Catch::Contains("idle/up/0") &&
                           Catch::Contains("'standing' → 'resting'"));
}

TEST_CASE("a pack frame whose pixel key alone changed follows from its frame, not its place", "[plan][diff]") {
  // As pack_fields shows a frame: "pixel <short key> row=… tag=… duration=…".
  const std::string place = " row=walk/down tag=walk duration=120";
  const std::vector<FieldChange> changes = {
      prompt_change("hero/walk/down/0", "walking", "running"),
      {StepKind::pack, "hero", FieldChange::What::changed, "frame walk/down/0", "pixel 0ea5a21728c1" + place,
       "pixel 495b05de9aa9" + place}};
  CHECK(summarize_changes(changes, "hero", 4) == "prompt of walk changed");
  const std::vector<FieldChange> moved = {{StepKind::pack, "hero", FieldChange::What::changed, "frame walk/down/0",
                                           "pixel 0ea5a21728c1" + place, "pixel 0ea5a21728c1 row=walk/down tag=walk duration=90"}};
  CHECK(summarize_changes(moved, "hero", 4) == "place or duration of walk changed");
}

namespace {

// An asset record of `frames` gen steps whose seeds derive from the manifest's seed.
AssetRecord seeded_record(const std::string& seed, const std::string& preset, int frames, const std::string& size) {
  AssetRecord r{"slime", "character", {}, {{"preset", preset, ""}, {"seed", seed, ""}, {"prompt", "a green slime", ""}}, {}};
  for (int i = 0; i < frames; ++i) {
    const std::string frame_seed = std::to_string(std::hash<std::string>{}(seed + ":" + std::to_string(i)) % 100000);
    r.steps.push_back({StepKind::gen, "slime/bounce/down/" + std::to_string(i),
                       dgxpx::util::digest_bytes(seed + preset + size + std::to_string(i)),
                       {{"seed", frame_seed, ""}, {"size", size, ""}}});
  }
  return r;
}

}  // namespace

TEST_CASE("a changed manifest setting is quoted old to new in place of the derived field it explains", "[plan][diff]") {
  const AssetRecord before = seeded_record("77", "pixel-hero", 4, "128x128");
  const AssetRecord after = seeded_record("78", "pixel-hero", 4, "128x128");
  const auto changes = diff_records(&before, after);
  REQUIRE_FALSE(changes.empty());
  CHECK(changes.front().asset_setting);
  CHECK(changes.front().text() == "asset slime: seed changed: '77' → '78'");
  CHECK(summarize_changes(changes, "slime", 4) == "seed 77 → 78 (all frames)");
  const auto lines = describe_changes(changes, "slime");
  REQUIRE_FALSE(lines.empty());
  CHECK(lines.front() == "asset slime: seed changed: '77' → '78'");

  // A setting no step field is named after leads on its own; the fields it changed follow.
  const AssetRecord bigger = seeded_record("77", "pixel-big", 4, "256x256");
  CHECK(summarize_changes(diff_records(&before, bigger), "slime", 4) == "preset pixel-hero → pixel-big; size changed (all frames)");

  // A long value is not quoted: the step field's own summary stands.
  AssetRecord long_before = before, long_after = after;
  long_before.settings[1].value = std::string(40, '1');
  long_after.settings[1].value = std::string(40, '2');
  CHECK(summarize_changes(diff_records(&long_before, long_after), "slime", 4) == "seed changed (all frames)");

  // A setting that moved no key is no reason; nor is one an older record lacks.
  AssetRecord unused = before;
  unused.settings[2].value = "a blue slime";
  CHECK(diff_records(&before, unused).empty());
  AssetRecord old_format = before;
  old_format.settings.clear();
  for (const auto& c : diff_records(&old_format, after)) CHECK_FALSE(c.asset_setting);
}
