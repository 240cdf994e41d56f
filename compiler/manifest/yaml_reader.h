#pragma once
// Reads YAML files into Values (the only yaml-cpp user in dgxpx).
#include <filesystem>
#include <string>
#include <vector>

#include "compiler/manifest/value.h"

namespace dgxpx::manifest {

/// Parses every document of a YAML file. `display_name` is the path shown in errors (relative
/// to the project root). Throws util::InputError with file:line:col on syntax errors and on
/// duplicate keys; util::RuntimeFailure when the file cannot be read.
std::vector<Value> read_yaml_documents(const std::filesystem::path& path, const std::string& display_name);

/// Parses YAML text (for tests).
std::vector<Value> parse_yaml_documents(const std::string& text, const std::string& display_name);

}  // namespace dgxpx::manifest
