#include "compiler/sdxl/pipeline.h"

#include <spdlog/spdlog.h>

#include "compiler/sdxl/model_files.h"
#include "compiler/sdxl/prompt_encoding.h"
#include "compiler/sdxl/rng.h"
#include "compiler/util/error.h"

namespace dgxpx::sdxl {
namespace fs = std::filesystem;

SdxlModel load_sdxl_model(const fs::path& path, const SdxlLoadOptions& options) {
  ModelLoadOptions load_options;
  load_options.config_folder = options.config_folder;
  const ModelWeights weights = open_model_weights(path, load_options);

  // Tokenizers and the scheduler config live in the diffusers folder; a single file has none.
  fs::path folder = path;
  if (weights.layout == ModelLayout::single_file) {
    if (!options.config_folder)
      throw util::InputError(path.string() +
                             ": a single-file checkpoint carries no tokenizer; pass a diffusers "
                             "folder with tokenizer/ and tokenizer_2/ as its config folder");
    folder = *options.config_folder;
  }

  SdxlModel model;
  model.path = path;
  model.configs = weights.configs;
  model.tokenizer = std::make_shared<const ClipTokenizer>(ClipTokenizer::load(folder / "tokenizer"));
  model.tokenizer_2 = std::make_shared<const ClipTokenizer>(ClipTokenizer::load(folder / "tokenizer_2"));
  const fs::path scheduler_json = folder / "scheduler" / "scheduler_config.json";
  model.scheduler = fs::exists(scheduler_json) ? read_scheduler_config(scheduler_json)
                                               : sdxl_base_scheduler_config();

  const auto tensor_options = torch::TensorOptions().dtype(options.dtype).device(options.device);
  // SDXL's VAE overflows in fp16 (force_upcast): diffusers upcasts it for decoding.
  auto vae_options = tensor_options;
  if (options.dtype == torch::kHalf && weights.configs.vae.force_upcast)
    vae_options = vae_options.dtype(torch::kFloat32);

  model.text_encoder = ClipTextModel(weights.configs.text_encoder, tensor_options);
  model.text_encoder_2 = ClipTextModel(weights.configs.text_encoder_2, tensor_options);
  model.unet = UNet(weights.configs.unet, tensor_options);
  model.vae = Vae(weights.configs.vae, vae_options);
  load_component(*model.text_encoder, weights, Component::text_encoder);
  load_component(*model.text_encoder_2, weights, Component::text_encoder_2);
  load_component(*model.unet, weights, Component::unet);
  load_component(*model.vae, weights, Component::vae);
  for (torch::nn::Module* m : std::initializer_list<torch::nn::Module*>{
           model.text_encoder.get(), model.text_encoder_2.get(), model.unet.get(), model.vae.get()})
    m->eval();
  return model;
}

torch::Tensor micro_conditioning_time_ids(const MicroConditioning& micro, int64_t height,
                                          int64_t width) {
  const auto original = micro.original_size.value_or(std::make_pair(height, width));
  const auto target = micro.target_size.value_or(std::make_pair(height, width));
  const std::vector<float> ids = {
      float(original.first), float(original.second), float(micro.crop_top_left.first),
      float(micro.crop_top_left.second), float(target.first), float(target.second)};
  return torch::tensor(ids, torch::kFloat32).reshape({1, 6});
}

torch::Tensor decode_latents(Vae& vae, const torch::Tensor& latents) {
  torch::NoGradGuard no_grad;
  const auto& weight = vae->post_quant_conv->weight;
  const double scale = vae->config().scaling_factor;
  // One image at a time (diffusers' "VAE slicing"): the decoder's activations at full
  // resolution dominate memory, and batched group_norm/conv2d are slower than single ones on
  // Debian's CPU libtorch. The results are the same per image.
  std::vector<torch::Tensor> decoded;
  for (const torch::Tensor& one : (latents.to(weight.options()) / scale).split(1)) decoded.push_back(vae->decode(one));
  torch::Tensor image = torch::cat(decoded);
  // [B, 3, H, W] in about [-1, 1] -> [B, H, W, 3] in [0, 1]
  image = (image.to(torch::kFloat32) / 2 + 0.5).clamp(0, 1);
  return image.permute({0, 2, 3, 1}).contiguous().to(torch::kCPU);
}

int64_t first_step_for_strength(int64_t steps, double strength) {
  if (!(strength > 0.0 && strength <= 1.0))
    throw util::InputError(util::expected_got("a strength in (0, 1]", std::to_string(strength)));
  // diffusers: init_timestep = min(int(steps * strength), steps) (a Python float, truncated).
  const int64_t run = std::min(static_cast<int64_t>(static_cast<double>(steps) * strength), steps);
  if (run < 1)
    throw util::InputError(util::expected_got(
        "a strength that leaves at least one of the " + std::to_string(steps) + " steps to run",
        std::to_string(strength) + " (steps * strength < 1)"));
  return steps - run;
}

namespace {

// scaling_factor * a sample of the VAE's latent distribution for `pixels` ([-1, 1]): eps is
// one draw of the latent shape from `generators` (diffusers' latent_dist.sample(generator)).
torch::Tensor encode_image_latents(Vae& vae, const torch::Tensor& pixels, const NoiseGenerators& generators) {
  torch::NoGradGuard no_grad;
  const auto& weight = vae->post_quant_conv->weight;
  const LatentDistribution dist = vae->encode(pixels.to(weight.options()));
  const torch::Tensor mean = dist.mean.to(torch::kFloat32), std = dist.std().to(torch::kFloat32);
  const torch::Tensor eps = generators.randn(mean.sizes(), mean.options());
  return vae->config().scaling_factor * (mean + std * eps);
}

// Inpainting: the image with the repaint area (mask 1) zeroed, encoded like the image.
torch::Tensor encode_image_latents_masked(Vae& vae, const torch::Tensor& image, const torch::Tensor& mask,
                                          const NoiseGenerators& generators, int64_t images,
                                          const torch::TensorOptions& options) {
  torch::Tensor masked = image * (mask < 0.5);
  if (generators.is_per_entry() && masked.size(0) != images) masked = masked.repeat({images / masked.size(0), 1, 1, 1});
  torch::Tensor latents = encode_image_latents(vae, masked, generators);
  if (latents.size(0) != images) latents = latents.repeat({images / latents.size(0), 1, 1, 1});
  return latents.to(options);
}

}  // namespace

GenerationResult generate(SdxlModel& model, const GenerationRequest& request,
                          GenerationTrace* trace) {
  torch::NoGradGuard no_grad;
  const int64_t factor = int64_t{1} << (model.configs.vae.block_out_channels.size() - 1);
  if (request.width <= 0 || request.height <= 0 || request.width % factor != 0 ||
      request.height % factor != 0)
    throw util::InputError(util::expected_got(
        "a width and height that are positive multiples of " + std::to_string(factor),
        std::to_string(request.width) + "x" + std::to_string(request.height)));
  if (request.prompts.empty())
    throw util::InputError(util::expected_got("at least one prompt", "none"));
  if (request.images_per_prompt < 1)
    throw util::InputError(util::expected_got("images_per_prompt >= 1",
                                              std::to_string(request.images_per_prompt)));
  const int64_t images = static_cast<int64_t>(request.prompts.size()) * request.images_per_prompt;
  if (request.seeds && static_cast<int64_t>(request.seeds->size()) != images)
    throw util::InputError(util::expected_got(
        "one seed per image (" + std::to_string(request.prompts.size()) + " prompts x " +
            std::to_string(request.images_per_prompt) + " images per prompt = " +
            std::to_string(images) + ")",
        std::to_string(request.seeds->size()) + " seeds"));
  const bool cfg = request.guidance > 1.0;

  // 1. Prompts -> embeddings.
  PromptTexts texts;
  texts.prompt = request.prompts;
  texts.negative_prompt = request.negative_prompts;
  PromptEncodingOptions encoding;
  encoding.classifier_free_guidance = cfg;
  encoding.num_images_per_prompt = request.images_per_prompt;
  const TokenizeFn tokenize = [&model](const std::vector<std::string>& batch, int encoder) {
    return (encoder == 0 ? model.tokenizer : model.tokenizer_2)->encode_batch(batch);
  };
  const PromptEmbeddings embeds =
      encode_prompt(model.text_encoder, model.text_encoder_2, tokenize, texts, encoding);

  // 2. Conditioning: CFG batch is [negative, positive]; both halves share the time ids.
  const int64_t batch = embeds.prompt_embeds.size(0);
  const auto& unet_weight = model.unet->conv_in->weight;
  torch::Tensor time_ids = micro_conditioning_time_ids(request.micro, request.height, request.width)
                               .to(embeds.prompt_embeds.options())
                               .repeat({batch, 1});
  UNetConditioning cond;
  if (cfg) {
    cond.encoder_hidden_states = torch::cat({embeds.negative_prompt_embeds, embeds.prompt_embeds});
    cond.text_embeds = torch::cat({embeds.negative_pooled_prompt_embeds, embeds.pooled_prompt_embeds});
    cond.time_ids = torch::cat({time_ids, time_ids});
  } else {
    cond.encoder_hidden_states = embeds.prompt_embeds;
    cond.text_embeds = embeds.pooled_prompt_embeds;
    cond.time_ids = time_ids;
  }
  cond.encoder_hidden_states = cond.encoder_hidden_states.to(unet_weight.options());
  cond.text_embeds = cond.text_embeds.to(unet_weight.options());
  cond.time_ids = cond.time_ids.to(unet_weight.options());

  // 3. Initial latents, on the CPU generators (rng.h) in float32. Text to image: the
  // generators' first draw. Init image: its sampled VAE latents first, then the noise, then
  // (inpainting) the masked image's latents.
  const NoiseGenerators generators = request.seeds
                                         ? NoiseGenerators::per_entry_seeded(*request.seeds)
                                         : NoiseGenerators(make_cpu_generator(request.seed));
  const int64_t channels = model.configs.unet.in_channels;
  const int64_t latent_h = request.height / factor, latent_w = request.width / factor;
  SchedulerConfig scheduler_config = model.scheduler;
  if (request.timestep_spacing) scheduler_config.timestep_spacing = request.timestep_spacing;
  auto scheduler = make_scheduler(request.sampler, scheduler_config, request.steps, request.ddim_eta);
  const int64_t first_step =
      request.init ? first_step_for_strength(scheduler->num_steps(), request.init->strength) : 0;
  const auto latent_options = torch::TensorOptions().dtype(torch::kFloat32).device(unet_weight.device());

  torch::Tensor image_latents, mask_latent, masked_image_latents, init_image, mask;
  if (request.init) {
    const InitImage& init = *request.init;
    const auto check_shape = [&](const torch::Tensor& t, int64_t c, const char* what) {
      if (!t.defined() || t.dim() != 4 || (t.size(0) != 1 && t.size(0) != images) || t.size(1) != c ||
          t.size(2) != request.height || t.size(3) != request.width)
        throw util::InputError(util::expected_got(
            std::string(what) + " of shape [1 or " + std::to_string(images) + ", " + std::to_string(c) +
                ", " + std::to_string(request.height) + ", " + std::to_string(request.width) + "]",
            t.defined() ? c10::str(t.sizes()) : std::string("none")));
    };
    check_shape(init.image, 3, "an init image");
    init_image = init.image.to(torch::kFloat32).to(torch::kCPU) * 2 - 1;  // [0, 1] -> [-1, 1]
    if (init.mask.defined()) {
      check_shape(init.mask, 1, "a mask");
      mask = (init.mask.to(torch::kFloat32).to(torch::kCPU) >= 0.5).to(torch::kFloat32);
    }
    // One generator per image: each image is encoded with its own, so the image is repeated
    // first; a shared generator encodes the given image(s) and repeats the latents.
    const auto to_batch = [&](const torch::Tensor& t) {
      return t.size(0) == images ? t : t.repeat({images, 1, 1, 1});
    };
    const auto encode = [&](const torch::Tensor& pixels) {
      const torch::Tensor input = generators.is_per_entry() ? to_batch(pixels) : pixels;
      return to_batch(encode_image_latents(model.vae, input, generators)).to(latent_options);
    };
    image_latents = encode(init_image);
    if (mask.defined()) {
      mask_latent = to_batch(torch::nn::functional::interpolate(
                                 mask, torch::nn::functional::InterpolateFuncOptions()
                                           .size(std::vector<int64_t>{latent_h, latent_w})
                                           .mode(torch::kNearest)))
                        .to(latent_options);
    }
  }
  const torch::Tensor noise = generators.randn({batch, channels, latent_h, latent_w}, latent_options);
  if (mask.defined()) masked_image_latents = encode_image_latents_masked(model.vae, init_image, mask, generators,
                                                                         images, latent_options);
  torch::Tensor x;
  const bool pure_noise = !request.init || (mask.defined() && request.init->strength == 1.0);
  if (pure_noise) x = noise * scheduler->init_noise_sigma();
  else x = scheduler->add_noise(image_latents, noise, first_step);

  // 4. Denoising loop over the steps from first_step on.
  if (trace) {
    trace->initial_noise = noise.to(torch::kCPU);
    trace->initial_latents = x.to(torch::kCPU);
    trace->timesteps = scheduler->timesteps().slice(0, first_step);
    trace->conditioning = cond;
    trace->image_latents = image_latents.defined() ? image_latents.to(torch::kCPU) : torch::Tensor();
    trace->mask_latent = mask_latent.defined() ? mask_latent.to(torch::kCPU) : torch::Tensor();
    trace->masked_image_latents =
        masked_image_latents.defined() ? masked_image_latents.to(torch::kCPU) : torch::Tensor();
    trace->latents_after_step.clear();
  }
  const float guidance = static_cast<float>(request.guidance);
  const auto denoise = [&](const torch::Tensor& scaled, const torch::Tensor& t) {
    const torch::Tensor input = cfg ? torch::cat({scaled, scaled}) : scaled;
    torch::Tensor pred = model.unet->forward(input, t, cond).to(torch::kFloat32);
    if (!cfg) return pred;
    auto halves = pred.chunk(2);
    const torch::Tensor& uncond = halves[0];
    const torch::Tensor& text = halves[1];
    return uncond + guidance * (text - uncond);
  };
  scheduler->start_at(first_step);
  const int64_t n = scheduler->num_steps();
  // On the UNet's device once: a per-step copy from host memory would wait for the GPU.
  const torch::Tensor timesteps = scheduler->timesteps().to(latent_options.device());
  for (int64_t i = first_step; i < n; ++i) {
    const torch::Tensor t = timesteps[i];
    const torch::Tensor model_output = denoise(scheduler->scale_model_input(x, i), t);
    x = scheduler->step(model_output, i, x, generators);
    if (mask_latent.defined()) {
      // The kept region follows the init image at the next step's noise level.
      const torch::Tensor keep =
          i + 1 < n ? scheduler->add_noise(image_latents, noise, i + 1) : image_latents;
      x = (1 - mask_latent) * keep + mask_latent * x;
    }
    if (trace) trace->latents_after_step.push_back(x.to(torch::kCPU));
    if (request.cancelled && request.cancelled()) throw GenerationCancelled();
  }
  GenerationResult result;
  result.latents = x;

  // 5. Decode.
  result.image = decode_latents(model.vae, result.latents);
  result.latents = result.latents.to(torch::kCPU);
  return result;
}

}  // namespace dgxpx::sdxl
