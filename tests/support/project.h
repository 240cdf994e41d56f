#pragma once
// Integration-test helpers: a game project in a fresh temp folder, and running the real dgxpx
// binary (which runs the real ninja) on it.
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

namespace dgxpx::testing {

struct RunResult {
  int exit_code = -1;
  std::string out, err;
  nlohmann::json summary;  // the last stdout line when it is JSON
};

class TempProject {
 public:
  TempProject() {
    std::random_device rd;
    root_ = std::filesystem::temp_directory_path() / ("dgxpx-test-" + std::to_string(rd()) + std::to_string(::getpid()));
    std::filesystem::create_directories(root_);
  }
  ~TempProject() {
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }
  const std::filesystem::path& root() const { return root_; }

  void write(const std::string& relative, const std::string& text) const {
    auto p = root_ / relative;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
  }
  std::string read(const std::string& relative) const {
    std::ifstream in(root_ / relative, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  bool exists(const std::string& relative) const { return std::filesystem::exists(root_ / relative); }

  /// Runs `dgxpx ARGS` in the project root with extra environment assignments.
  RunResult dgxpx(const std::string& args, const std::string& env = "") const {
    static std::atomic<int> calls{0};  // concurrent runs get their own capture files
    const std::string capture = root_.filename().string() + "." + std::to_string(calls++);
    auto out = root_.parent_path() / (capture + ".out");
    auto err = root_.parent_path() / (capture + ".err");
    std::string cmd = "cd '" + root_.string() + "' && env " + (env.empty() ? "" : env + " ") + "'" DGXPX_BINARY "' " +
                      args + " >'" + out.string() + "' 2>'" + err.string() + "'";
    int status = std::system(cmd.c_str());
    RunResult r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::ifstream o(out), e(err);
    std::stringstream so, se;
    so << o.rdbuf();
    se << e.rdbuf();
    r.out = so.str();
    r.err = se.str();
    std::filesystem::remove(out);
    std::filesystem::remove(err);
    std::string last;
    std::istringstream lines(r.out);
    for (std::string l; std::getline(lines, l);) if (!l.empty()) last = l;
    r.summary = nlohmann::json::parse(last, nullptr, false);
    return r;
  }

 private:
  std::filesystem::path root_;
};

}  // namespace dgxpx::testing
