// libFuzzer target for the safetensors header parser: any byte string must either parse into a
// header whose entries all lie inside the input, or throw util::InputError; never crash, hang,
// read out of bounds or throw anything else.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "compiler/sdxl/safetensors_header.h"
#include "compiler/util/error.h"

namespace {

uint64_t element_bytes(const std::string& dtype) {
  if (dtype == "F64" || dtype == "I64" || dtype == "U64") return 8;
  if (dtype == "F32" || dtype == "I32" || dtype == "U32") return 4;
  if (dtype == "F16" || dtype == "BF16" || dtype == "I16" || dtype == "U16") return 2;
  return 1;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  try {
    auto header = dgxpx::sdxl::parse_safetensors_header(bytes, "fuzz.safetensors");
    // The contract the mmap reader relies on: every range lies inside the input.
    for (const auto& entry : header.tensors) {
      if (entry.begin > entry.end || header.data_offset + entry.end > size) std::abort();
      // ... and holds exactly shape x dtype bytes (computed without overflow).
      unsigned __int128 bytes = element_bytes(entry.dtype_name);
      for (int64_t dim : entry.shape) {
        if (dim < 0) std::abort();
        bytes *= static_cast<uint64_t>(dim);
        if (bytes > size) bytes = size + 1;  // saturate: already too big for the input
      }
      if (bytes != entry.end - entry.begin) std::abort();
    }
  } catch (const dgxpx::util::InputError&) {
    // Rejected with a diagnostic: the expected outcome for malformed input.
  }
  return 0;
}
