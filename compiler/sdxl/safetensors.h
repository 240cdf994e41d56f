#pragma once
// Safetensors reading: the file is mmapped, the JSON header validated (length bound, dtypes,
// shapes, offsets inside the data section and not overlapping), and tensors are views over the
// mapping, so a 7 GB checkpoint costs about its own size in memory.
// Format: https://github.com/huggingface/safetensors#format
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <torch/torch.h>

#include "compiler/sdxl/safetensors_header.h"

namespace dgxpx::sdxl {

// StoredDType, TensorEntry, SafetensorsHeader and parse_safetensors_header() live in
// safetensors_header.h (no libtorch there, so the parser fuzzes on its own).

/// A memory-mapped safetensors file.
class SafetensorsFile {
 public:
  /// Maps and validates `path`. Throws util::InputError (bad file) or util::RuntimeFailure (I/O).
  static SafetensorsFile open(const std::filesystem::path& path);

  const std::filesystem::path& path() const { return path_; }
  const std::vector<TensorEntry>& entries() const { return header_.tensors; }
  const std::map<std::string, std::string>& metadata() const { return header_.metadata; }
  /// The entry for `name`, or nullptr.
  const TensorEntry* find(std::string_view name) const;

  /// The tensor in its stored dtype, viewing the mapping without a copy (the mapping lives as
  /// long as any tensor from it; the mapping is private copy-on-write, so writing to the tensor
  /// never touches the file). A tensor whose data is not aligned to its element size is copied
  /// instead. Throws util::InputError if `name` is absent or its dtype is not F32/F16/BF16.
  torch::Tensor tensor(std::string_view name) const;
  /// The same for an entry of this file.
  torch::Tensor tensor(const TensorEntry& entry) const;
  /// Size of the mapped file in bytes.
  uint64_t file_size() const;

 private:
  struct Mapping;
  std::filesystem::path path_;
  std::shared_ptr<Mapping> mapping_;
  SafetensorsHeader header_;
};

/// Writes tensors (f32/f16/bf16, any layout; written row-major) to `path` atomically, with the
/// header padded to 8 bytes as the reference writer does; for tests and tools. Throws
/// util::InputError for another dtype, util::RuntimeFailure on I/O errors.
void write_safetensors(const std::filesystem::path& path,
                       const std::map<std::string, torch::Tensor>& tensors,
                       const std::map<std::string, std::string>& metadata = {});

}  // namespace dgxpx::sdxl
