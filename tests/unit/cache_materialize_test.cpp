#include "cache/materialize.h"

#include <catch2/catch.hpp>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "cache/local_store.h"
#include "cache/memory_store.h"
#include "compiler/util/atomic_file.h"
#include "compiler/util/error.h"

namespace fs = std::filesystem;
using namespace dgxpx::cache;
using dgxpx::util::Digest;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "dgxpx-cache-mat-test-XXXXXX").string();
    path = ::mkdtemp(pattern.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

std::string read(const fs::path& p) { return dgxpx::util::read_file_or_throw(p); }

void write(const fs::path& p, const std::string& bytes) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << bytes;
}

time_t mtime(const fs::path& p) {
  struct stat st;
  REQUIRE(::stat(p.c_str(), &st) == 0);
  return st.st_mtim.tv_sec;
}

void set_mtime(const fs::path& p, time_t seconds) {
  struct timespec times[2] = {{seconds, 0}, {seconds, 0}};
  REQUIRE(::utimensat(AT_FDCWD, p.c_str(), times, 0) == 0);
}

ActionEntry header(Digest key) {
  ActionEntry e;
  e.key = key;
  e.kind = "pack";
  e.label = "pack hero";
  e.created_unix = 1700000000;
  return e;
}

const Digest kKey{42, 43};

}  // namespace

TEST_CASE("store_outputs then materialize restores the files", "[cache][materialize]") {
  TempDir dir;
  std::unique_ptr<Store> store;
  if (GENERATE(true, false)) store = std::make_unique<LocalStore>(dir.path / "cache");
  else store = std::make_unique<MemoryStore>();
  INFO(store->describe());

  write(dir.path / "build" / "hero.png", "PNG sheet bytes");
  write(dir.path / "build" / "hero.json", "{\"frames\": {}}");
  PutResult put = store_outputs(*store, header(kKey),
                                {{"sheet", dir.path / "build" / "hero.png"},
                                 {"atlas", dir.path / "build" / "hero.json"}});
  INFO(put.reason);
  REQUIRE(put.ok());
  CHECK(put.digest == kKey);

  auto entry = store->get_entry(kKey);
  REQUIRE(entry.hit());
  REQUIRE(entry.value->outputs.size() == 2);
  CHECK(entry.value->outputs[0].name == "sheet");
  CHECK(entry.value->outputs[0].size == 15);
  CHECK(entry.value->label == "pack hero");

  fs::path out = dir.path / "assets" / "sprites";
  MaterializeResult m = materialize(*store, *entry.value, {{"sheet", out / "hero.png"}, {"atlas", out / "hero.json"}});
  INFO(m.reason);
  REQUIRE(m.ok());
  CHECK(m.written == 2);
  CHECK(read(out / "hero.png") == "PNG sheet bytes");
  CHECK(read(out / "hero.json") == "{\"frames\": {}}");

  SECTION("a subset of outputs may be requested") {
    fs::remove(out / "hero.json");
    CHECK(materialize(*store, *entry.value, {{"sheet", out / "hero.png"}}).ok());
    CHECK_FALSE(fs::exists(out / "hero.json"));
  }
}

TEST_CASE("materialize leaves identical files and their mtimes alone", "[cache][materialize]") {
  TempDir dir;
  MemoryStore store;
  write(dir.path / "a.png", "pixels");
  REQUIRE(store_outputs(store, header(kKey), {{"image", dir.path / "a.png"}}).ok());
  ActionEntry entry = *store.get_entry(kKey).value;
  fs::path dest = dir.path / "out.png";
  write(dest, "pixels");
  set_mtime(dest, 1000000000);

  MaterializeResult kept = materialize(store, entry, {{"image", dest}});
  CHECK(kept.ok());
  CHECK(kept.unchanged == 1);
  CHECK(kept.written == 0);
  CHECK(mtime(dest) == 1000000000);

  MaterializeResult forced = materialize(store, entry, {{"image", dest}}, Overwrite::always);
  CHECK(forced.written == 1);
  CHECK(mtime(dest) > 1000000000);

  write(dest, "edited by the user");
  CHECK(materialize(store, entry, {{"image", dest}}).written == 1);
  CHECK(read(dest) == "pixels");
}

