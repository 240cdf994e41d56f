// LocalStore::stats and LocalStore::gc: size accounting and least-recently-used eviction.
#include <catch2/catch.hpp>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "cache/local_store.h"

namespace fs = std::filesystem;
using namespace dgxpx::cache;
using dgxpx::util::Digest;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "dgxpx-cache-gc-test-XXXXXX").string();
    path = ::mkdtemp(pattern.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

void set_mtime(const fs::path& p, time_t seconds) {
  struct timespec times[2] = {{seconds, 0}, {seconds, 0}};
  REQUIRE(::utimensat(AT_FDCWD, p.c_str(), times, 0) == 0);
}

void write(const fs::path& p, const std::string& bytes) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << bytes;
}

Digest key_of(int i) { return Digest{0x1000u + static_cast<uint64_t>(i), 0x2000u}; }

/// Step i: one blob of `blob_bytes` distinct bytes and its entry, both last used at `when`.
ActionEntry put_step(LocalStore& store, int i, size_t blob_bytes, time_t when) {
  std::string bytes(blob_bytes, static_cast<char>('a' + i % 26));
  bytes += std::to_string(i);
  PutResult blob = store.put_blob(bytes);
  REQUIRE(blob.ok());
  ActionEntry e;
  e.key = key_of(i);
  e.kind = "pixel";
  e.label = "pixel step " + std::to_string(i);
  e.outputs.push_back(OutputRef{"image", blob.digest, bytes.size()});
  REQUIRE(store.put_entry(e).ok());
  set_mtime(store.entry_path(e.key), when);
  set_mtime(store.blob_path(blob.digest), when);
  return e;
}


}  // namespace

TEST_CASE("stats counts entries, blobs and other files", "[cache][gc]") {
  TempDir dir;
  LocalStore store(dir.path / "cache");
  ActionEntry a = put_step(store, 0, 1000, 1000000000);
  ActionEntry b = put_step(store, 1, 3000, 1000000000);
  write(dir.path / "cache" / "v1" / "quarantine" / "blob-xyz.1.0", "12345");
  StoreStats s = store.stats();
  CHECK(s.entry_files == 2);
  CHECK(s.entry_bytes == fs::file_size(store.entry_path(a.key)) + fs::file_size(store.entry_path(b.key)));
  CHECK(s.blob_files == 2);
  CHECK(s.blob_bytes == 1001 + 3001);
  CHECK(s.other_files == 1);
  CHECK(s.other_bytes == 5);
  CHECK(s.total_files() == 5);
  CHECK(s.total_bytes() == s.entry_bytes + 4002 + 5);
}

TEST_CASE("gc evicts least recently used steps first and respects the bound", "[cache][gc]") {
  TempDir dir;
  LocalStore store(dir.path / "cache");
  std::vector<ActionEntry> steps;
  for (int i = 0; i < 5; ++i) steps.push_back(put_step(store, i, 1000, 1000000000 + 100 * i));
  // Using step 1 makes it the most recent; the least recent are now 0, then 2.
  REQUIRE(store.get_entry(key_of(1)).hit());
  uint64_t step_bytes = fs::file_size(store.entry_path(key_of(0))) + 1001;
  uint64_t before = store.stats().total_bytes();
  REQUIRE(before == 5 * step_bytes);

  GcStats gc = store.gc(3 * step_bytes);
  CHECK(gc.files_before == 10);
  CHECK(gc.bytes_before == before);
  CHECK(gc.evicted_entries == 2);
  CHECK(gc.evicted_blobs == 2);
  CHECK(gc.removed_orphans == 0);
  CHECK(gc.files_after == 6);
  CHECK(gc.bytes_after == 3 * step_bytes);
  CHECK(store.stats().total_bytes() == gc.bytes_after);
  CHECK(store.get_entry(key_of(0)).status == GetStatus::miss);
  CHECK(store.get_entry(key_of(2)).status == GetStatus::miss);
  CHECK(store.get_entry(key_of(1)).hit());
  CHECK(store.get_entry(key_of(3)).hit());
  CHECK(store.get_entry(key_of(4)).hit());

  SECTION("one byte over the bound evicts the oldest entry, before its blob on a tie") {
    set_mtime(store.entry_path(key_of(3)), 1000000000);
    set_mtime(store.blob_path(steps[3].outputs[0].digest), 1000000000);
    GcStats again = store.gc(3 * step_bytes - 1);
    CHECK(again.evicted_entries == 1);
    CHECK(again.evicted_blobs == 0);
    CHECK(again.bytes_after == 2 * step_bytes + 1001);
    CHECK(again.files_after == 5);
    CHECK(store.get_entry(key_of(3)).status == GetStatus::miss);
    CHECK(store.get_entry(key_of(1)).hit());
  }
  SECTION("a bound above the size evicts nothing") {
    GcStats again = store.gc(before);
    CHECK(again.files_after == again.files_before);
    CHECK(again.evicted_entries + again.evicted_blobs == 0);
  }
  SECTION("a bound of zero empties the store") {
    GcStats again = store.gc(0);
    CHECK(again.files_after == 0);
    CHECK(again.bytes_after == 0);
    CHECK(store.stats().total_files() == 0);
  }
}

