// `dgxpx clean` and `dgxpx gc`.
#include <cstdio>
#include <memory>

#include <CLI/CLI.hpp>

#include "cache/local_store.h"
#include "cache/size.h"
#include "compiler/cli/command.h"
#include "compiler/cli/ninja_process.h"
#include "compiler/cli/project_context.h"
#include "compiler/util/atomic_file.h"
#include "compiler/util/error.h"

namespace dgxpx::cli {
namespace fs = std::filesystem;

namespace {

int run_clean(const GlobalOptions& global) {
  fs::path root = project_root(global);
  manifest::ProjectConfig project = manifest::load_project(root);
  fs::path build_file = project.state_dir / "build.ninja";
  if (fs::exists(build_file))  // removes every output ninja built: sheets, atlases, sprites
    run_ninja({root, {"-f", manifest::display_path(project, build_file), "-t", "clean"}, {}}, [](const std::string&) {});
  fs::path cache = fs::weakly_canonical(cache_dir(project));
  std::error_code ec;
  int removed = 0;
  if (fs::is_directory(project.state_dir, ec))
    for (const auto& entry : fs::directory_iterator(project.state_dir, ec)) {
      if (fs::weakly_canonical(entry.path()) == cache) continue;  // the cache outlives clean
      fs::remove_all(entry.path(), ec);
      ++removed;
    }
  util::remove_stale_temp_files(project.output_dir, cache);
  std::printf("cleaned outputs and %d build state entries; cache kept at %s\n", removed, cache.c_str());
  return kExitOk;
}

int run_gc(const GlobalOptions& global, const std::string& max_size_text) {
  const uint64_t max_size = cache::parse_size(max_size_text);
  manifest::ProjectConfig project = manifest::load_project(project_root(global));
  cache::LocalStore store(cache_dir(project));
  cache::GcStats s = store.gc(max_size);
  std::printf("gc %s: %s in %llu files -> %s in %llu files (evicted %llu entries, %llu blobs; removed %llu orphans, %llu other)\n",
              store.describe().c_str(), cache::format_size(s.bytes_before).c_str(), (unsigned long long)s.files_before,
              cache::format_size(s.bytes_after).c_str(), (unsigned long long)s.files_after, (unsigned long long)s.evicted_entries,
              (unsigned long long)s.evicted_blobs, (unsigned long long)s.removed_orphans, (unsigned long long)s.removed_other);
  return kExitOk;
}

}  // namespace

CommandBody define_clean(CLI::App&, const GlobalOptions& global) {
  return [&global] { return run_clean(global); };
}

CommandBody define_gc(CLI::App& app, const GlobalOptions& global) {
  auto max_size = std::make_shared<std::string>();
  app.add_option("--max-size", *max_size, "the cache's size after gc: 500M, 2G, 10GiB")->type_name("SIZE")->required();
  return [&global, max_size] { return run_gc(global, *max_size); };
}

}  // namespace dgxpx::cli
