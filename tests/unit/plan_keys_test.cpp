#include <catch2/catch.hpp>

#include "compiler/plan/keys.h"

using namespace dgxpx;

static backend::GenSpec sample_gen() {
  backend::GenSpec s;
  s.prompt = "pixel art sprite, a knight, walking, facing down, animation frame 0";
  s.negative = "blurry";
  s.subject = "a knight";
  s.seed = 1234;
  s.width = 1024;
  s.height = 1024;
  s.sampler = "euler_a";
  s.steps = 20;
  s.guidance = 6.0;
  s.hint = "character";
  s.loras = {{"loras/style.safetensors", 0.8}};
  return s;
}

TEST_CASE("gen key known answer (changing it invalidates every cache: bump kKeyFormatVersion)", "[plan][keys]") {
  std::vector<util::Digest> loras = {util::digest_bytes("lora bytes")};
  auto fields = plan::gen_fields(sample_gen(), "procedural/1", nullptr, loras);
  CHECK(plan::key_of("gen", fields).hex() == "8fdf60f6b2983ac7ba6a1072876a8ae3");
}

TEST_CASE("gen key depends on file bytes, not file paths", "[plan][keys]") {
  auto a = sample_gen(), b = sample_gen();
  b.loras[0].file = "elsewhere/renamed.safetensors";
  std::vector<util::Digest> same = {util::digest_bytes("lora bytes")};
  std::vector<util::Digest> other = {util::digest_bytes("other bytes")};
  auto key = [](const backend::GenSpec& s, const std::vector<util::Digest>& d) {
    return plan::key_of("gen", plan::gen_fields(s, "procedural/1", nullptr, d));
  };
  CHECK(key(a, same) == key(b, same));
  CHECK(key(a, same) != key(a, other));
}

TEST_CASE("every gen field moves the key", "[plan][keys]") {
  std::vector<util::Digest> loras = {util::digest_bytes("lora bytes")};
  auto base = plan::key_of("gen", plan::gen_fields(sample_gen(), "procedural/1", nullptr, loras));
  std::vector<std::function<void(backend::GenSpec&)>> edits = {
      [](auto& s) { s.prompt += "!"; },      [](auto& s) { s.negative += "!"; },  [](auto& s) { s.seed++; },
      [](auto& s) { s.width = 512; },        [](auto& s) { s.height = 512; },     [](auto& s) { s.tiling = "xy"; },
      [](auto& s) { s.sampler = "ddim"; },   [](auto& s) { s.steps++; },          [](auto& s) { s.guidance = 7; },
      [](auto& s) { s.loras[0].weight = 1; }, [](auto& s) { s.hint = "item"; },    [](auto& s) { s.subject = "x"; },
      [](auto& s) { s.sampler = "lcm"; },    [](auto& s) { s.timestep_spacing = "trailing"; },
      [](auto& s) { s.original_size = std::pair{2048, 2048}; }, [](auto& s) { s.crop = {0, 64}; },
      [](auto& s) { s.target_size = std::pair{1024, 768}; }};
  for (size_t i = 0; i < edits.size(); ++i) {
    auto s = sample_gen();
    edits[i](s);
    INFO("edit " << i);
    CHECK(plan::key_of("gen", plan::gen_fields(s, "procedural/1", nullptr, loras)) != base);
  }
  CHECK(plan::key_of("gen", plan::gen_fields(sample_gen(), "sdxl/1", nullptr, loras)) != base);
}

TEST_CASE("pixel key follows the gen key and the palette file's bytes", "[plan][keys]") {
  backend::PixelSpec p;
  p.palette = "palettes/mine.hex";
  p.palette_is_file = true;
  auto d1 = util::digest_bytes("ff0000\n"), d2 = util::digest_bytes("00ff00\n");
  auto g1 = util::digest_bytes("g1"), g2 = util::digest_bytes("g2");
  auto key = [&](const util::Digest& g, const util::Digest& pal) { return plan::key_of("pixel", plan::pixel_fields(g, p, &pal)); };
  CHECK(key(g1, d1) != key(g2, d1));
  CHECK(key(g1, d1) != key(g1, d2));
  CHECK(key(g1, d1) == key(g1, d1));
}

TEST_CASE("default micro-conditioning written out keeps the default key", "[plan][keys]") {
  // Unset sizes are the generation size: spelling the defaults out is the same image.
  std::vector<util::Digest> loras = {util::digest_bytes("lora bytes")};
  auto spelled = sample_gen();
  spelled.original_size = std::pair{spelled.width, spelled.height};
  spelled.target_size = std::pair{spelled.width, spelled.height};
  spelled.crop = {0, 0};
  CHECK(plan::key_of("gen", plan::gen_fields(spelled, "procedural/1", nullptr, loras)).hex() ==
        "8fdf60f6b2983ac7ba6a1072876a8ae3");
  const auto fields = plan::gen_fields(spelled, "procedural/1", nullptr, loras);
  const auto field = [&](const std::string& name) {
    for (const auto& f : fields)
      if (f.name == name) return f.value;
    return std::string("<none>");
  };
  CHECK(field("conditioning") == "original=1024x1024 crop=0,0 target=1024x1024");
  spelled.original_size = std::pair{2048, 1536};
  spelled.crop = {32, 16};
  spelled.timestep_spacing = "trailing";
  const auto moved = plan::gen_fields(spelled, "procedural/1", nullptr, loras);
  for (const auto& f : moved) {
    if (f.name == "conditioning") CHECK(f.value == "original=2048x1536 crop=32,16 target=1024x1024");
    if (f.name == "sampler") CHECK(f.value == "euler_a spacing=trailing");
  }
}
