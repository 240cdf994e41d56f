// The worker's socket, lock and pid file live in a node-local folder keyed by the project, so
// that nodes sharing a project folder never meet each other's worker files.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include <catch2/catch.hpp>

#include "compiler/worker/launcher.h"

namespace fs = std::filesystem;
using dgxpx::worker::node_runtime_dir;

TEST_CASE("worker files go to $XDG_RUNTIME_DIR, else $TMPDIR, one folder per project", "[worker]") {
  const fs::path base = fs::temp_directory_path() / ("dgxpx-runtime-test-" + std::to_string(::getpid()));
  fs::create_directories(base / "xdg");
  fs::create_directories(base / "tmp");
  const char* saved_xdg = std::getenv("XDG_RUNTIME_DIR");
  const char* saved_tmp = std::getenv("TMPDIR");
  const std::string xdg_before = saved_xdg ? saved_xdg : "", tmp_before = saved_tmp ? saved_tmp : "";

  ::setenv("XDG_RUNTIME_DIR", (base / "xdg").c_str(), 1);
  ::setenv("TMPDIR", (base / "tmp").c_str(), 1);
  const fs::path a = node_runtime_dir(base / "games" / "a");
  CHECK(a.parent_path() == base / "xdg");
  CHECK(a.filename().string().rfind("dgxpx-" + std::to_string(::getuid()) + "-", 0) == 0);
  CHECK(node_runtime_dir(base / "games" / "a") == a);                  // stable
  CHECK(node_runtime_dir(base / "games" / "b") != a);                  // keyed by project
  CHECK(node_runtime_dir(base / "games" / "." / "a") == a);            // by its path, not its spelling
  CHECK(a.string().size() + std::string("/worker.sock").size() < 108);  // fits a Unix socket address

  ::unsetenv("XDG_RUNTIME_DIR");
  CHECK(node_runtime_dir(base / "games" / "a").parent_path() == base / "tmp");
  ::setenv("XDG_RUNTIME_DIR", (base / "missing").c_str(), 1);  // not a folder: the next one
  CHECK(node_runtime_dir(base / "games" / "a").parent_path() == base / "tmp");

  if (saved_xdg) ::setenv("XDG_RUNTIME_DIR", xdg_before.c_str(), 1); else ::unsetenv("XDG_RUNTIME_DIR");
  if (saved_tmp) ::setenv("TMPDIR", tmp_before.c_str(), 1); else ::unsetenv("TMPDIR");
  fs::remove_all(base);
}
