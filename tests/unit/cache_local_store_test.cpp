#include "cache/local_store.h"

#include <catch2/catch.hpp>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "compiler/util/atomic_file.h"

namespace fs = std::filesystem;
using namespace dgxpx::cache;
using dgxpx::util::Digest;
using dgxpx::util::digest_bytes;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "dgxpx-cache-test-XXXXXX").string();
    path = ::mkdtemp(pattern.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

std::string read(const fs::path& p) { return dgxpx::util::read_file_or_throw(p); }

void overwrite(const fs::path& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << bytes;
}

void set_mtime(const fs::path& p, time_t seconds) {
  struct timespec times[2] = {{seconds, 0}, {seconds, 0}};
  REQUIRE(::utimensat(AT_FDCWD, p.c_str(), times, 0) == 0);
}

time_t mtime(const fs::path& p) {
  struct stat st;
  REQUIRE(::stat(p.c_str(), &st) == 0);
  return st.st_mtim.tv_sec;
}

size_t files_under(const fs::path& dir) {
  size_t n = 0;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->is_regular_file()) ++n;
  return n;
}

/// Puts one blob per output and an entry for `key` listing them.
ActionEntry put_step(Store& store, Digest key, const std::vector<std::string>& outputs,
                     const std::string& label = "gen hero/walk/down/3") {
  ActionEntry e;
  e.key = key;
  e.kind = "gen";
  e.label = label;
  e.created_unix = 1700000000;
  for (size_t i = 0; i < outputs.size(); ++i) {
    PutResult put = store.put_blob(outputs[i]);
    REQUIRE(put.ok());
    e.outputs.push_back(OutputRef{"out" + std::to_string(i), put.digest, outputs[i].size()});
  }
  PutResult put = store.put_entry(e);
  INFO(put.reason);
  REQUIRE(put.ok());
  return e;
}

const Digest kKey{0xabcdef0011223344ull, 0x5566778899aabbccull};

}  // namespace

TEST_CASE("local store: blobs round-trip under a two-level fan-out", "[cache][local]") {
  TempDir dir;
  LocalStore store(dir.path / "cache");
  std::string bytes = "\x89PNG pixel bytes";
  PutResult put = store.put_blob(bytes);
  REQUIRE(put.ok());
  CHECK(put.digest == digest_bytes(bytes));
  std::string hex = put.digest.hex();
  CHECK(store.blob_path(put.digest) == dir.path / "cache" / "v1" / "blobs" / hex.substr(0, 2) / hex.substr(2, 2) / hex);
  CHECK(read(store.blob_path(put.digest)) == bytes);
  CHECK_THAT(read(dir.path / "cache" / "CACHEDIR.TAG"), Catch::StartsWith("Signature: 8a477f597d28d172789f06886806bc55"));

  auto got = store.get_blob(put.digest);
  REQUIRE(got.hit());
  CHECK(*got.value == bytes);

  SECTION("putting the same blob again is idempotent") {
    REQUIRE(store.put_blob(bytes).ok());
    CHECK(files_under(dir.path / "cache" / "v1") == 1);
  }
  SECTION("the empty blob is a blob too") {
    PutResult empty = store.put_blob("");
    REQUIRE(empty.ok());
    auto again = store.get_blob(empty.digest);
    REQUIRE(again.hit());
    CHECK(again.value->empty());
  }
}

TEST_CASE("local store: unknown digests and keys are misses, and create nothing", "[cache][local]") {
  TempDir dir;
  LocalStore store(dir.path / "cache");
  auto blob = store.get_blob(Digest{1, 2});
  CHECK(blob.status == GetStatus::miss);
  CHECK_FALSE(blob.value);
  CHECK(store.get_entry(kKey).status == GetStatus::miss);
  CHECK_FALSE(fs::exists(dir.path / "cache"));
  CHECK(store.stats().total_files() == 0);
}

TEST_CASE("local store: a damaged blob is corrupt, moved aside, then a miss", "[cache][local]") {
  TempDir dir;
  LocalStore store(dir.path / "cache");
  std::string bytes(5000, 'p');
  Digest digest = store.put_blob(bytes).digest;
  fs::path path = store.blob_path(digest);

  SECTION("one flipped byte") {
    std::string damaged = bytes;
    damaged[1234] ^= 1;
    overwrite(path, damaged);
  }
  SECTION("truncated") { overwrite(path, bytes.substr(0, 100)); }
  SECTION("a folder where the file should be") {
    fs::remove(path);
    fs::create_directory(path);
  }
  auto got = store.get_blob(digest);
  CHECK(got.status == GetStatus::corrupt);
  CHECK_FALSE(got.value);
  CHECK_THAT(got.reason, Catch::Contains(digest.short_hex()));
  CHECK_FALSE(fs::exists(path));
  CHECK(fs::exists(dir.path / "cache" / "v1" / "quarantine"));
  CHECK(store.get_blob(digest).status == GetStatus::miss);
  // Regenerated output heals it.
  REQUIRE(store.put_blob(bytes).ok());
  CHECK(store.get_blob(digest).hit());
}

