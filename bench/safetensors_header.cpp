// How safetensors header parsing scales with the tensor count: times parse_safetensors_header
// on headers of 10,000 to 320,000 entries (best of --runs) and prints the ratio per doubling,
// which stays near 2 while the parse is linear (it was 4 with the old duplicate-name check).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "compiler/sdxl/safetensors_header.h"

namespace {

std::string header_file(size_t count) {
  std::string header = "{";
  for (size_t i = 0; i < count; ++i)
    header += (i ? ",\"" : "\"") + std::string("model.layers.") + std::to_string(i) +
              ".weight\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[" + std::to_string(2 * i) + "," +
              std::to_string(2 * i + 2) + "]}";
  header += "}";
  std::string bytes;
  for (int i = 0; i < 8; ++i) bytes.push_back(static_cast<char>((uint64_t(header.size()) >> (8 * i)) & 0xff));
  return bytes + header + std::string(2 * count, '\0');
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 3;
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], "--runs") == 0) runs = std::max(1, std::atoi(argv[i + 1]));
  std::printf("%10s %12s %10s %14s\n", "tensors", "header MB", "best s", "x per doubling");
  double previous = 0;
  for (size_t count = 10'000; count <= 320'000; count *= 2) {
    const std::string file = header_file(count);
    double best = 1e9;
    for (int r = 0; r < runs; ++r) {
      const auto start = std::chrono::steady_clock::now();
      const auto header = dgxpx::sdxl::parse_safetensors_header(file, "bench.safetensors");
      best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
      if (header.tensors.size() != count) return 1;
    }
    std::printf("%10zu %12.1f %10.3f", count, double(file.size()) / 1e6, best);
    if (previous > 0) std::printf(" %14.2f", best / previous);
    std::printf("\n");
    previous = best;
  }
  return 0;
}
