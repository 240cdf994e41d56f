// The remote cache end to end: `dgxpx build` against the real nginx on 127.0.0.1 (anonymous
// reads, bearer-token writes), a fresh clone that generates nothing a teammate generated, and
// each kind of outage — down, hung, answering 500, serving damaged bytes — after which the
// build still completes locally with one warning, unless the remote is required.
#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <thread>
#include <map>
#include <sstream>

#include "cache/entry.h"
#include "compiler/util/hash.h"
#include "tests/integration/example_project.h"
#include "tests/support/nginx_server.h"
#include "tests/support/s3_verifier.h"

using namespace dgxpx::testing;
namespace fs = std::filesystem;

namespace {

const std::string kToken = "s3cret-token";

int total(const nlohmann::json& counts) { return counts["gen"].get<int>() + counts["pixel"].get<int>() + counts["pack"].get<int>(); }

RunResult build(const TempProject& p, const std::string& env = "") {
  RunResult r = p.dgxpx("build --json", env);
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  REQUIRE(r.summary.is_object());
  REQUIRE(r.summary["ok"] == true);
  return r;
}

std::map<std::string, std::string> outputs(const TempProject& p) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(p.root() / "assets"))
    if (e.is_regular_file()) files[fs::relative(e.path(), p.root()).string()] = p.read(fs::relative(e.path(), p.root()).string());
  return files;
}

std::vector<fs::path> files_in(const fs::path& dir) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->is_regular_file()) files.push_back(it->path());
  return files;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

int count_lines(const std::string& text, const std::string& needle) {
  int n = 0;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) n += line.find(needle) != std::string::npos;
  return n;
}

/// Every blob file in a local cache holds the bytes its name says (nothing damaged got in).
void require_local_blobs_intact(const fs::path& cache) {
  int checked = 0;
  for (const auto& e : fs::recursive_directory_iterator(cache / "v1" / "blobs")) {
    if (!e.is_regular_file()) continue;
    INFO(e.path());
    REQUIRE(dgxpx::util::digest_bytes(read_file(e.path())).hex() == e.path().filename().string());
    ++checked;
  }
  REQUIRE(checked > 0);
}

/// A project with the example's inputs that uses `url` as its remote cache (dgxpx.yaml).
void write_project_with_remote(const TempProject& p, const std::string& url) {
  write_example_project(p);
  p.write("dgxpx.yaml", "manifests: sprites\noutput: assets\ncache:\n  remote: " + url + "\n");
}

/// Every entry under `root` (a v1 folder) parses and names its key; every blob it lists is
/// there, intact. Returns the number of entries.
int require_objects_intact(const fs::path& root) {
  const std::vector<fs::path> entries = files_in(root / "entries");
  for (const fs::path& entry : entries) {
    INFO(entry);
    auto parsed = dgxpx::cache::parse_entry(read_file(entry));
    REQUIRE(parsed.entry);
    REQUIRE(parsed.entry->key.hex() == entry.filename().string());
    for (const auto& out : parsed.entry->outputs)
      REQUIRE(dgxpx::util::digest_bytes(read_file(root / "blobs" / out.digest.hex())) == out.digest);
  }
  return int(entries.size());
}

/// require_objects_intact for what nginx serves at /location/.
int require_remote_intact(const NginxServer& server, const std::string& location = "cache") {
  return require_objects_intact(server.cache_folder().parent_path() / location / "v1");
}

/// The teammate's build: everything generated and uploaded to the server.
RunResult warm_the_remote(const NginxServer& server, const TempProject& p) {
  write_project_with_remote(p, server.url());
  RunResult r = build(p, "DGXPX_REMOTE_WRITE=1 DGXPX_REMOTE_TOKEN=" + kToken);
  REQUIRE(r.summary["remote"]["uploads"].get<int>() == total(r.summary["ran"]));
  REQUIRE(r.summary["remote"]["errors"] == 0);
  return r;
}

}  // namespace

