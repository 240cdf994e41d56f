// LoRA sidecars (NAME.json): what a well-formed one yields, and every malformed one is an error
// at the place in the file that is wrong. Each case names the text it breaks on; the expected
// line:col is computed from where that text sits in the file written.
#include <catch2/catch.hpp>

#include "compiler/lora/sidecar.h"
#include "tests/unit/lora_test_files.h"

using namespace dgxpx;
using dgxpx::testing::TempFolder;

namespace {

std::string line_col_of(const std::string& text, size_t offset) {
  int line = 1, col = 1;
  for (size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') ++line, col = 1;
    else ++col;
  }
  return std::to_string(line) + ":" + std::to_string(col);
}

struct BadCase {
  const char* name;
  std::string text;
  std::string culprit;  // the first occurrence is where the error must point
  std::string message;  // part of the message
};

}  // namespace

TEST_CASE("a sidecar gives trigger words, strength, base model and status", "[lora][sidecar]") {
  TempFolder dir;
  const std::string text =
      "{\n  \"trigger_words\": [\"pxlhero\", \"chibi style\"],\n  \"recommended_strength\": 0.75,\n"
      "  \"base_model\": \"sdxl\",\n  \"status\": \"staging\",\n  \"dataset\": {\"images\": 120}, \"metrics\": [1, 2]\n}\n";
  auto path = dir.write("style.json", text);
  auto s = lora::read_sidecar(path, "loras/style.json");
  REQUIRE(s);
  CHECK(s->file == "loras/style.json");
  CHECK(*s->trigger_words == std::vector<std::string>{"pxlhero", "chibi style"});
  CHECK(*s->recommended_strength == 0.75);
  CHECK(*s->base_model == "sdxl");
  CHECK(s->base_model_where.to_string() == "loras/style.json:" + line_col_of(text, text.find("\"sdxl\"")));
  CHECK(*s->status == "staging");
  CHECK(s->other_keys == std::vector<std::string>{"dataset", "metrics"});

  auto single = lora::parse_sidecar(R"({"trigger_words": "pxlhero"})", "one.json");
  CHECK(*single.trigger_words == std::vector<std::string>{"pxlhero"});
  CHECK_FALSE(single.recommended_strength);
  CHECK_FALSE(single.base_model);

  CHECK_FALSE(lora::read_sidecar(dir.root() / "absent.json", "absent.json"));
  CHECK(lora::sidecar_path("/p/loras/style_v1.2.safetensors") == "/p/loras/style_v1.2.json");
}

TEST_CASE("a malformed sidecar is an error at its file:line:col", "[lora][sidecar]") {
  std::string many = "{\"trigger_words\": [";
  for (size_t i = 0; i <= lora::kMaxTriggerWords; ++i) many += (i ? ", \"w" : "\"w") + std::to_string(i) + "\"";
  many += "]}";
  const std::string huge = "{\"notes\": \"" + std::string(lora::kMaxSidecarBytes, 'x') + "\"}";
  const std::vector<BadCase> cases = {
      {"not an object", "[\"pxlhero\"]", "[", "expected a JSON object of LoRA metadata, got a list"},
      {"trigger words a number", "{\"trigger_words\": 7}", "7", "a string or a list of strings, got a number"},
      {"a trigger word not a string", "{\"trigger_words\": [\"a\",\n   true]}", "true", "a trigger word (a string), got true"},
      {"an empty trigger word", "{\"trigger_words\": [\"a\", \"\"]}", "\"\"", "got an empty string"},
      {"a trigger word on two lines", "{\"trigger_words\": [\"a\\nb\"]}", "\"a\\nb\"", "a control character"},
      {"too many trigger words", many, "[", "at most " + std::to_string(lora::kMaxTriggerWords) + " trigger words"},
      {"strength as a string", "{\n\"recommended_strength\": \"0.8\"}", "\"0.8\"", "recommended_strength: a number, got a string"},
      {"strength out of range", "{\"recommended_strength\": -25}", "-25", "between -10 and 10"},
      {"base model a number", "{\"base_model\": 1.5}", "1.5", "base_model: a string"},
      {"status with a slash", "{\"status\": \"prod/x\"}", "\"prod/x\"", "production, staging or archive, got 'prod/x'"},
      {"unclosed list", "{\"trigger_words\": [\"a\",\n}", "}", "expected JSON: syntax error"},
      {"bad UTF-8", "{\"trigger_words\": [\"caf\xff\"]}", "\xff", "expected JSON"},
      {"over the size bound", huge, "{", "at most " + std::to_string(lora::kMaxSidecarBytes) + " bytes"},
  };
  for (const auto& c : cases) {
    SECTION(c.name) {
      TempFolder dir;
      auto path = dir.write("style.json", c.text);
      const size_t at = c.text.find(c.culprit);
      REQUIRE(at != std::string::npos);
      try {
        lora::read_sidecar(path, "loras/style.json");
        FAIL("no error for " << c.name);
      } catch (const util::InputError& e) {
        CHECK(e.where().to_string() == "loras/style.json:" + line_col_of(c.text, at));
        CHECK_THAT(e.message(), Catch::Contains(c.message));
      }
    }
  }
}