TEST_CASE("local store: a same-size damaged blob is rewritten by put", "[cache][local]") {
  TempDir dir;
  LocalStore store(dir.path / "cache");
  std::string bytes = "abcdefgh";
  Digest digest = store.put_blob(bytes).digest;
  overwrite(store.blob_path(digest), "abcdefgX");
  REQUIRE(store.put_blob(bytes).ok());
  CHECK(read(store.blob_path(digest)) == bytes);
}

TEST_CASE("local store: entries round-trip", "[cache][local]") {
  TempDir dir;
  LocalStore store(dir.path / "cache");
  ActionEntry e = put_step(store, kKey, {"sheet bytes", "{\"frames\":[]}"});
  auto got = store.get_entry(kKey);
  INFO(got.reason);
  REQUIRE(got.hit());
  CHECK(*got.value == e);
  CHECK(read(store.entry_path(kKey)) == serialize_entry(e));

  SECTION("a later put replaces the entry") {
    ActionEntry newer = put_step(store, kKey, {"other bytes"}, "gen hero/walk/down/4");
    auto again = store.get_entry(kKey);
    REQUIRE(again.hit());
    CHECK(*again.value == newer);
  }
}

TEST_CASE("local store: an entry is refused until its blobs are stored", "[cache][local]") {
  TempDir dir;
  LocalStore store(dir.path / "cache");
  ActionEntry e;
  e.key = kKey;
  e.kind = "pixel";
  e.outputs.push_back(OutputRef{"image", digest_bytes("never stored"), 12});
  PutResult put = store.put_entry(e);
  CHECK_FALSE(put.ok());
  CHECK_THAT(put.reason, Catch::Contains("put blobs before their entry"));
  CHECK(store.get_entry(kKey).status == GetStatus::miss);

  e.kind = "Bad Kind";
  e.outputs.clear();
  CHECK_THAT(store.put_entry(e).reason, Catch::Contains("invalid entry"));
}

TEST_CASE("local store: damaged entries are corrupt and removed", "[cache][local]") {
  TempDir dir;
  LocalStore store(dir.path / "cache");
  ActionEntry e = put_step(store, kKey, {"image bytes"});
  fs::path path = store.entry_path(kKey);
  std::string good = read(path);
  std::string expect_reason;

  SECTION("truncated") {
    overwrite(path, good.substr(0, good.size() / 2));
    expect_reason = "checksum mismatch";
  }
  SECTION("empty") {
    overwrite(path, "");
    expect_reason = "truncated";
  }
  SECTION("garbage") {
    overwrite(path, std::string(300, '\x5a'));
    expect_reason = "bad magic";
  }
  SECTION("wrong version") {
    std::string v9 = good;
    v9[8] = 9;
    overwrite(path, v9);
    expect_reason = "version 9";
  }
  SECTION("one flipped byte in the label") {
    std::string damaged = good;
    damaged[40] ^= 0x20;
    overwrite(path, damaged);
    expect_reason = "checksum mismatch";
  }
  SECTION("huge") {
    overwrite(path, good + std::string(EntryLimits::kMaxFileBytes, '\0'));
    expect_reason = "exceeds";
  }
  SECTION("a valid entry filed under the wrong key") {
    Digest other{7, 7};
    fs::create_directories(store.entry_path(other).parent_path());
    fs::copy_file(path, store.entry_path(other));
    auto got = store.get_entry(other);
    CHECK(got.status == GetStatus::corrupt);
    CHECK_THAT(got.reason, Catch::Contains("file names key " + kKey.short_hex()));
    CHECK_FALSE(fs::exists(store.entry_path(other)));
    CHECK(store.get_entry(kKey).hit());
    return;
  }
  auto got = store.get_entry(kKey);
  CHECK(got.status == GetStatus::corrupt);
  CHECK_FALSE(got.value);
  CHECK_THAT(got.reason, Catch::Contains(expect_reason));
  CHECK_FALSE(fs::exists(path));
  CHECK(store.get_entry(kKey).status == GetStatus::miss);
  // The blobs are untouched; re-filing the step heals the cache.
  REQUIRE(store.put_entry(e).ok());
  CHECK(store.get_entry(kKey).hit());
}

