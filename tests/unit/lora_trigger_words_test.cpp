// Trigger words go in front of the prompt, once, unless the prompt already says them.
#include <catch2/catch.hpp>

#include "compiler/lora/trigger_words.h"

using namespace dgxpx;

TEST_CASE("trigger words are put in front of the prompt once", "[lora][trigger_words]") {
  struct Case {
    std::string prompt;
    std::vector<std::string> words;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"pixel art, a knight", {"pxlhero"}, "pxlhero, pixel art, a knight"},
      {"pixel art, a knight", {"pxlhero", "chibi style"}, "pxlhero, chibi style, pixel art, a knight"},
      {"pixel art, a knight", {}, "pixel art, a knight"},
      {"PXLHERO knight", {"pxlhero"}, "PXLHERO knight"},                 // already there (any case)
      {"pxlheroes knight", {"pxlhero"}, "pxlhero, pxlheroes knight"},    // only as a whole word
      {"a knight", {"pxlhero", "pxlhero"}, "pxlhero, a knight"},          // two LoRAs, one word
      {"", {"pxlhero"}, "pxlhero"},
      {"a knight, <style>", {"<style>"}, "a knight, <style>"},           // punctuation-edged words
  };
  for (const auto& c : cases) {
    INFO(c.prompt);
    CHECK(lora::prompt_with_trigger_words(c.prompt, c.words) == c.expected);
  }
}
