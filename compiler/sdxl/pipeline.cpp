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

  // 3. Initial latents: the generators' first draw (rng.h), on the CPU in float32.
  const NoiseGenerators generators = request.seeds
                                         ? NoiseGenerators::per_entry_seeded(*request.seeds)
                                         : NoiseGenerators(make_cpu_generator(request.seed));
  const int64_t channels = model.configs.unet.in_channels;
  const torch::Tensor noise =
      generators.randn({batch, channels, request.height / factor, request.width / factor},
                       torch::TensorOptions().device(unet_weight.device()));

  // 4. Denoising loop.
  SchedulerConfig scheduler_config = model.scheduler;
  if (request.timestep_spacing) scheduler_config.timestep_spacing = request.timestep_spacing;
  auto scheduler = make_scheduler(request.sampler, scheduler_config, request.steps, request.ddim_eta);
  if (trace) {
    trace->initial_noise = noise.to(torch::kCPU);
    trace->initial_latents = trace->initial_noise * scheduler->init_noise_sigma();
    trace->timesteps = scheduler->timesteps();
    trace->conditioning = cond;
    trace->latents_after_step.clear();
  }
  const float guidance = static_cast<float>(request.guidance);
  const DenoiseFn denoise = [&](const torch::Tensor& scaled, const torch::Tensor& t) {
    const torch::Tensor input = cfg ? torch::cat({scaled, scaled}) : scaled;
    torch::Tensor pred = model.unet->forward(input, t, cond).to(torch::kFloat32);
    if (!cfg) return pred;
    auto halves = pred.chunk(2);
    const torch::Tensor& uncond = halves[0];
    const torch::Tensor& text = halves[1];
    return uncond + guidance * (text - uncond);
  };
  StepObserver observer;
  if (trace || request.cancelled)
    observer = [trace, &request](int64_t, const torch::Tensor& x) {
      if (trace) trace->latents_after_step.push_back(x.to(torch::kCPU));
      if (request.cancelled && request.cancelled()) throw GenerationCancelled();
    };
  GenerationResult result;
  result.latents = sample(*scheduler, noise, denoise, generators, observer);

  // 5. Decode.
  result.image = decode_latents(model.vae, result.latents);
  result.latents = result.latents.to(torch::kCPU);
  return result;
}

}  // namespace dgxpx::sdxl
