// The plan-cache entry format: what goes in comes out, and anything damaged, truncated or
// stored under another key is a miss, never a crash or a wrong plan.
#include <catch2/catch.hpp>

#include "compiler/plan/plan_cache.h"

using namespace dgxpx;
using plan::FilePlan;
using plan::StepKind;

static util::Digest digest_of(const char* text) { return util::digest_bytes(text); }

static plan::Step step(StepKind kind, const std::string& name, const char* key_text, std::vector<std::string> inputs,
                       std::vector<std::string> outputs, bool model_pool) {
  util::Digest key = digest_of(key_text);
  return {kind, name, key, ".dgxpx/steps/" + std::string(plan::to_string(kind)) + "/" + key.hex() + ".json",
          "", std::move(inputs), std::move(outputs), model_pool};
}

static FilePlan sample_plan() {
  FilePlan file;
  file.files_used["/repo/loras/style.safetensors"] = digest_of("lora");
  file.files_used["/repo/palettes/warm.hex"] = digest_of("palette");
  file.folders_listed["/repo/loras/production"] = digest_of("listing");
  plan::PlannedAsset asset;
  asset.where = {"sprites/hero.yaml", 11, 1};
  asset.name_where = {"sprites/hero.yaml", 12, 7};
  asset.steps.push_back(step(StepKind::gen, "hero/walk/0", "g", {}, {".dgxpx/gen/g.png"}, true));
  asset.steps.push_back(step(StepKind::pixel, "hero/walk/0", "p", {".dgxpx/gen/g.png", "palettes/warm.hex"},
                             {".dgxpx/pixel/p.png"}, false));
  asset.steps.push_back(step(StepKind::pack, "hero", "k", {".dgxpx/pixel/p.png"}, {"assets/hero.png", "assets/hero.json"}, false));
  asset.record.asset = "hero";
  asset.record.kind = "character";
  for (const auto& s : asset.steps) asset.record.steps.push_back({s.kind, s.name, s.key, {}});
  asset.record.steps[0].fields = {{"prompt", "pixel art, a knight — walking ✓", ""}, {"lora[0]", "abc x0.8", "loras/style abc x0.8"}};
  asset.record.steps[1].fields = {{"palette", "def", "palettes/warm.hex def"}, {"outline", "none", ""}};
  asset.record.steps[2].fields = {{"frames", "1", ""}};
  asset.record.settings = {{"preset", "pixel-hero", ""}, {"seed", "77", ""}};
  asset.record.digest = plan::record_digest(asset.record);
  file.assets.push_back(asset);
  plan::PlannedAsset second = asset;  // a second asset, to check counts line up
  second.record.asset = "hero2";
  second.record.digest = plan::record_digest(second.record);
  second.where.line = 20;
  file.assets.push_back(second);
  return file;
}

static void check_equal(const FilePlan& a, const FilePlan& b) {
  REQUIRE(a.files_used == b.files_used);
  REQUIRE(a.folders_listed == b.folders_listed);
  REQUIRE(a.assets.size() == b.assets.size());
  for (size_t i = 0; i < a.assets.size(); ++i) {
    const auto &x = a.assets[i], &y = b.assets[i];
    CHECK(x.where.to_string() == y.where.to_string());
    CHECK(x.name_where.to_string() == y.name_where.to_string());
    CHECK(x.record.asset == y.record.asset);
    CHECK(x.record.kind == y.record.kind);
    CHECK(x.record.digest == y.record.digest);
    REQUIRE(x.record.settings.size() == y.record.settings.size());
    for (size_t s = 0; s < x.record.settings.size(); ++s) {
      CHECK(x.record.settings[s].name == y.record.settings[s].name);
      CHECK(x.record.settings[s].value == y.record.settings[s].value);
    }
    CHECK(plan::record_digest(y.record) == y.record.digest);  // every field came back
    REQUIRE(x.steps.size() == y.steps.size());
    for (size_t s = 0; s < x.steps.size(); ++s) {
      CHECK(x.steps[s].kind == y.steps[s].kind);
      CHECK(x.steps[s].name == y.steps[s].name);
      CHECK(x.steps[s].key == y.steps[s].key);
      CHECK(x.steps[s].spec_path == y.steps[s].spec_path);
      CHECK(x.steps[s].inputs == y.steps[s].inputs);
      CHECK(x.steps[s].outputs == y.steps[s].outputs);
      CHECK(x.steps[s].model_pool == y.steps[s].model_pool);
      CHECK(y.steps[s].spec_json.empty());
    }
  }
}

TEST_CASE("a plan-cache entry decodes to what was encoded", "[plan][plan-cache]") {
  const util::Digest key = digest_of("key");
  FilePlan original = sample_plan();
  auto decoded = plan::decode_file_plan(plan::encode_file_plan(key, original), key, "sprites/hero.yaml");
  REQUIRE(decoded);
  check_equal(original, *decoded);

  FilePlan empty;
  auto decoded_empty = plan::decode_file_plan(plan::encode_file_plan(key, empty), key, "x.yaml");
  REQUIRE(decoded_empty);
  CHECK(decoded_empty->assets.empty());
}

