#include <catch2/catch.hpp>

#include "compiler/report/html.h"

using namespace dgxpx::report;

TEST_CASE("html_escape escapes the five special characters", "[report][html]") {
  CHECK(html_escape("a < b && c > d") == "a &lt; b &amp;&amp; c &gt; d");
  CHECK(html_escape("\"quoted\" 'single'") == "&quot;quoted&quot; &#39;single&#39;");
  CHECK(html_escape("<script>alert(1)</script>") == "&lt;script&gt;alert(1)&lt;/script&gt;");
  CHECK(html_escape("plain ütf-8 ✓") == "plain ütf-8 ✓");
  CHECK(html_escape("") == "");
}

TEST_CASE("url_path percent-encodes everything but safe path bytes", "[report][html]") {
  CHECK(url_path("assets/hero/walk_0.png") == "assets/hero/walk_0.png");
  CHECK(url_path("../assets/a b#c?d%e.png") == "../assets/a%20b%23c%3Fd%25e.png");
  CHECK(url_path("x\"y<z>.png") == "x%22y%3Cz%3E.png");
  CHECK(url_path("é") == "%C3%A9");
}