TEST_CASE("a fresh clone with an empty local cache generates nothing the remote holds", "[integration][remote]") {
  NginxServer server(kToken);
  TempProject teammate, clone;
  const RunResult warm = warm_the_remote(server, teammate);
  const int steps = total(warm.summary["ran"]);
  REQUIRE(steps > 0);
  // The server holds the local store's bytes: one entry per step, blobs named by their digest.
  REQUIRE(require_remote_intact(server) == steps);

  write_project_with_remote(clone, server.url());
  const RunResult fresh = build(clone);  // anonymous: reads only
  CHECK(fresh.summary["ran"]["gen"] == 0);
  CHECK(total(fresh.summary["ran"]) == 0);
  CHECK(total(fresh.summary["from_cache"]) == steps);
  CHECK(fresh.summary["remote"]["hits"] == steps);
  CHECK(fresh.summary["remote"]["uploads"] == 0);
  CHECK(fresh.summary["remote"]["errors"] == 0);
  CHECK(outputs(clone) == outputs(teammate));
  require_local_blobs_intact(clone.root() / ".dgxpx" / "cache");

  // Up to date now: the next build asks the server nothing.
  const std::string log_before = server.access_log();
  const RunResult again = build(clone);
  CHECK(total(again.summary["ran"]) == 0);
  CHECK(again.summary["remote"]["requests"] == 0);
  CHECK(server.access_log() == log_before);
}

TEST_CASE("writing needs the token, without it one error line and the build goes on locally", "[integration][remote]") {
  NginxServer server(kToken);
  TempProject p;
  write_project_with_remote(p, server.url());
  const RunResult r = build(p, "DGXPX_REMOTE_WRITE=1 DGXPX_REMOTE_TOKEN=wrong");
  CHECK(total(r.summary["ran"]) > 0);
  CHECK(r.summary["remote"]["uploads"] == 0);
  CHECK(count_lines(r.err, "error:") == 1);
  CHECK(count_lines(r.err, "HTTP 401") == 1);
  CHECK(files_in(server.cache_folder() / "v1" / "entries").empty());
  // Reading is the default: a build without DGXPX_REMOTE_WRITE uploads nothing either.
  TempProject reader;
  write_project_with_remote(reader, server.url());
  const int puts_before = count_lines(server.access_log(), "PUT ");  // the refused ones above
  const RunResult read_only = build(reader, "DGXPX_REMOTE_TOKEN=" + kToken);
  CHECK(read_only.summary["remote"]["misses"].get<int>() == total(read_only.summary["ran"]));
  CHECK(count_lines(server.access_log(), "PUT ") == puts_before);
  CHECK(files_in(server.cache_folder() / "v1" / "entries").empty());
}

TEST_CASE("uploads the server refuses as too large are skipped, and their entries stay local", "[integration][remote]") {
  NginxServer server(kToken);
  TempProject p;
  write_project_with_remote(p, server.url("small"));
  const RunResult r = build(p, "DGXPX_REMOTE_WRITE=1 DGXPX_REMOTE_TOKEN=" + kToken);
  INFO(r.err);
  CHECK(r.summary["remote"]["too_large"].get<int>() > 0);
  CHECK(r.summary["remote"]["errors"] == 0);
  CHECK(count_lines(r.err, "warning:") == 0);
  // Whatever went up is complete: an entry only after all its blobs.
  const int uploaded = require_remote_intact(server, "small");
  CHECK(uploaded == r.summary["remote"]["uploads"].get<int>());
  CHECK(uploaded < total(r.summary["ran"]));
}

TEST_CASE("basic auth for writing comes from ~/.netrc", "[integration][remote]") {
  NginxServer server(kToken);
  TempProject home, p;
  write_project_with_remote(p, server.url("netrc"));
  RunResult refused = p.dgxpx("build --json", "HOME=" + home.root().string() + " DGXPX_REMOTE_WRITE=1");
  REQUIRE(refused.exit_code == 0);
  CHECK(count_lines(refused.err, "HTTP 401") == 1);
  home.write(".netrc", "machine 127.0.0.1 login ci password " + kToken + "\n");
  RunResult pushed = p.dgxpx("cache push", "HOME=" + home.root().string());
  INFO(pushed.out << pushed.err);
  REQUIRE(pushed.exit_code == 0);
  CHECK(require_remote_intact(server, "netrc") == total(refused.summary["ran"]));
}

