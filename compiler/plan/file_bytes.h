#pragma once
// Whole-file reads sized from fstat (one allocation, no stream copies) for the planner's large
// state files: plan-cache entries and build.ninja, read on every re-plan. util::read_file's
// stream copies cost tens of milliseconds at these sizes.
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace dgxpx::plan {

/// The file's bytes; nullopt if it does not exist. Throws util::RuntimeFailure on other errors.
std::optional<std::string> read_file_bytes(const std::filesystem::path& path);

/// Like util::write_file_if_changed (atomic, left alone when it already holds `bytes`), with
/// the comparison read done by read_file_bytes. Returns true when it wrote.
bool write_file_if_different(const std::filesystem::path& path, std::string_view bytes);

}  // namespace dgxpx::plan
