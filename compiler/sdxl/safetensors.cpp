#include "compiler/sdxl/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <nlohmann/json.hpp>

#include "compiler/util/atomic_file.h"
#include "compiler/util/error.h"

namespace dgxpx::sdxl {
namespace {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "safetensors data is little-endian and is viewed in place");

torch::ScalarType scalar_type(StoredDType dtype) {
  switch (dtype) {
    case StoredDType::f32: return torch::kFloat32;
    case StoredDType::f16: return torch::kFloat16;
    case StoredDType::bf16: return torch::kBFloat16;
    case StoredDType::unsupported: break;
  }
  TORCH_INTERNAL_ASSERT(false, "no torch dtype for an unsupported safetensors dtype");
  return torch::kFloat32;
}

std::string io_error(const std::string& what, const std::filesystem::path& path) {
  return what + " " + path.string() + ": " + std::strerror(errno);
}

}  // namespace

/// The whole file mapped private (copy-on-write): pages are shared with the page cache until
/// someone writes to a tensor, and a write never reaches the file.
struct SafetensorsFile::Mapping {
  void* address = nullptr;
  size_t size = 0;

  Mapping() = default;
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  ~Mapping() {
    if (address) munmap(address, size);
  }
  std::string_view bytes() const {
    return {static_cast<const char*>(address), address ? size : 0};
  }
};

SafetensorsFile SafetensorsFile::open(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT)
      throw util::InputError(util::SourceLocation{path.string(), 0, 0},
                             "safetensors file not found");
    throw util::RuntimeFailure(io_error("cannot open", path));
  }
  struct stat info {};
  if (fstat(fd, &info) != 0) {
    std::string message = io_error("cannot stat", path);
    ::close(fd);
    throw util::RuntimeFailure(message);
  }
  if (!S_ISREG(info.st_mode)) {
    ::close(fd);
    throw util::InputError(util::SourceLocation{path.string(), 0, 0},
                           "expected a regular safetensors file");
  }
  auto mapping = std::make_shared<Mapping>();
  mapping->size = static_cast<size_t>(info.st_size);
  if (mapping->size > 0) {
    void* address =
        mmap(nullptr, mapping->size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    if (address == MAP_FAILED) {
      std::string message = io_error("cannot map", path);
      ::close(fd);
      throw util::RuntimeFailure(message);
    }
    mapping->address = address;
  }
  ::close(fd);  // the mapping keeps the file alive

  SafetensorsFile file;
  file.path_ = path;
  file.header_ = parse_safetensors_header(mapping->bytes(), path.string());
  file.mapping_ = std::move(mapping);
  return file;
}

const TensorEntry* SafetensorsFile::find(std::string_view name) const {
  auto it = std::lower_bound(
      header_.tensors.begin(), header_.tensors.end(), name,
      [](const TensorEntry& entry, std::string_view key) { return entry.name < key; });
  if (it == header_.tensors.end() || it->name != name) return nullptr;
  return &*it;
}

uint64_t SafetensorsFile::file_size() const { return mapping_ ? mapping_->size : 0; }

torch::Tensor SafetensorsFile::tensor(std::string_view name) const {
  const TensorEntry* entry = find(name);
  if (!entry)
    throw util::InputError(util::SourceLocation{path_.string(), 0, 0},
                           "safetensors tensor '" + std::string(name) + "' not found");
  return tensor(*entry);
}

torch::Tensor SafetensorsFile::tensor(const TensorEntry& entry) const {
  if (entry.dtype == StoredDType::unsupported)
    throw util::InputError(util::SourceLocation{path_.string(), 0, 0},
                           "safetensors tensor '" + entry.name + "': " +
                               util::expected_got("dtype F32, F16 or BF16", entry.dtype_name));
  auto options = torch::TensorOptions().dtype(scalar_type(entry.dtype));
  if (entry.end == entry.begin) return torch::empty(entry.shape, options);
  // The header parser guarantees [data_offset + begin, data_offset + end) lies in the file.
  char* data = static_cast<char*>(mapping_->address) + header_.data_offset + entry.begin;
  const size_t element_size = torch::elementSize(scalar_type(entry.dtype));
  if (reinterpret_cast<uintptr_t>(data) % element_size != 0) {
    // Writers that do not pad the header leave data unaligned; kernels expect alignment.
    torch::Tensor copy = torch::empty(entry.shape, options);
    std::memcpy(copy.data_ptr(), data, entry.end - entry.begin);
    return copy;
  }
  std::shared_ptr<Mapping> keep_alive = mapping_;
  return torch::from_blob(
      data, entry.shape, [keep_alive](void*) mutable { keep_alive.reset(); }, options);
}

void write_safetensors(const std::filesystem::path& path,
                       const std::map<std::string, torch::Tensor>& tensors,
                       const std::map<std::string, std::string>& metadata) {
  nlohmann::json header = nlohmann::json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::vector<torch::Tensor> data;
  uint64_t offset = 0;
  for (const auto& [name, tensor] : tensors) {
    std::string dtype;
    if (tensor.scalar_type() == torch::kFloat32) dtype = "F32";
    else if (tensor.scalar_type() == torch::kFloat16) dtype = "F16";
    else if (tensor.scalar_type() == torch::kBFloat16) dtype = "BF16";
    else
      throw util::InputError(util::SourceLocation{path.string(), 0, 0},
                             "tensor '" + name + "': " +
                                 util::expected_got("dtype float32, float16 or bfloat16",
                                                    std::string(c10::toString(
                                                        tensor.scalar_type()))));
    torch::Tensor contiguous = tensor.detach().to(torch::kCPU).contiguous();
    uint64_t bytes = static_cast<uint64_t>(contiguous.numel()) * contiguous.element_size();
    header[name] = {{"dtype", dtype},
                    {"shape", contiguous.sizes().vec()},
                    {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
    data.push_back(contiguous);
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');  // keeps the data section 8-byte aligned
  std::string bytes;
  bytes.reserve(8 + text.size() + offset);
  uint64_t length = text.size();
  for (int i = 0; i < 8; ++i) bytes.push_back(static_cast<char>((length >> (8 * i)) & 0xff));
  bytes += text;
  for (const auto& tensor : data)
    bytes.append(static_cast<const char*>(tensor.data_ptr()),
                 static_cast<size_t>(tensor.numel()) * tensor.element_size());
  util::write_file_atomic(path, bytes);
}

}  // namespace dgxpx::sdxl
