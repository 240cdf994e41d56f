#pragma once
// Runs one step from its spec file: a cached result is materialized without calling the
// backend; otherwise the work is done, the outputs written atomically, and the result filed in
// the cache. This is what `dgxpx step <spec>` (called by ninja) does.
#include <filesystem>
#include <functional>
#include <memory>

#include "cache/store.h"
#include "compiler/backend/generator.h"
#include "compiler/backend/step_spec.h"

namespace dgxpx::backend {

enum class StepOutcome { ran, from_cache };

/// The default factory: the procedural placeholder. Throws util::RuntimeFailure for any other
/// backend (`dgxpx step` sends sdxl specs to the worker; dgxpx-sdxl makes its own generators).
std::unique_ptr<Generator> make_generator(const GenSpec& spec);

/// Set (to any value) in a step's environment, gen steps take their image from the cache or
/// fail naming it: the final build of a sharded run makes no images of its own.
inline constexpr const char* kCachedOnlyEnv = "DGXPX_CACHED_ONLY";

struct StepContext {
  cache::Store& store;
  GeneratorFactory generators = make_generator;
  bool may_generate = true;  // false: a gen step missing from the cache fails (kCachedOnlyEnv)
};

/// Runs the step in `spec_path` (relative paths inside resolve against the working directory,
/// the project root). Throws util::InputError for a malformed spec or input image,
/// util::RuntimeFailure for backend and I/O failures; outputs are then left as they were.
StepOutcome run_step(const std::filesystem::path& spec_path, StepContext& context);

StepOutcome run_gen_step(const GenSpec& spec, StepContext& context);
StepOutcome run_pixel_step(const PixelSpec& spec, StepContext& context);
StepOutcome run_pack_step(const PackSpec& spec, StepContext& context);

}  // namespace dgxpx::backend
