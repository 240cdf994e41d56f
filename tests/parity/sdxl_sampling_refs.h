#pragma once
// Reference data for the sampling parity tests: cases.json and "file#key" tensors of the
// sdxl-tiny fixture set (tests/support/fixtures.h finds it).
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "compiler/sdxl/safetensors.h"
#include "tests/support/fixtures.h"
#include "tests/support/python_json.h"

namespace dgxpx::testing {

/// cases.json of the fixture set.
inline const nlohmann::json& sdxl_tiny_cases() {
  static const nlohmann::json doc = read_python_json(sdxl_tiny() / "cases.json");
  return doc;
}

/// The cases of one kind ("tokenizer", "scheduler", "rng", ...), in file order.
inline std::vector<nlohmann::json> sdxl_tiny_cases_of_kind(const std::string& kind) {
  std::vector<nlohmann::json> out;
  for (const auto& c : sdxl_tiny_cases().at("cases"))
    if (c.at("kind") == kind) out.push_back(c);
  return out;
}

/// The tensor a "file#key" reference names. F32/F16/BF16 come through SafetensorsFile;
/// integer tensors (I64 timesteps and token ids), which the weight reader refuses, are copied
/// from the span its validated header gives.
inline torch::Tensor sdxl_tiny_ref(const std::string& ref) {
  const auto hash = ref.find('#');
  if (hash == std::string::npos) throw std::runtime_error("not a file#key reference: " + ref);
  const auto path = sdxl_tiny() / ref.substr(0, hash);
  const std::string key = ref.substr(hash + 1);
  const auto file = dgxpx::sdxl::SafetensorsFile::open(path);
  const auto* entry = file.find(key);
  if (!entry) throw std::runtime_error(ref + ": no such tensor");
  if (entry->dtype != dgxpx::sdxl::StoredDType::unsupported) return file.tensor(key).clone();
  if (entry->dtype_name != "I64") throw std::runtime_error(ref + ": unexpected dtype " + entry->dtype_name);
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  const std::string data = bytes.str();
  const auto header = dgxpx::sdxl::parse_safetensors_header(data, path.string());
  torch::Tensor out = torch::empty(entry->shape, torch::kInt64);
  const uint64_t size = entry->end - entry->begin;
  if (size != static_cast<uint64_t>(out.numel()) * 8) throw std::runtime_error(ref + ": size mismatch");
  std::memcpy(out.data_ptr<int64_t>(), data.data() + header.data_offset + entry->begin, size);
  return out;
}

/// max |a - b| in float64.
inline double max_abs_diff(const torch::Tensor& a, const torch::Tensor& b) {
  if (a.numel() == 0) return 0.0;
  return (a.to(torch::kFloat64) - b.to(torch::kFloat64)).abs().max().item<double>();
}

}  // namespace dgxpx::testing
