#pragma once
// The Generator interface: a gen spec in, a raw RGBA image out. Implementations: the
// procedural placeholder (no model needed) and the SDXL backend.
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "compiler/backend/step_spec.h"
#include "compiler/pixel/image.h"

namespace dgxpx::backend {

/// Whether the clients waiting for a generation have all gone away.
using CancelCheck = std::function<bool()>;

/// Thrown by a generator that stopped because its CancelCheck said so.
class GenerationCancelled : public std::runtime_error {
 public:
  GenerationCancelled() : std::runtime_error("generation cancelled: every client went away") {}
};

class Generator {
 public:
  virtual ~Generator() = default;
  /// Backend id and version, part of every gen key ("procedural/1").
  virtual std::string id() const = 0;
  /// Renders one image of spec.width × spec.height. Throws util::RuntimeFailure on failure.
  virtual pixel::Image generate(const GenSpec& spec) = 0;
  /// Renders specs that share one gen_batch_key() together, image i for specs[i], each the
  /// image generate(specs[i]) gives (up to floating-point batching effects). `cancelled` is
  /// asked along the way; when it says true the work may be abandoned with GenerationCancelled.
  /// The default renders them one by one; a model backend runs them as one network batch.
  virtual std::vector<pixel::Image> generate_batch(const std::vector<GenSpec>& specs,
                                                   const CancelCheck& cancelled = {}) {
    std::vector<pixel::Image> images;
    images.reserve(specs.size());
    for (const GenSpec& spec : specs) {
      if (cancelled && cancelled()) throw GenerationCancelled();
      images.push_back(generate(spec));
    }
    return images;
  }
};

/// Makes the generator a gen spec needs (by its backend and model).
using GeneratorFactory = std::function<std::unique_ptr<Generator>(const GenSpec&)>;

}  // namespace dgxpx::backend
