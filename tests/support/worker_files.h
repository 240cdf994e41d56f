#pragma once
// Where a test project's generation worker keeps its socket and pid file on this machine (the
// same node-local folder dgxpx computes, from the environment the test passes down).
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "compiler/worker/launcher.h"
#include "tests/support/project.h"

namespace dgxpx::testing {

inline std::filesystem::path worker_file(const TempProject& p, const std::string& name) {
  return worker::node_runtime_dir(p.root()) / name;
}

inline std::string read_worker_file(const TempProject& p, const std::string& name) {
  std::ifstream in(worker_file(p, name), std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace dgxpx::testing
