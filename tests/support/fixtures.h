#pragma once
// Where the reference fixtures live: $DGXPX_FIXTURES, else the CMake cache variable
// DGXPX_FIXTURES compiled in (default ../shared/fixtures next to the source tree).
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

namespace dgxpx::testing {

inline std::filesystem::path fixtures_root() {
  const char* env = std::getenv("DGXPX_FIXTURES");
  std::filesystem::path root = env && *env ? env : DGXPX_DEFAULT_FIXTURES;
  return root;
}

/// The sdxl-tiny fixture set; throws (failing the test, never skipping) when it is missing.
inline std::filesystem::path sdxl_tiny() {
  auto dir = fixtures_root() / "sdxl-tiny";
  if (!std::filesystem::exists(dir / "cases.json"))
    throw std::runtime_error("reference fixtures not found at " + dir.string() +
                             " (set DGXPX_FIXTURES or -DDGXPX_FIXTURES=...)");
  return dir;
}

}  // namespace dgxpx::testing
