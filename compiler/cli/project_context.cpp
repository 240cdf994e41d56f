#include "compiler/cli/project_context.h"

#include <chrono>
#include <cstdlib>

#include <spdlog/spdlog.h>

#include "compiler/plan/file_digests.h"

namespace dgxpx::cli {
namespace fs = std::filesystem;

fs::path project_root(const GlobalOptions& options) {
  fs::path start = options.directory.empty() ? fs::current_path() : options.directory;
  auto root = manifest::find_project_root(start);
  if (!root)
    throw util::InputError("no dgxpx.yaml found in " + fs::absolute(start).string() +
                           " or any folder above it (create one at your game repo's root)");
  return *root;
}

fs::path cache_dir(const manifest::ProjectConfig& project) {
  if (const char* env = std::getenv("DGXPX_CACHE_DIR"); env && *env) return fs::absolute(env);
  if (project.cache_dir) return *project.cache_dir;
  return project.state_dir / "cache";
}

std::string self_command() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("dgxpx") : exe.string();
}

std::string sdxl_command() { return (fs::path(self_command()).parent_path() / "dgxpx-sdxl").string(); }

Planned plan_in_memory(const fs::path& root, plan::RecordDetail detail, plan::CacheWrites writes) {
  const auto started = std::chrono::steady_clock::now();
  plan::FileDigestCache digests(manifest::load_project(root).state_dir / "file-digests");
  plan::ProjectPlan planned =
      plan::plan_project(root, manifest::builtin_data_dir(), self_command(), digests, detail, writes);
  if (writes == plan::CacheWrites::allowed) digests.save();
  spdlog::debug("planned {} assets in {:.0f} ms; re-planned {} of {} manifest files", planned.plan.records.size(),
                std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count(),
                planned.files_replanned, planned.manifest_files);
  return {std::move(planned.workspace), std::move(planned.plan), std::move(planned.specs), detail};
}

std::optional<Planned> plan_if_stale(const manifest::ProjectConfig& project, plan::RecordDetail detail) {
  if (plan::plan_is_current(project, self_command())) return std::nullopt;
  return plan_in_memory(project.root, detail);
}

plan::PlanWriteResult write_planned(const Planned& p) {
  const auto started = std::chrono::steady_clock::now();
  plan::PlanWriteResult written = plan::write_plan(p.workspace, p.plan, p.specs, self_command());
  spdlog::debug("planned {} steps ({} gen, {} pixel, {} pack); {} assets changed, {} specs written in {:.0f} ms",
                p.plan.steps.size(), p.plan.gen_steps, p.plan.pixel_steps, p.plan.pack_steps, written.assets_changed,
                written.specs_written,
                std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count());
  return written;
}

PlanUpdate ensure_plan_current(const manifest::ProjectConfig& project, plan::RecordDetail detail) {
  PlanUpdate update;
  update.planned = plan_if_stale(project, detail);
  if (update.planned) update.written = write_planned(*update.planned);
  return update;
}

}  // namespace dgxpx::cli
