// `dgxpx compare --lora OLD=NEW | --status OLD=NEW [--json]`: builds the project as it is (A)
// and with LoRA file OLD swapped for NEW, or registry status OLD looked up in NEW (B), each into its own folders under .dgxpx/compare/ but through the one
// shared cache, so a step both sides have runs once; then ranks the assets by how much their
// sheets changed, with both pack keys and why they differ.
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <regex>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "compiler/cli/asset_comparison.h"
#include "compiler/cli/compare_page.h"
#include "compiler/cli/command.h"
#include "compiler/cli/project_context.h"
#include "compiler/util/atomic_file.h"
#include "compiler/util/error.h"

namespace dgxpx::cli {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct VariantBuild {
  int exit_code = 1;
  json summary;  // the build's --json line
};

// Runs `dgxpx -C root build --json` with `env` added; its stderr (progress) passes through.
VariantBuild build_variant(const fs::path& root, const std::map<std::string, std::string>& env) {
  int out[2];
  if (::pipe(out) != 0) throw util::RuntimeFailure(std::string("cannot create a pipe: ") + std::strerror(errno));
  const std::string self = self_command();
  const pid_t pid = ::fork();
  if (pid < 0) throw util::RuntimeFailure(std::string("cannot fork: ") + std::strerror(errno));
  if (pid == 0) {
    ::dup2(out[1], STDOUT_FILENO);
    ::close(out[0]);
    ::close(out[1]);
    for (const auto& [name, value] : env) ::setenv(name.c_str(), value.c_str(), 1);
    const std::string dir = root.string();
    ::execl(self.c_str(), self.c_str(), "-C", dir.c_str(), "build", "--json", static_cast<char*>(nullptr));
    std::fprintf(stderr, "error: cannot run %s: %s\n", self.c_str(), std::strerror(errno));
    ::_exit(kExitBuildFailed);
  }
  ::close(out[1]);
  std::string text;
  char buffer[4096];
  for (ssize_t n; (n = ::read(out[0], buffer, sizeof buffer)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    text.append(buffer, static_cast<size_t>(n));
  }
  ::close(out[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  VariantBuild result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  const size_t end = text.find_last_not_of('\n');
  const size_t start = end == std::string::npos ? 0 : text.rfind('\n', end);
  result.summary = json::parse(end == std::string::npos ? "" : text.substr(start == std::string::npos ? 0 : start + 1),
                               nullptr, false);
  return result;
}

fs::path existing_lora(const std::string& written, const std::string& side) {
  const fs::path p = fs::absolute(written).lexically_normal();
  std::error_code ec;
  if (!fs::is_regular_file(p, ec))
    throw util::InputError(util::expected_got("--lora OLD=NEW with existing files", side + " '" + written + "', which does not exist"));
  return p;
}

std::string fixed(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.2f", v);
  return buffer;
}

}  // namespace

CommandBody define_compare(CLI::App& app, const GlobalOptions& global) {
  struct Options {
    std::vector<std::string> swaps, statuses;
    bool json = false;
  };
  auto options = std::make_shared<Options>();
  app.add_option("--lora", options->swaps, "OLD=NEW: build B with LoRA file NEW wherever A uses OLD (repeatable)")
      ->type_name("OLD=NEW");
  app.add_option("--status", options->statuses,
                 "OLD=NEW: build B with registry LoRAs of status OLD taken from status NEW (e.g. production=staging)")
      ->type_name("OLD=NEW");
  app.add_flag("--json", options->json, "print one JSON object as the last stdout line");
  return [options, &global]() -> int {
    if (options->swaps.empty() && options->statuses.empty())
      throw util::InputError(util::expected_got("--lora OLD=NEW or --status OLD=NEW (see dgxpx compare --help)", "neither"));
    const fs::path root = project_root(global);
    const manifest::ProjectConfig project = manifest::load_project(root);
    std::string swap_env;
    json swaps_json = json::array();
    for (const auto& swap : options->swaps) {
      const size_t eq = swap.find('=');
      if (eq == std::string::npos) throw util::InputError(util::expected_got("--lora OLD=NEW", "'" + swap + "'"));
      const fs::path old_file = existing_lora(swap.substr(0, eq), "OLD"), new_file = existing_lora(swap.substr(eq + 1), "NEW");
      swap_env += old_file.string() + "=" + new_file.string() + "\n";
      swaps_json.push_back({{"old", manifest::display_path(project, old_file)}, {"new", manifest::display_path(project, new_file)}});
    }

    std::string status_env;
    for (const auto& swap : options->statuses) {
      static const std::regex word("[A-Za-z0-9][A-Za-z0-9._-]*");
      const size_t eq = swap.find('=');
      if (eq == std::string::npos || !std::regex_match(swap.substr(0, eq), word) || !std::regex_match(swap.substr(eq + 1), word))
        throw util::InputError(util::expected_got("--status OLD=NEW with registry statuses such as production=staging", "'" + swap + "'"));
      status_env += swap + "\n";
      swaps_json.push_back({{"old", "status " + swap.substr(0, eq)}, {"new", "status " + swap.substr(eq + 1)}});
    }

    // Both sides through the project's cache; B starts from nothing each time, so its plan
    // never outlives the swap it was made for (its steps still come from the cache).
    const fs::path base = project.state_dir / "compare";
    const std::string cache = cache_dir(project).string();
    manifest::ProjectConfig side_a = project, side_b = project;
    side_a.state_dir = base / "a" / "state";
    side_a.output_dir = base / "a" / "assets";
    side_b.state_dir = base / "b" / "state";
    side_b.output_dir = base / "b" / "assets";
    std::error_code ec;
    fs::remove_all(base / "b", ec);
    VariantBuild builds[2];
    const manifest::ProjectConfig* sides[2] = {&side_a, &side_b};
    for (int i = 0; i < 2; ++i) {
      std::map<std::string, std::string> env = {{manifest::kStateDirEnv, sides[i]->state_dir.string()},
                                                {manifest::kOutputDirEnv, sides[i]->output_dir.string()},
                                                {"DGXPX_CACHE_DIR", cache}};
      if (i == 1) {
        env[manifest::kLoraSwapEnv] = swap_env;
        env[manifest::kStatusSwapEnv] = status_env;
      }
      builds[i] = build_variant(root, env);
      if (builds[i].exit_code != kExitOk) {
        std::fprintf(stderr, "error: the build of %s failed (exit %d)\n", i == 0 ? "A (as is)" : "B (LoRA swapped)",
                     builds[i].exit_code);
        return builds[i].exit_code;
      }
    }

    const auto assets = compare_variants(side_a, side_b);
    std::string swapped;
    for (const auto& s : swaps_json)
      swapped += (swapped.empty() ? "" : ", ") + s["old"].get<std::string>() + " → " + s["new"].get<std::string>();
    const fs::path page = base / "index.html";
    util::write_file_atomic(page, render_compare_page(assets, {"as is", swapped, "a/assets", "b/assets"}, base));
    int changed = 0;
    json rows = json::array();
    for (const auto& c : assets) {
      changed += c.changed;
      rows.push_back({{"asset", c.asset},
                      {"changed", c.changed},
                      {"mean_pixel_difference", c.pixels.mean},
                      {"colors_a", c.pixels.colors_a},
                      {"colors_b", c.pixels.colors_b},
                      {"key_a", c.key_a},
                      {"key_b", c.key_b},
                      {"reason", c.reason}});
    }
    if (options->json) {
      json out = {{"page", manifest::display_path(project, page)},
                  {"a", {{"output", manifest::display_path(project, side_a.output_dir)}, {"ran", builds[0].summary.value("ran", json())}}},
                  {"b", {{"output", manifest::display_path(project, side_b.output_dir)}, {"ran", builds[1].summary.value("ran", json())},
                         {"swaps", swaps_json}}},
                  {"assets", rows},
                  {"changed", changed}};
      std::printf("%s\n", out.dump().c_str());
      return kExitOk;
    }
    std::printf("A: %s (as is)\nB: %s (%s)\n", manifest::display_path(project, side_a.output_dir).c_str(),
                manifest::display_path(project, side_b.output_dir).c_str(), swapped.c_str());
    std::printf("%8s  %-9s  %s\n", "pixels", "colours", "asset");
    for (const auto& c : assets)
      std::printf("%8s  %4d→%-4d  %s%s\n", fixed(c.pixels.mean).c_str(), c.pixels.colors_a, c.pixels.colors_b, c.asset.c_str(),
                  c.changed ? (": " + c.reason).c_str() : " (same key)");
    std::printf("%d of %zu assets changed; side by side: %s\n", changed, assets.size(),
                manifest::display_path(project, page).c_str());
    return kExitOk;
  };
}

}  // namespace dgxpx::cli
