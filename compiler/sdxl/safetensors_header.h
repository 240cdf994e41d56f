#pragma once
// The safetensors header grammar, parsed and validated without libtorch, so the parser can be
// fuzzed on its own (fuzz/safetensors_header_fuzz.cpp). safetensors.h includes this.
// Format: https://github.com/huggingface/safetensors#format
//   [u64 little-endian N][N bytes of UTF-8 JSON][data section]
//   JSON: {"__metadata__": {str: str}?, name: {"dtype": D, "shape": [u64...],
//          "data_offsets": [begin, end]}, ...}, offsets relative to the data section.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace dgxpx::sdxl {

/// How a tensor is stored. Weights must be f32/f16/bf16; `unsupported` marks the other dtypes
/// the format defines (I64 position_ids in real SDXL checkpoints, ...): their entries are
/// validated and can be skipped, but reading one as a weight is an error naming it.
enum class StoredDType { f32, f16, bf16, unsupported };

/// One tensor's header entry. Offsets are relative to the start of the data section.
struct TensorEntry {
  std::string name;
  StoredDType dtype;
  std::vector<int64_t> shape;
  uint64_t begin = 0;
  uint64_t end = 0;
  std::string dtype_name;  // as written in the file: "F16", "I64", ...
};

/// A parsed, validated header.
struct SafetensorsHeader {
  std::vector<TensorEntry> tensors;            // sorted by name
  std::map<std::string, std::string> metadata;  // "__metadata__", if any
  uint64_t data_offset = 0;                     // 8 + header length
};

/// Largest header accepted (the reference implementation's limit): a length above it is
/// treated as hostile rather than allocated.
inline constexpr uint64_t kMaxSafetensorsHeaderBytes = 100u * 1024u * 1024u;

/// Parses and validates the header of a safetensors file held in `bytes` (the whole file).
/// Checks: the length prefix lies inside the file and below kMaxSafetensorsHeaderBytes; the
/// JSON is well-formed, an object, at most 3 levels deep, without duplicate names; each tensor
/// has a known dtype, a non-negative shape whose byte size equals its offset range, and offsets
/// inside the data section that overlap no other tensor; "__metadata__" maps strings to strings.
/// Throws util::InputError naming `file_name` (and the tensor) on any inconsistency; never
/// reads out of bounds. This is the libFuzzer entry point.
SafetensorsHeader parse_safetensors_header(std::string_view bytes, const std::string& file_name);

/// "F32", "F16", "BF16" or "unsupported".
std::string_view stored_dtype_name(StoredDType dtype);

}  // namespace dgxpx::sdxl
