#pragma once
// Renders a Plan as a Ninja file. Paths are relative to the project root (ninja's cwd).
#include <filesystem>
#include <string>
#include <vector>

#include "compiler/plan/planner.h"

namespace dgxpx::plan {

struct NinjaFileOptions {
  std::string dgxpx_command;                   // absolute path of the dgxpx binary
  std::string build_file;                      // ".dgxpx/build.ninja"; "" for a graph that is never re-planned
  std::string build_dir;                       // ".dgxpx": where ninja keeps .ninja_log
  std::vector<std::string> regenerate_inputs;  // manifests, presets, rules, models...: re-plan when they change
  int gen_jobs = 1;                            // depth of the `model` pool (requests in flight)
  std::string gen_launcher;                    // shell words before each gen step's command
};

/// The whole build.ninja text: rules gen/pixel/pack (restat), the `model` pool, a generator
/// edge that re-plans (unless build_file is empty), and one edge per step. The default
/// targets are ninja's roots: every pack output.
std::string render_ninja_file(const Plan& plan, const NinjaFileOptions& options);

/// Escapes a path for a Ninja build line ($, space and colon).
std::string ninja_escape_path(const std::string& path);

}  // namespace dgxpx::plan