TEST_CASE("local store: an entry whose blob is gone is a miss and is dropped", "[cache][local]") {
  TempDir dir;
  LocalStore store(dir.path / "cache");
  ActionEntry e = put_step(store, kKey, {"first", "second"});
  fs::remove(store.blob_path(e.outputs[1].digest));
  auto got = store.get_entry(kKey);
  CHECK(got.status == GetStatus::miss);
  CHECK_THAT(got.reason, Catch::Contains("\"out1\" is missing"));
  CHECK_FALSE(fs::exists(store.entry_path(kKey)));
}

TEST_CASE("local store: an entry whose blob has the wrong size is corrupt", "[cache][local]") {
  TempDir dir;
  LocalStore store(dir.path / "cache");
  ActionEntry e = put_step(store, kKey, {"exactly these bytes"});
  overwrite(store.blob_path(e.outputs[0].digest), "short");
  auto got = store.get_entry(kKey);
  CHECK(got.status == GetStatus::corrupt);
  CHECK_THAT(got.reason, Catch::Contains("holds 5 bytes, the entry says 19"));
  CHECK_FALSE(fs::exists(store.blob_path(e.outputs[0].digest)));
}

TEST_CASE("local store: hits refresh last-use times", "[cache][local]") {
  TempDir dir;
  LocalStore store(dir.path / "cache");
  ActionEntry e = put_step(store, kKey, {"bytes"});
  fs::path entry = store.entry_path(kKey), blob = store.blob_path(e.outputs[0].digest);
  set_mtime(entry, 1000000000);
  set_mtime(blob, 1000000000);
  SECTION("get_entry touches the entry and its blobs") {
    REQUIRE(store.get_entry(kKey).hit());
    CHECK(mtime(entry) > 1600000000);
    CHECK(mtime(blob) > 1600000000);
  }
  SECTION("get_blob touches the blob") {
    REQUIRE(store.get_blob(e.outputs[0].digest).hit());
    CHECK(mtime(entry) == 1000000000);
    CHECK(mtime(blob) > 1600000000);
  }
  SECTION("a miss touches nothing") {
    CHECK_FALSE(store.get_entry(Digest{1, 1}).hit());
    CHECK(mtime(entry) == 1000000000);
  }
}

TEST_CASE("local store: concurrent writers of one key end with a valid entry", "[cache][local]") {
  TempDir dir;
  fs::path root = dir.path / "cache";
  constexpr int kWriters = 6, kReaders = 2, kRounds = 40;
  std::vector<pid_t> children;
  for (int w = 0; w < kWriters + kReaders; ++w) {
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      // Child: no Catch assertions here; the exit status is the verdict.
      int status = 0;
      try {
        LocalStore store(root);
        for (int round = 0; round < kRounds; ++round) {
          if (w < kWriters) {
            ActionEntry e;
            e.key = kKey;
            e.kind = "gen";
            e.label = "writer " + std::to_string(w) + " round " + std::to_string(round);
            std::string shared(20000, 's');
            std::string own = "writer " + std::to_string(w) + std::string(1000 + round, 'o');
            for (const std::string* bytes : {&shared, &own}) {
              PutResult put = store.put_blob(*bytes);
              if (!put.ok()) status = 2;
              e.outputs.push_back(OutputRef{e.outputs.empty() ? "shared" : "own", put.digest, bytes->size()});
            }
            if (!store.put_entry(e).ok()) status = 3;
          } else {
            auto got = store.get_entry(kKey);
            if (got.status == GetStatus::corrupt || got.status == GetStatus::failure) status = 4;
            if (got.hit())
              for (const OutputRef& out : got.value->outputs)
                if (store.get_blob(out.digest).status != GetStatus::hit) status = 5;
          }
        }
      } catch (...) {
        status = 6;
      }
      ::_exit(status);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    INFO("child " << pid);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }
  LocalStore store(root);
  auto got = store.get_entry(kKey);
  INFO(got.reason);
  REQUIRE(got.hit());
  CHECK_THAT(got.value->label, Catch::StartsWith("writer "));
  for (const OutputRef& out : got.value->outputs) CHECK(store.get_blob(out.digest).hit());
  StoreStats stats = store.stats();
  CHECK(stats.entry_files == 1);
  CHECK(stats.blob_files == 1 + kWriters * kRounds);
  CHECK(stats.other_files == 0);  // no temp file left, nothing quarantined
}
