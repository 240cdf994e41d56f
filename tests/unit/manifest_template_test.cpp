#include <catch2/catch.hpp>

#include "compiler/manifest/template.h"

using namespace dgxpx::manifest;

TEST_CASE("templates render placeholders and escaped braces", "[manifest][template]") {
  auto t = parse_template("{prompt}, {anim.prompt} {{literal}}", {"r.yaml", 3, 9});
  auto text = render_template(t, [](const std::vector<std::string>& p) { return p.size() == 1 ? "P" : p[0] + "." + p[1]; });
  CHECK(text == "P, anim.prompt {literal}");
}

TEST_CASE("template syntax errors point at the template", "[manifest][template]") {
  for (const char* bad : {"{unclosed", "stray }", "{}", "{a..b}", "{a b}"}) {
    INFO(bad);
    try {
      parse_template(bad, {"rules/x.yaml", 4, 11});
      FAIL("no error");
    } catch (const dgxpx::util::InputError& e) {
      CHECK(e.where().file == "rules/x.yaml");
      CHECK(e.where().line == 4);
    }
  }
}
