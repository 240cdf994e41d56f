#include "compiler/lora/registry.h"

#include <algorithm>
#include <cctype>

namespace dgxpx::lora {
namespace fs = std::filesystem;

namespace {

constexpr const char* kExtension = ".safetensors";

std::vector<std::string> parts_of(const std::string& version) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    const size_t dot = version.find('.', start);
    std::string part = version.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    const size_t nonzero = part.find_first_not_of('0');
    parts.push_back(nonzero == std::string::npos ? "" : part.substr(nonzero));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  while (!parts.empty() && parts.back().empty()) parts.pop_back();
  return parts;
}

// Digits separated by single dots: "1", "1.2", "10.0.3".
bool numeric_version(const std::string& v) {
  if (v.empty() || v.front() == '.' || v.back() == '.') return false;
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '.' ? v[i + 1] == '.' : !std::isdigit(static_cast<unsigned char>(v[i]))) return false;
  }
  return true;
}

}  // namespace

int compare_versions(const std::string& a, const std::string& b) {
  const auto pa = parts_of(a), pb = parts_of(b);
  for (size_t i = 0; i < std::max(pa.size(), pb.size()); ++i) {
    const std::string x = i < pa.size() ? pa[i] : "", y = i < pb.size() ? pb[i] : "";
    // Without leading zeros, a longer number is larger; equal lengths compare as text.
    if (x.size() != y.size()) return x.size() < y.size() ? -1 : 1;
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

std::vector<RegistryVersion> registry_versions(const fs::path& folder, const std::string& name) {
  std::vector<RegistryVersion> found;
  const std::string prefix = name + "_v";
  const std::string extension = kExtension;
  std::error_code ec;
  for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string file = it->path().filename().string();
    if (file.size() <= prefix.size() + extension.size() || file.compare(0, prefix.size(), prefix) != 0 ||
        file.compare(file.size() - extension.size(), extension.size(), extension) != 0)
      continue;
    std::string version = file.substr(prefix.size(), file.size() - prefix.size() - extension.size());
    if (!numeric_version(version) || !it->is_regular_file(ec)) continue;
    found.push_back({it->path(), std::move(version)});
  }
  std::sort(found.begin(), found.end(), [](const RegistryVersion& a, const RegistryVersion& b) {
    const int order = compare_versions(a.version, b.version);
    return order != 0 ? order < 0 : a.file.filename() < b.file.filename();
  });
  return found;
}

fs::path resolve_registry_lora(const fs::path& root, const std::string& root_display, const std::string& name,
                               const std::string& status, const util::SourceLocation& where) {
  const std::string folder = root_display + "/" + status + "/";
  const auto versions = registry_versions(root / status, name);
  if (versions.empty()) {
    std::string elsewhere;
    std::error_code ec;
    for (fs::directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
      const std::string other = it->path().filename().string();
      if (other == status || !it->is_directory(ec)) continue;
      const auto there = registry_versions(it->path(), name);
      if (!there.empty()) elsewhere += (elsewhere.empty() ? "" : ", ") + other + " has v" + there.back().version;
    }
    throw util::InputError(where, util::expected_got("a LoRA " + folder + name + "_v<version>" + kExtension,
                                                     "none" + (elsewhere.empty() ? "" : " (" + elsewhere + ")")));
  }
  const RegistryVersion& newest = versions.back();
  if (versions.size() > 1 && compare_versions(versions[versions.size() - 2].version, newest.version) == 0)
    throw util::InputError(where, "LoRA '" + name + "' has two files for its newest version in " + folder + ": " +
                                      versions[versions.size() - 2].file.filename().string() + " and " +
                                      newest.file.filename().string() + "; keep one");
  return newest.file;
}

}  // namespace dgxpx::lora
