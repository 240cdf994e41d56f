#pragma once
// The Generator interface: a gen spec in, a raw RGBA image out. Implementations: the
// procedural placeholder (no model needed) and the SDXL backend.
#include <memory>
#include <string>

#include "compiler/backend/step_spec.h"
#include "compiler/pixel/image.h"

namespace dgxpx::backend {

class Generator {
 public:
  virtual ~Generator() = default;
  /// Backend id and version, part of every gen key ("procedural/1").
  virtual std::string id() const = 0;
  /// Renders one image of spec.width × spec.height. Throws util::RuntimeFailure on failure.
  virtual pixel::Image generate(const GenSpec& spec) = 0;
};

}  // namespace dgxpx::backend
