#pragma once
// Safetensors files for tests that must not need libtorch: a header naming [2, 2] F16 tensors
// (zero-filled data) and whatever __metadata__ a trainer would write.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace dgxpx::testing {

/// A safetensors file holding `names` as [2, 2] F16 zeros, and `metadata`.
inline std::string safetensors_bytes(const std::vector<std::string>& names,
                                     const std::map<std::string, std::string>& metadata) {
  nlohmann::json header = nlohmann::json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  uint64_t offset = 0;
  for (const auto& name : names) {
    header[name] = {{"dtype", "F16"}, {"shape", {2, 2}}, {"data_offsets", {offset, offset + 8}}};
    offset += 8;
  }
  std::string text = header.dump();
  while (text.size() % 8) text += ' ';
  std::string bytes;
  for (int i = 0; i < 8; ++i) bytes += static_cast<char>((text.size() >> (8 * i)) & 0xff);
  return bytes + text + std::string(offset, '\0');
}

}  // namespace dgxpx::testing