TEST_CASE("materialize writes nothing unless every blob verifies", "[cache][materialize]") {
  TempDir dir;
  MemoryStore store;
  write(dir.path / "first", "first output");
  write(dir.path / "second", "second output");
  REQUIRE(store_outputs(store, header(kKey), {{"first", dir.path / "first"}, {"second", dir.path / "second"}}).ok());
  ActionEntry entry = *store.get_entry(kKey).value;
  fs::path a = dir.path / "out" / "first", b = dir.path / "out" / "second";
  GetStatus expected = GetStatus::hit;

  SECTION("a damaged blob is corrupt") {
    store.damage_blob(entry.outputs[1].digest, "second outpuT");
    expected = GetStatus::corrupt;
  }
  SECTION("a missing blob is a miss") {
    store.drop_blob(entry.outputs[1].digest);
    expected = GetStatus::miss;
  }
  SECTION("an unreachable store is a failure") {
    store.set_unreachable(true);
    expected = GetStatus::failure;
  }
  SECTION("an output the entry lacks is a miss") {
    MaterializeResult m = materialize(store, entry, {{"first", a}, {"third", b}});
    CHECK(m.status == GetStatus::miss);
    CHECK_THAT(m.reason, Catch::Contains("no output \"third\""));
    CHECK_FALSE(fs::exists(a));
    return;
  }
  MaterializeResult m = materialize(store, entry, {{"first", a}, {"second", b}});
  CHECK(m.status == expected);
  CHECK_FALSE(m.reason.empty());
  CHECK(m.written == 0);
  CHECK_FALSE(fs::exists(a));
  CHECK_FALSE(fs::exists(b));
}

TEST_CASE("a corrupt blob on disk is never materialized", "[cache][materialize]") {
  TempDir dir;
  LocalStore store(dir.path / "cache");
  write(dir.path / "img", std::string(3000, 'q'));
  REQUIRE(store_outputs(store, header(kKey), {{"image", dir.path / "img"}}).ok());
  ActionEntry entry = *store.get_entry(kKey).value;
  std::string damaged(3000, 'q');
  damaged[2999] = 'Q';  // same size: only re-hashing can tell
  write(store.blob_path(entry.outputs[0].digest), damaged);
  fs::path dest = dir.path / "out.png";
  MaterializeResult m = materialize(store, entry, {{"image", dest}});
  CHECK(m.status == GetStatus::corrupt);
  CHECK_FALSE(fs::exists(dest));
  // The damaged blob is gone, so the entry is a plain miss now and the step regenerates.
  CHECK(store.get_entry(kKey).status == GetStatus::miss);
}

TEST_CASE("store_outputs reports what it cannot store", "[cache][materialize]") {
  TempDir dir;
  MemoryStore store;
  SECTION("a missing output file throws") {
    CHECK_THROWS_AS(store_outputs(store, header(kKey), {{"image", dir.path / "nope.png"}}),
                    dgxpx::util::RuntimeFailure);
  }
  SECTION("an unreachable store is a failed put, not a throw") {
    write(dir.path / "a.png", "x");
    store.set_unreachable(true);
    PutResult put = store_outputs(store, header(kKey), {{"image", dir.path / "a.png"}});
    CHECK_FALSE(put.ok());
    CHECK_THAT(put.reason, Catch::Contains("unreachable"));
    CHECK(put.digest == kKey);
  }
  SECTION("duplicate names are an invalid entry") {
    write(dir.path / "a.png", "x");
    PutResult put = store_outputs(store, header(kKey), {{"image", dir.path / "a.png"}, {"image", dir.path / "a.png"}});
    CHECK_FALSE(put.ok());
    CHECK_THAT(put.reason, Catch::Contains("duplicate output name"));
    CHECK(store.entry_count() == 0);
  }
}

TEST_CASE("memory store counts calls and follows the Store contract", "[cache][memory]") {
  MemoryStore store;
  PutResult blob = store.put_blob("abc");
  REQUIRE(blob.ok());
  CHECK(store.get_blob(blob.digest).hit());
  CHECK(store.get_blob(Digest{9, 9}).status == GetStatus::miss);
  ActionEntry e = header(kKey);
  e.outputs.push_back(OutputRef{"image", blob.digest, 3});
  REQUIRE(store.put_entry(e).ok());
  CHECK(*store.get_entry(kKey).value == e);
  store.drop_blob(blob.digest);
  CHECK(store.get_entry(kKey).status == GetStatus::miss);
  CHECK(store.entry_count() == 0);  // dangling entry dropped
  CHECK(store.calls().put_blob == 1);
  CHECK(store.calls().get_blob == 2);
  CHECK(store.calls().get_entry == 2);
  CHECK(store.calls().put_entry == 1);
  CHECK(std::string(to_string(GetStatus::corrupt)) == "corrupt");
}