TEST_CASE("two builds uploading the same results at once leave nothing damaged", "[integration][remote]") {
  NginxServer server(kToken);
  TempProject a, b, clone;
  write_project_with_remote(a, server.url());
  write_project_with_remote(b, server.url());
  RunResult ra, rb;
  const std::string env = "DGXPX_REMOTE_WRITE=1 DGXPX_REMOTE_TOKEN=" + kToken;
  std::thread other([&] { rb = b.dgxpx("build --json", env); });
  ra = a.dgxpx("build --json", env);
  other.join();
  REQUIRE(ra.exit_code == 0);
  REQUIRE(rb.exit_code == 0);
  CHECK(require_remote_intact(server) == total(ra.summary["ran"]));
  write_project_with_remote(clone, server.url());
  const RunResult fresh = build(clone);
  CHECK(total(fresh.summary["ran"]) == 0);
  CHECK(outputs(clone) == outputs(a));
}

TEST_CASE("dgxpx cache push uploads what only the local cache holds", "[integration][remote]") {
  NginxServer server(kToken);
  TempProject p, clone;
  write_project_with_remote(p, server.url());
  const RunResult local = build(p);  // reads only: the results stay local
  const int steps = total(local.summary["ran"]);
  RunResult push = p.dgxpx("cache push", "DGXPX_REMOTE_TOKEN=" + kToken);
  INFO(push.out << push.err);
  REQUIRE(push.exit_code == 0);
  CHECK(int(files_in(server.cache_folder() / "v1" / "entries").size()) == steps);
  RunResult again = p.dgxpx("cache push", "DGXPX_REMOTE_TOKEN=" + kToken);
  REQUIRE(again.exit_code == 0);
  CHECK(again.out.find("pushed 0 of 0") != std::string::npos);
  write_project_with_remote(clone, server.url());
  CHECK(build(clone).summary["ran"]["gen"] == 0);
}

TEST_CASE("an unusable remote never fails a build: down, hung, 500, damaged bytes", "[integration][remote]") {
  NginxServer server(kToken);
  TempProject teammate;
  const RunResult warm = warm_the_remote(server, teammate);
  const int gens = warm.summary["ran"]["gen"].get<int>();
  SilentServer hung;
  const int down_port = free_loopback_port();

  struct Outage {
    const char* name;
    std::string url;
    const char* warning;  // what the one warning line says
  };
  const std::vector<Outage> outages = {
      {"down", "http://127.0.0.1:" + std::to_string(down_port) + "/cache", "unavailable"},
      {"hung", "http://127.0.0.1:" + std::to_string(hung.port()) + "/cache", "unavailable"},
      {"500", server.url("broken"), "HTTP 500"},
  };
  // Sequential, not SECTIONs: each would warm the remote again.
  for (const Outage& outage : outages) {
    INFO("outage: " << outage.name);
    TempProject p;
    write_project_with_remote(p, outage.url);
    const RunResult r = build(p);
    INFO(r.err);
    CHECK(r.summary["ran"]["gen"] == gens);
    CHECK(count_lines(r.err, "warning:") == 1);
    CHECK(count_lines(r.err, outage.warning) == 1);
    CHECK(r.summary["remote"]["available"] == false);
    CHECK(r.summary["remote"]["errors"].get<int>() >= 1);
    CHECK(outputs(p) == outputs(teammate));
  }

  {
    INFO("required: a server that is down fails the build, saying why");
    TempProject p;
    write_project_with_remote(p, outages[0].url);
    RunResult r = p.dgxpx("build", "DGXPX_REMOTE_REQUIRED=1");
    INFO(r.err);
    CHECK(r.exit_code == 1);
    CHECK(count_lines(r.err, "error:") == 1);
    CHECK(count_lines(r.err, "warning:") == 0);  // not "building without it": it does not
    CHECK(r.err.find("unavailable") != std::string::npos);
    CHECK(r.err.find("required") != std::string::npos);
    CHECK(!p.exists("assets"));
  }

  {
    INFO("damaged bytes: every blob on the server has its last byte changed; entries are intact");
    for (const fs::path& blob : files_in(server.cache_folder() / "v1" / "blobs")) {
      std::string bytes = read_file(blob);
      bytes.back() = static_cast<char>(bytes.back() ^ 0x5a);
      std::ofstream(blob, std::ios::binary) << bytes;
    }
    TempProject p;
    write_project_with_remote(p, server.url());
    const RunResult r = build(p);
    INFO(r.err);
    CHECK(r.summary["ran"]["gen"] == gens);
    CHECK(count_lines(r.err, "warning:") == 1);
    CHECK(count_lines(r.err, "damaged blob") == 1);
    CHECK(r.summary["remote"]["corrupt"].get<int>() >= 1);
    CHECK(r.summary["remote"]["hits"] == 0);
    CHECK(outputs(p) == outputs(teammate));
    require_local_blobs_intact(p.root() / ".dgxpx" / "cache");
  }
}