TEST_CASE("gc drops entries whose blob it evicted", "[cache][gc]") {
  TempDir dir;
  LocalStore store(dir.path / "cache");
  ActionEntry e = put_step(store, 0, 5000, 2000000000);
  // The blob is older than its entry (it was shared with an older step), so it goes first.
  set_mtime(store.blob_path(e.outputs[0].digest), 1000000000);
  uint64_t entry_bytes = fs::file_size(store.entry_path(e.key));
  GcStats gc = store.gc(entry_bytes);
  CHECK(gc.evicted_blobs == 1);
  CHECK(gc.evicted_entries == 0);
  CHECK(gc.removed_orphans == 1);
  CHECK(gc.files_after == 0);
  CHECK_FALSE(fs::exists(store.entry_path(e.key)));
}

TEST_CASE("gc removes quarantined files, stale temp files and damaged entries", "[cache][gc]") {
  TempDir dir;
  LocalStore store(dir.path / "cache");
  ActionEntry e = put_step(store, 0, 100, 1000000000);
  fs::path fan = store.entry_path(e.key).parent_path();
  fs::path stale = fan / ".0000.tmp.123.0", fresh = fan / ".0001.tmp.124.0";
  write(stale, "half written by a killed writer");
  set_mtime(stale, 1000000000);
  write(fresh, "being written right now");
  fs::path quarantined = dir.path / "cache" / "v1" / "quarantine" / "entry-abc.1.0";
  write(quarantined, "damaged");
  ActionEntry damaged = put_step(store, 1, 100, 1000000000);
  std::ofstream(store.entry_path(damaged.key), std::ios::binary | std::ios::app) << "junk";

  GcStats gc = store.gc(UINT64_MAX);
  CHECK(gc.removed_other == 2);
  CHECK(gc.removed_orphans == 1);
  CHECK(gc.evicted_entries + gc.evicted_blobs == 0);
  CHECK_FALSE(fs::exists(stale));
  CHECK_FALSE(fs::exists(quarantined));
  CHECK_FALSE(fs::exists(store.entry_path(damaged.key)));
  CHECK(fs::exists(fresh));
  CHECK(store.get_entry(e.key).hit());
}

TEST_CASE("after any gc every remaining entry is a hit and the bound holds", "[cache][gc]") {
  TempDir dir;
  LocalStore store(dir.path / "cache");
  std::mt19937 rng(12345);
  // Steps share blobs (like identical frames), with random last-use times.
  std::vector<std::string> pool;
  for (int i = 0; i < 12; ++i) pool.push_back(std::string(200 + 50 * i, static_cast<char>('A' + i)));
  for (int i = 0; i < 40; ++i) {
    ActionEntry e;
    e.key = key_of(i);
    e.kind = "pack";
    for (int j = 0; j < 3; ++j) {
      const std::string& bytes = pool[rng() % pool.size()];
      if (e.find("o" + std::to_string(bytes.size()))) continue;
      PutResult put = store.put_blob(bytes);
      REQUIRE(put.ok());
      e.outputs.push_back(OutputRef{"o" + std::to_string(bytes.size()), put.digest, bytes.size()});
      set_mtime(store.blob_path(put.digest), 1000000000 + rng() % 1000);
    }
    REQUIRE(store.put_entry(e).ok());
    set_mtime(store.entry_path(e.key), 1000000000 + rng() % 1000);
  }
  uint64_t total = store.stats().total_bytes();
  for (uint64_t bound : {total, total * 3 / 4, total / 2, total / 5, uint64_t(700), uint64_t(0)}) {
    INFO("bound " << bound);
    GcStats gc = store.gc(bound);
    CHECK(gc.bytes_after <= bound);
    CHECK(store.stats().total_bytes() == gc.bytes_after);
    for (int i = 0; i < 40; ++i) {
      bool on_disk = fs::exists(store.entry_path(key_of(i)));
      auto got = store.get_entry(key_of(i));
      CHECK(got.status == (on_disk ? GetStatus::hit : GetStatus::miss));
    }
  }
}
