#pragma once
// Runs Debian's ninja on the generated build file and hands each line of its output to a
// callback (ninja's progress lines are "[done/total] description" via NINJA_STATUS).
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace dgxpx::cli {

struct NinjaRun {
  std::filesystem::path directory;       // ninja's working directory (the project root)
  std::vector<std::string> args;         // after "ninja"
  std::map<std::string, std::string> env;  // added to the environment
};

/// Runs ninja to completion; returns its exit status (128+signal when killed). Throws
/// util::RuntimeFailure when ninja cannot be started.
int run_ninja(const NinjaRun& run, const std::function<void(const std::string& line)>& on_line);

}  // namespace dgxpx::cli
