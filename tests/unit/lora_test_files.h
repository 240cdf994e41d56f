#pragma once
// A temp folder for the LoRA unit tests (safetensors_bytes makes the LoRA files they write).
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "tests/support/safetensors_bytes.h"

namespace dgxpx::testing {

class TempFolder {
 public:
  TempFolder() {
    static std::atomic<int> count{0};
    root_ = std::filesystem::temp_directory_path() /
            ("dgxpx-lora-test-" + std::to_string(::getpid()) + "-" + std::to_string(count++));
    std::filesystem::remove_all(root_);
    std::filesystem::create_directories(root_);
  }
  ~TempFolder() {
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }
  const std::filesystem::path& root() const { return root_; }
  std::filesystem::path write(const std::string& relative, const std::string& bytes) const {
    const auto path = root_ / relative;
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }

 private:
  std::filesystem::path root_;
};

}  // namespace dgxpx::testing
