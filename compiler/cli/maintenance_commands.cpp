// `dgxpx clean` and `dgxpx gc`.
#include <cstdio>

#include "cache/local_store.h"
#include "cache/size.h"
#include "compiler/cli/command.h"
#include "compiler/cli/ninja_process.h"
#include "compiler/cli/pixelize_command.h"
#include "compiler/cli/project_context.h"
#include "compiler/util/error.h"

namespace dgxpx::cli {
namespace fs = std::filesystem;

int run_clean(const GlobalOptions& global, const std::vector<std::string>& args) {
  if (!args.empty()) throw util::InputError(util::expected_got("no arguments to clean (the cache is kept; use gc)", "'" + args[0] + "'"));
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
  std::printf("cleaned outputs and %d build state entries; cache kept at %s\n", removed, cache.c_str());
  return kExitOk;
}

int run_gc(const GlobalOptions& global, const std::vector<std::string>& args) {
  std::optional<uint64_t> max_size;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--max-size" && i + 1 < args.size()) max_size = cache::parse_size(args[++i]);
    else if (args[i].rfind("--max-size=", 0) == 0) max_size = cache::parse_size(args[i].substr(11));
    else throw util::InputError(util::expected_got("--max-size SIZE", "'" + args[i] + "'"));
  }
  if (!max_size) throw util::InputError(util::expected_got("--max-size SIZE (like 500M or 2G)", "nothing"));
  manifest::ProjectConfig project = manifest::load_project(project_root(global));
  cache::LocalStore store(cache_dir(project));
  cache::GcStats s = store.gc(*max_size);
  std::printf("gc %s: %s in %llu files -> %s in %llu files (evicted %llu entries, %llu blobs; removed %llu orphans, %llu other)\n",
              store.describe().c_str(), cache::format_size(s.bytes_before).c_str(), (unsigned long long)s.files_before,
              cache::format_size(s.bytes_after).c_str(), (unsigned long long)s.files_after, (unsigned long long)s.evicted_entries,
              (unsigned long long)s.evicted_blobs, (unsigned long long)s.removed_orphans, (unsigned long long)s.removed_other);
  return kExitOk;
}

int run_pixelize_cli(const GlobalOptions&, const std::vector<std::string>& args) { return run_pixelize_command(args); }

}  // namespace dgxpx::cli