TEST_CASE("bad remote cache settings are input errors that point at the value", "[integration][remote]") {
  TempProject p;
  write_example_project(p);
  const std::string yaml = "manifests: sprites\ncache: {remote: ftp://example.org/x}\n";
  p.write("dgxpx.yaml", yaml);
  RunResult r = p.dgxpx("build");
  CHECK(r.exit_code == 2);
  const size_t col = yaml.find("ftp") - yaml.find("cache") + 1;
  CHECK(r.err.find("dgxpx.yaml:2:" + std::to_string(col) +
                   ": error: expected a URL starting with http://, https:// or s3://, got 'ftp://example.org/x'") !=
        std::string::npos);
  p.write("dgxpx.yaml", "manifests: sprites\ncache: {remote: 'http://127.0.0.1:1/c', write: maybe}\n");
  r = p.dgxpx("build");
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("dgxpx.yaml:2:") != std::string::npos);
  p.write("dgxpx.yaml", "manifests: sprites\n");
  r = p.dgxpx("build", "DGXPX_REMOTE_CACHE=http://127.0.0.1:1/c DGXPX_REMOTE_WRITE=yes");
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("DGXPX_REMOTE_WRITE: expected 1 or 0, got 'yes'") != std::string::npos);
  CHECK(!p.exists("assets"));
  CHECK(!p.exists(".dgxpx"));
}

TEST_CASE("s3:// remotes are signed with SigV4 and a payload hash, a wrong secret is refused", "[integration][remote]") {
  S3Verifier s3("AKIDDGXPXTEST", "right-secret", "eu-west-3");
  const std::string aws = "AWS_ACCESS_KEY_ID=AKIDDGXPXTEST AWS_REGION=eu-west-3 AWS_ENDPOINT_URL=" + s3.endpoint();
  auto write_s3_project = [&](const TempProject& p) {
    write_example_project(p);
    p.write("dgxpx.yaml", "manifests: sprites\noutput: assets\ncache: {remote: s3://assets-bucket/team/dgxpx}\n");
  };
  TempProject wrong, teammate, clone;
  write_s3_project(wrong);
  const RunResult refused = build(wrong, aws + " AWS_SECRET_ACCESS_KEY=wrong-secret DGXPX_REMOTE_WRITE=1");
  CHECK(count_lines(refused.err, "error:") == 1);
  CHECK(count_lines(refused.err, "HTTP 403") == 1);
  CHECK(refused.summary["remote"]["hits"] == 0);
  CHECK(refused.summary["remote"]["uploads"] == 0);
  CHECK(s3.rejections().find("SignatureDoesNotMatch") != std::string::npos);
  CHECK(!fs::exists(s3.data_folder() / "assets-bucket"));

  write_s3_project(teammate);
  const RunResult warm = build(teammate, aws + " AWS_SECRET_ACCESS_KEY=right-secret DGXPX_REMOTE_WRITE=1");
  INFO(s3.rejections());
  CHECK(warm.summary["remote"]["errors"] == 0);
  const int steps = total(warm.summary["ran"]);
  CHECK(warm.summary["remote"]["uploads"] == steps);
  CHECK(require_objects_intact(s3.data_folder() / "assets-bucket" / "team" / "dgxpx" / "v1") == steps);

  write_s3_project(clone);
  const RunResult fresh = build(clone, aws + " AWS_SECRET_ACCESS_KEY=right-secret");
  CHECK(fresh.summary["ran"]["gen"] == 0);
  CHECK(total(fresh.summary["from_cache"]) == steps);
  CHECK(outputs(clone) == outputs(teammate));
}
