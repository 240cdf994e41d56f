#pragma once
// Text to image as StableDiffusionXLPipeline.__call__ does it (diffusers v0.24.0,
// pipelines/stable_diffusion_xl/pipeline_stable_diffusion_xl.py): encode the prompts, draw the
// initial latents from a CPU generator seeded like torch.Generator("cpu").manual_seed(seed) (or
// one such generator per image), run the sampler over the UNet with classifier-free guidance
// (batch [negative, positive]) and SDXL's micro-conditioning time ids, then decode with the VAE.
// The model is plain data (SdxlModel); generate() is the algorithm over it.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <torch/torch.h>

#include "compiler/sdxl/clip_text_model.h"
#include "compiler/sdxl/config_detect.h"
#include "compiler/sdxl/scheduler_config.h"
#include "compiler/sdxl/schedulers.h"
#include "compiler/sdxl/tokenizer.h"
#include "compiler/sdxl/unet.h"
#include "compiler/sdxl/vae.h"

namespace dgxpx::sdxl {

/// A loaded SDXL model: tokenizers, both text encoders, UNet, VAE and the noise schedule.
struct SdxlModel {
  std::filesystem::path path;
  ModelConfigs configs;
  std::shared_ptr<const ClipTokenizer> tokenizer, tokenizer_2;
  ClipTextModel text_encoder{nullptr};
  ClipTextModel text_encoder_2{nullptr};
  UNet unet{nullptr};
  Vae vae{nullptr};
  SchedulerConfig scheduler;
};

struct SdxlLoadOptions {
  /// For a single-file checkpoint: a diffusers folder (or one with the four config.json
  /// files, tokenizer/ and tokenizer_2/) giving configs and tokenizers. Unused for folders.
  std::optional<std::filesystem::path> config_folder;
  torch::Device device = torch::kCPU;
  torch::ScalarType dtype = torch::kFloat32;
};

/// Opens and loads a diffusers folder or a single-file checkpoint (model_files.h), the
/// tokenizers (the folder's tokenizer/ and tokenizer_2/, for single files the config folder's)
/// and scheduler/scheduler_config.json (SDXL base's when absent). A half-precision VAE whose
/// config asks for force_upcast is kept in float32. Throws util::InputError naming the file for
/// anything missing or malformed, util::RuntimeFailure on I/O errors.
SdxlModel load_sdxl_model(const std::filesystem::path& path, const SdxlLoadOptions& options = {});

/// SDXL's size/crop micro-conditioning; unset sizes default to the generated (height, width).
struct MicroConditioning {
  std::optional<std::pair<int64_t, int64_t>> original_size;  // (h, w)
  std::pair<int64_t, int64_t> crop_top_left{0, 0};
  std::optional<std::pair<int64_t, int64_t>> target_size;    // (h, w)
};

/// img2img and inpainting (StableDiffusionXLImg2ImgPipeline / StableDiffusionXLInpaintPipeline
/// with a 4-channel UNet, diffusers v0.24.0). The image is VAE-encoded (sampled from the latent
/// distribution with the request's generators: their first draw), noised to the first step
/// of the schedule truncated by `strength` (the noise is their second draw) and denoised over
/// the remaining int(steps * strength) steps. With a mask, the masked image is encoded too
/// (a third draw, as diffusers does though a 4-channel UNet never sees it), and after every
/// step the kept region (mask 0) is reset to the image's latents noised to the next step's
/// level (the last step: the image's latents themselves); strength 1 starts from pure noise.
/// The decoded image is not pasted back over the kept pixels (diffusers 0.24 does not either).
struct InitImage {
  /// [1 or B, 3, H, W] float in [0, 1], H x W the request's size; one image serves all of a
  /// batch. Mapped to [-1, 1] before encoding.
  torch::Tensor image;
  /// In (0, 1]: the fraction of the schedule that runs (int(steps * strength) >= 1 steps).
  double strength = 0.8;
  /// Undefined for img2img; else [1 or B, 1, H, W] float, >= 0.5 repaints, < 0.5 keeps.
  torch::Tensor mask;
};

struct GenerationRequest {
  std::vector<std::string> prompts;  // one image (times images_per_prompt) each
  /// nullopt: Python's None (zero negative embeddings, SDXL's force_zeros_for_empty_prompt);
  /// one text for all prompts, or one per prompt.
  std::optional<std::vector<std::string>> negative_prompts;
  int64_t width = 1024, height = 1024;  // multiples of 8
  int64_t steps = 30;
  double guidance = 5.0;  // classifier-free guidance runs when > 1
  SamplerKind sampler = SamplerKind::euler;
  /// Overrides the model's scheduler_config.json timestep_spacing (trailing for SDXL-Lightning
  /// and Turbo); unset keeps the model's.
  std::optional<TimestepSpacing> timestep_spacing;
  double ddim_eta = 0.0;
  /// One CPU generator seeded with `seed` for the whole batch (generator=torch.Generator()
  /// .manual_seed(seed)); unused when `seeds` is set.
  uint64_t seed = 0;
  /// One seed per image, in batch order ([p0 image 0, p0 image 1, p1 image 0, ...]: prompts ×
  /// images_per_prompt), each image drawing its initial latents and sampler noise from its own
  /// generator (generator=[torch.Generator().manual_seed(s) for s in seeds]). Image i then is
  /// the image a one-prompt request with seed seeds[i] gives, up to floating-point batching
  /// effects; with one image it is exactly the `seed` path.
  std::optional<std::vector<uint64_t>> seeds;
  int64_t images_per_prompt = 1;
  MicroConditioning micro;
  /// Set: img2img (or inpainting with a mask) from this image instead of text to image.
  std::optional<InitImage> init;
  /// Asked after every sampler step; true abandons the run with GenerationCancelled.
  std::function<bool()> cancelled;
};

/// Thrown by generate() when the request's `cancelled` check says so.
class GenerationCancelled : public std::runtime_error {
 public:
  GenerationCancelled() : std::runtime_error("generation cancelled") {}
};

/// Intermediate values, recorded when a trace is passed (for tests and debugging).
struct GenerationTrace {
  torch::Tensor initial_noise;  // [B, 4, h, w] unit-variance noise, before init_noise_sigma
  /// text to image (and inpainting at strength 1): initial_noise * init_noise_sigma; img2img:
  /// image_latents noised to the first step run
  torch::Tensor initial_latents;
  torch::Tensor timesteps;        // the timesteps the loop ran, as the UNet receives them
  torch::Tensor image_latents;    // init image: scaling_factor * sampled VAE latents
  torch::Tensor mask_latent;      // inpainting: the binarised mask at latent size [B, 1, h, w]
  torch::Tensor masked_image_latents;  // inpainting: the encoded image with the repaint area zeroed
  UNetConditioning conditioning;  // the UNet's conditioning (CFG: negative half first)
  std::vector<torch::Tensor> latents_after_step;
};

struct GenerationResult {
  torch::Tensor latents;  // [B, 4, h, w] float32, not divided by the VAE scaling factor
  torch::Tensor image;    // [B, H, W, 3] float32 in [0, 1] on the CPU
};

/// Runs the pipeline. Throws util::InputError for a size that is not a positive multiple of the
/// VAE's factor, no prompts, a negative or seed list of the wrong length, or a bad step count;
/// for an init image or mask of the wrong shape, or a strength outside (0, 1] or too small to
/// run one step.
GenerationResult generate(SdxlModel& model, const GenerationRequest& request,
                          GenerationTrace* trace = nullptr);

/// VAE decode as the pipeline does it: vae.decode(latents / scaling_factor), one image at a
/// time, then clamp(x / 2 + 0.5, 0, 1) as [B, H, W, 3] float32 on the CPU.
torch::Tensor decode_latents(Vae& vae, const torch::Tensor& latents);

/// The first step an init image's strength leaves to run: steps - min(int(steps * strength),
/// steps). Throws util::InputError for a strength outside (0, 1] or one that runs no step.
int64_t first_step_for_strength(int64_t steps, double strength);

/// The UNet's time ids [1, 6]: original (h, w), crop (top, left), target (h, w).
torch::Tensor micro_conditioning_time_ids(const MicroConditioning& micro, int64_t height,
                                          int64_t width);

}  // namespace dgxpx::sdxl
