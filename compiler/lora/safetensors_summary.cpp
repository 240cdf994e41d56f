#include "compiler/lora/safetensors_summary.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>

#include "compiler/sdxl/safetensors_header.h"
#include "compiler/util/error.h"

namespace dgxpx::lora {
namespace fs = std::filesystem;

namespace {

// Read-only mapping of a whole file, unmapped and closed on scope exit.
class MappedFile {
 public:
  explicit MappedFile(const fs::path& file) {
    fd_ = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) throw util::RuntimeFailure("cannot open " + file.string() + ": " + std::strerror(errno));
    struct stat st;
    if (::fstat(fd_, &st) != 0) throw util::RuntimeFailure("cannot stat " + file.string() + ": " + std::strerror(errno));
    size_ = static_cast<size_t>(st.st_size);
    if (size_ == 0) return;
    void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd_, 0);
    if (p == MAP_FAILED) throw util::RuntimeFailure("cannot map " + file.string() + ": " + std::strerror(errno));
    data_ = static_cast<const char*>(p);
  }
  ~MappedFile() {
    if (data_) ::munmap(const_cast<char*>(data_), size_);
    if (fd_ >= 0) ::close(fd_);
  }
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  std::string_view bytes() const { return data_ ? std::string_view(data_, size_) : std::string_view(); }

 private:
  int fd_ = -1;
  const char* data_ = nullptr;
  size_t size_ = 0;
};

bool starts_with(const std::string& s, std::string_view prefix) { return s.compare(0, prefix.size(), prefix) == 0; }

std::string layout_of(const std::string& first_tensor) {
  if (starts_with(first_tensor, "lora_unet_") || starts_with(first_tensor, "lora_te")) return "kohya";
  if (starts_with(first_tensor, "base_model.model.")) return "peft";
  if (starts_with(first_tensor, "unet.") || starts_with(first_tensor, "text_encoder")) return "diffusers";
  return "unknown";
}

}  // namespace

SafetensorsSummary read_safetensors_summary(const fs::path& file, const std::string& display) {
  const MappedFile mapped(file);
  sdxl::SafetensorsHeader header = sdxl::parse_safetensors_header(mapped.bytes(), display);
  SafetensorsSummary summary;
  summary.tensors = header.tensors.size();
  summary.layout = header.tensors.empty() ? "unknown" : layout_of(header.tensors.front().name);
  summary.metadata = std::move(header.metadata);
  return summary;
}

}  // namespace dgxpx::lora
