#pragma once
// The sdxl backend as `dgxpx step` sees it: the step sends its spec to the project's worker
// (starting one on first need) and gets the image back, so the model loads once per build, not
// once per step. When no worker can be started, or dgxpx.yaml says `worker: {enabled: false}`,
// a private dgxpx-sdxl child generates for this step alone (with a warning in the first case).
#include "compiler/backend/generator.h"
#include "compiler/manifest/project.h"
#include "compiler/worker/launcher.h"

namespace dgxpx::worker {

/// Set by `dgxpx build` for its steps: the worker stays up while this process lives.
inline constexpr const char* kBuildPidEnv = "DGXPX_BUILD_PID";

class WorkerGenerator final : public backend::Generator {
 public:
  WorkerGenerator(LaunchOptions launch, manifest::WorkerSettings settings);
  /// The backend's id, as SdxlGenerator's: where an image was rendered does not change it.
  std::string id() const override { return "sdxl/1"; }
  pixel::Image generate(const backend::GenSpec& spec) override;

 private:
  LaunchOptions launch_;
  manifest::WorkerSettings settings_;
};

}  // namespace dgxpx::worker