TEST_CASE("a plan-cache entry read without record fields has the same steps and digests", "[plan][plan-cache]") {
  const util::Digest key = digest_of("key");
  const FilePlan original = sample_plan();
  const std::string entry = plan::encode_file_plan(key, original);
  auto keys_only = plan::decode_file_plan(entry, key, "sprites/hero.yaml", plan::RecordFields::skip);
  REQUIRE(keys_only);
  REQUIRE(keys_only->assets.size() == original.assets.size());
  for (size_t a = 0; a < original.assets.size(); ++a) {
    const auto& got = keys_only->assets[a];
    CHECK_FALSE(got.record.fields_loaded);
    CHECK(got.record.digest == original.assets[a].record.digest);
    REQUIRE(got.record.steps.size() == original.assets[a].record.steps.size());
    for (size_t s = 0; s < got.record.steps.size(); ++s) {
      CHECK(got.record.steps[s].fields.empty());
      CHECK(got.record.steps[s].key == original.assets[a].record.steps[s].key);
      CHECK(got.steps[s].outputs == original.assets[a].steps[s].outputs);
      CHECK(got.steps[s].inputs == original.assets[a].steps[s].inputs);
    }
  }
  auto full = plan::decode_file_plan(entry, key, "sprites/hero.yaml", plan::RecordFields::decode);
  REQUIRE(full);
  CHECK(full->assets[0].record.fields_loaded);

  // Skipped fields are still bounds-checked and covered by the checksum.
  for (size_t size = 0; size < entry.size(); ++size)
    CHECK_FALSE(plan::decode_file_plan(entry.substr(0, size), key, "sprites/hero.yaml", plan::RecordFields::skip));
  for (size_t i = 0; i < entry.size(); ++i) {
    std::string damaged = entry;
    damaged[i] = static_cast<char>(damaged[i] ^ 0x01);
    INFO("byte " << i);
    CHECK_FALSE(plan::decode_file_plan(damaged, key, "sprites/hero.yaml", plan::RecordFields::skip));
  }
}

TEST_CASE("a plan-cache entry under another key, truncated or damaged is a miss", "[plan][plan-cache]") {
  const util::Digest key = digest_of("key");
  const std::string entry = plan::encode_file_plan(key, sample_plan());
  CHECK_FALSE(plan::decode_file_plan(entry, digest_of("other key"), "sprites/hero.yaml"));
  for (size_t size = 0; size < entry.size(); ++size)
    CHECK_FALSE(plan::decode_file_plan(entry.substr(0, size), key, "sprites/hero.yaml"));
  CHECK_FALSE(plan::decode_file_plan(entry + "x", key, "sprites/hero.yaml"));
  for (size_t i = 0; i < entry.size(); ++i) {
    std::string damaged = entry;
    damaged[i] = static_cast<char>(damaged[i] ^ 0x01);
    INFO("byte " << i);
    CHECK_FALSE(plan::decode_file_plan(damaged, key, "sprites/hero.yaml"));
  }
}

TEST_CASE("a plan-cache entry with a valid checksum over nonsense is still a miss", "[plan][plan-cache]") {
  // Someone (or a bug) writing a well-framed entry whose payload lies about its counts.
  const util::Digest key = digest_of("key");
  const std::string entry = plan::encode_file_plan(key, sample_plan());
  const size_t header = std::string("dgxpx-plan-cache 1\n").size() + 16 + 8 + 16;
  std::string payload = entry.substr(header);
  for (size_t i = 0; i < payload.size(); i += 7) {
    std::string bad = payload;
    bad[i] = static_cast<char>(0xff);
    // Re-frame with a correct checksum: only the decoder's bounds checks stand in the way.
    std::string framed = entry.substr(0, header - 16);
    util::Digest sum = util::digest_bytes(bad);
    for (uint64_t part : {sum.high, sum.low})
      for (int b = 0; b < 8; ++b) framed.push_back(static_cast<char>((part >> (8 * b)) & 0xff));
    framed += bad;
    auto decoded = plan::decode_file_plan(framed, key, "x.yaml");  // must not crash or over-allocate
    if (decoded) CHECK(decoded->assets.size() <= 2);
  }
}

TEST_CASE("plan-cache keys change with the context, the file's path and its bytes", "[plan][plan-cache]") {
  const util::Digest context = digest_of("context");
  const util::Digest key = plan::plan_cache_key(context, "sprites/hero.yaml", "kind: character\n");
  CHECK(plan::plan_cache_key(context, "sprites/hero.yaml", "kind: character\n") == key);
  CHECK(plan::plan_cache_key(digest_of("other"), "sprites/hero.yaml", "kind: character\n") != key);
  CHECK(plan::plan_cache_key(context, "sprites/the_hero.yaml", "kind: character\n") != key);
  CHECK(plan::plan_cache_key(context, "sprites/hero.yaml", "kind: character \n") != key);
}
