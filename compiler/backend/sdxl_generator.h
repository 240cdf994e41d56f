#pragma once
// The SDXL backend: renders gen specs with the libtorch SDXL stack (compiler/sdxl). Only the
// `dgxpx-sdxl` executable links it: loading libtorch costs about a second per process, which the
// main `dgxpx` binary (run for every ninja edge) must not pay. The model and LoRA files stay
// resident across generate() calls; switching LoRA sets or tiling never reloads the model.
// generate() is generate_batch() of one spec, so single and batched images come from one path.
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "compiler/backend/generator.h"
#include "compiler/backend/step_spec.h"
#include "compiler/pixel/png_io.h"

namespace dgxpx::backend {

struct SdxlGeneratorOptions {
  /// Config folder (configs + tokenizers) for single-file checkpoints; see sdxl::SdxlLoadOptions.
  std::optional<std::filesystem::path> config_folder;
  /// "cpu" or "cuda" (fp16 on CUDA); empty: cuda when available, else cpu.
  std::string device;
};

/// img2img / inpainting input for SdxlGenerator::generate_from (sdxl::InitImage): the image
/// the generation starts from, of the spec's size (alpha ignored), how much of the schedule
/// re-runs, and optionally a mask of the same size whose light pixels (luma >= 50%) are
/// repainted and dark ones kept.
struct SdxlInitImage {
  pixel::Image image;
  double strength = 0.3;
  std::optional<pixel::Image> mask;
};

class SdxlGenerator final : public Generator {
 public:
  explicit SdxlGenerator(SdxlGeneratorOptions options = {});
  ~SdxlGenerator() override;

  std::string id() const override { return "sdxl/1"; }
  /// Loads `model` now rather than on the first generate() (the worker times its loads).
  /// Throws as generate() does for a bad model.
  void load_model(const std::filesystem::path& model);
  /// Renders spec (model, LoRAs, sampler, steps, guidance, seed, size, tiling) to an opaque
  /// RGBA image of spec.width × spec.height. Throws util::InputError for a spec that names no
  /// model, an unknown sampler or tiling, or a bad model/LoRA file; util::RuntimeFailure for
  /// I/O and libtorch failures.
  pixel::Image generate(const GenSpec& spec) override;
  /// Renders specs that share one gen_batch_key() as one UNet batch (prompts, negative prompts
  /// and seeds per spec; one generator per image, so image i is generate(specs[i]) up to
  /// floating-point batching effects). Throws util::InputError for an empty list or specs whose
  /// batch keys differ, and as generate() does.
  std::vector<pixel::Image> generate_batch(const std::vector<GenSpec>& specs,
                                           const CancelCheck& cancelled = {}) override;
  /// generate(spec) from an init image (img2img, or inpainting with a mask). Throws
  /// util::InputError, besides generate()'s cases, for an image or mask whose size is not the
  /// spec's, or a strength outside (0, 1] or too small to run one of the spec's steps.
  pixel::Image generate_from(const GenSpec& spec, const SdxlInitImage& init);

 private:
  std::vector<pixel::Image> run(const std::vector<GenSpec>& specs, const CancelCheck& cancelled,
                                 const SdxlInitImage* init);
  struct State;
  std::unique_ptr<State> state_;
};

/// The factory step_runner's DGXPX_HAVE_SDXL_BACKEND hook calls, and dgxpx-sdxl's context uses.
std::unique_ptr<Generator> make_sdxl_generator(const GenSpec& spec);

/// The generation parameters as PNG text chunks ("dgxpx:model", "dgxpx:sampler", ...), in a
/// fixed order, for `dgxpx-sdxl gen` output files.
pixel::PngText sdxl_parameters_text(const GenSpec& spec);

}  // namespace dgxpx::backend
