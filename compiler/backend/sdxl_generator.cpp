#include "compiler/backend/sdxl_generator.h"

#include <cmath>
#include <map>
#include <tuple>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include "compiler/backend/gen_batch_key.h"
#include "compiler/sdxl/checkpoint_names.h"
#include "compiler/sdxl/lora.h"
#include "compiler/sdxl/pipeline.h"
#include "compiler/sdxl/seamless.h"
#include "compiler/util/file_signature.h"
#include "compiler/util/error.h"

namespace dgxpx::backend {
namespace fs = std::filesystem;

namespace {

std::string join_names(const std::vector<std::string_view>& names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) out += (i ? ", " : "") + std::string(names[i]);
  return out;
}

// [H, W, 3] float in [0, 1] -> opaque RGBA8, rounded as diffusers' numpy_to_pil does.
pixel::Image to_rgba(const torch::Tensor& hwc) {
  const torch::Tensor bytes =
      (hwc.to(torch::kCPU, torch::kFloat32) * 255.0f).round().clamp(0, 255).to(torch::kUInt8).contiguous();
  const int height = static_cast<int>(bytes.size(0)), width = static_cast<int>(bytes.size(1));
  pixel::Image image(width, height);
  const uint8_t* p = bytes.data_ptr<uint8_t>();
  for (size_t i = 0; i < image.pixels.size(); ++i)
    image.pixels[i] = pixel::Rgba{p[3 * i], p[3 * i + 1], p[3 * i + 2], 255};
  return image;
}

// RGB(A)8 -> [1, 3, H, W] float32 in [0, 1] (alpha ignored), as diffusers' image processor
// reads a PIL image.
torch::Tensor to_chw(const pixel::Image& image) {
  std::vector<uint8_t> rgb;
  rgb.reserve(image.pixels.size() * 3);
  for (const pixel::Rgba& p : image.pixels) rgb.insert(rgb.end(), {p.r, p.g, p.b});
  return torch::from_blob(rgb.data(), {image.height, image.width, 3}, torch::kUInt8)
      .to(torch::kFloat32)
      .div(255.0f)
      .permute({2, 0, 1})
      .unsqueeze(0)
      .contiguous();
}

// RGB(A)8 -> [1, 1, H, W] float32 luma in [0, 1] (PIL's convert("L"): (299 R + 587 G + 114 B) / 1000).
torch::Tensor to_luma(const pixel::Image& image) {
  std::vector<float> luma;
  luma.reserve(image.pixels.size());
  for (const pixel::Rgba& p : image.pixels)
    luma.push_back(static_cast<float>((299 * p.r + 587 * p.g + 114 * p.b) / 1000) / 255.0f);
  return torch::tensor(luma, torch::kFloat32).reshape({1, 1, image.height, image.width});
}

}  // namespace

// A resident model or LoRA is reused only while its files are unchanged on disk: a generator
// that outlives one build (the worker) must not render a replaced LoRA with the old one.
struct SdxlGenerator::State {
  struct LoadedLora {
    std::string signature;  // util::file_signature when read
    sdxl::LoraFile file;
  };
  SdxlGeneratorOptions options;
  std::optional<std::pair<fs::path, std::string>> model_identity;  // path, file signature
  std::optional<sdxl::SdxlModel> model;
  std::unique_ptr<sdxl::CheckpointNames> names;
  std::unique_ptr<sdxl::LoraPatcher> patcher;
  std::map<fs::path, LoadedLora> lora_files;
  // The LoRA set now on the weights: path, signature, weight.
  std::vector<std::tuple<fs::path, std::string, double>> applied;

  sdxl::LoraTargets targets() {
    return {model->unet.get(), model->text_encoder.get(), model->text_encoder_2.get(), names.get()};
  }

  void ensure_model(const fs::path& path) {
    const std::pair<fs::path, std::string> identity{path, util::file_signature(path)};
    if (model && model_identity == identity) return;
    patcher.reset();
    lora_files.clear();
    applied.clear();
    model.reset();
    sdxl::SdxlLoadOptions load;
    load.config_folder = options.config_folder;
    const bool cuda = options.device == "cuda" || (options.device.empty() && torch::cuda::is_available());
    if (cuda) {
      load.device = torch::kCUDA;
      load.dtype = torch::kHalf;
    }
    model = sdxl::load_sdxl_model(path, load);
    model_identity = identity;
    names = std::make_unique<sdxl::CheckpointNames>(model->configs.unet, model->configs.vae);
    patcher = std::make_unique<sdxl::LoraPatcher>(targets());
  }

  void ensure_loras(const std::vector<LoraSpec>& loras) {
    std::vector<std::tuple<fs::path, std::string, double>> wanted;
    for (const auto& l : loras) wanted.emplace_back(fs::path(l.file), util::file_signature(l.file), l.weight);
    if (wanted == applied) return;
    std::vector<sdxl::WeightedLora> set;
    for (const auto& [path, signature, weight] : wanted) {
      auto it = lora_files.find(path);
      if (it == lora_files.end() || it->second.signature != signature)
        it = lora_files.insert_or_assign(path, LoadedLora{signature, sdxl::read_lora(path, targets())}).first;
      set.push_back({&it->second.file, weight});
    }
    patcher->apply(set);  // restores the originals first: a replaced file's old deltas go too
    applied = std::move(wanted);
  }
};

SdxlGenerator::SdxlGenerator(SdxlGeneratorOptions options) : state_(std::make_unique<State>()) {
  state_->options = std::move(options);
}

SdxlGenerator::~SdxlGenerator() = default;

void SdxlGenerator::load_model(const fs::path& model) {
  try {
    state_->ensure_model(model);
  } catch (const c10::Error& e) {
    throw util::RuntimeFailure("loading " + model.string() + ": libtorch: " + e.what_without_backtrace());
  }
}

pixel::Image SdxlGenerator::generate(const GenSpec& spec) {
  // One spec is a batch of one: its per-image generator is seeded with spec.seed, which draws
  // exactly what the single shared generator drew before batching existed.
  return std::move(generate_batch({spec}).front());
}

std::vector<pixel::Image> SdxlGenerator::generate_batch(const std::vector<GenSpec>& specs,
                                                       const CancelCheck& cancelled) {
  // A keyframe-derived spec names its init image (and mask) by file; the batch key makes them
  // one for the whole batch.
  if (specs.empty() || specs.front().init.empty()) return run(specs, cancelled, nullptr);
  const GenSpec& first = specs.front();
  SdxlInitImage init{pixel::read_png(first.init), first.strength, std::nullopt};
  if (!first.mask.empty()) init.mask = pixel::read_png(first.mask);
  return run(specs, cancelled, &init);
}

pixel::Image SdxlGenerator::generate_from(const GenSpec& spec, const SdxlInitImage& init) {
  return std::move(run({spec}, {}, &init).front());
}

std::vector<pixel::Image> SdxlGenerator::run(const std::vector<GenSpec>& specs, const CancelCheck& cancelled,
                                             const SdxlInitImage* init) {
  if (specs.empty())
    throw util::InputError(util::expected_got("at least one gen spec in a batch", "none"));
  const GenSpec& first = specs.front();
  const std::string key = gen_batch_key(first);
  for (const GenSpec& spec : specs)
    if (gen_batch_key(spec) != key)
      throw util::InputError(
          "gen " + spec.name + " cannot share a batch with gen " + first.name + ": " +
          util::expected_got("the same backend, model, LoRAs, size, sampler, spacing, steps, guidance, "
                             "tiling, micro-conditioning and negative-prompt presence " + key,
                             gen_batch_key(spec)));
  const std::string label =
      specs.size() == 1 ? first.name
                        : first.name + " (and " + std::to_string(specs.size() - 1) + " more in its batch)";

  // The batch key makes every check below hold for all specs once it holds for the first.
  if (!first.model || first.model->empty())
    throw util::InputError("gen " + label + ": the sdxl backend needs a model (preset `model:`)");
  const std::string sampler_name = first.sampler.empty() ? "euler" : first.sampler;
  const auto sampler = sdxl::parse_sampler_kind(sampler_name);
  if (!sampler)
    throw util::InputError(util::expected_got(
        "gen " + label + ": a sampler (" + join_names(sdxl::sampler_kind_names()) + ")",
        "'" + sampler_name + "'"));
  std::optional<sdxl::TimestepSpacing> spacing;
  if (!first.timestep_spacing.empty()) {
    if (first.timestep_spacing == "leading") spacing = sdxl::TimestepSpacing::leading;
    else if (first.timestep_spacing == "trailing") spacing = sdxl::TimestepSpacing::trailing;
    else if (first.timestep_spacing == "linspace") spacing = sdxl::TimestepSpacing::linspace;
    else
      throw util::InputError(util::expected_got("gen " + label + ": a timestep spacing leading, trailing or linspace",
                                                "'" + first.timestep_spacing + "'"));
    if (!sdxl::uses_timestep_spacing(*sampler))
      throw util::InputError(util::expected_got("gen " + label + ": no timestep spacing with sampler " + sampler_name +
                                                    " (it picks its own timesteps)",
                                                "'" + first.timestep_spacing + "'"));
  }
  const auto tiling = sdxl::parse_tiling(first.tiling);
  if (!tiling)
    throw util::InputError(util::expected_got("gen " + label + ": tiling none, x, y or xy",
                                              "'" + first.tiling + "'"));
  try {
    State& s = *state_;
    s.ensure_model(*first.model);
    s.ensure_loras(first.loras);
    sdxl::set_tiling(*s.model->unet, *tiling);
    sdxl::set_tiling(*s.model->vae, *tiling);

    sdxl::GenerationRequest request;
    std::vector<std::string> negatives;
    std::vector<uint64_t> seeds;
    for (const GenSpec& spec : specs) {
      request.prompts.push_back(spec.prompt);
      negatives.push_back(spec.negative);
      seeds.push_back(static_cast<uint64_t>(spec.seed));
    }
    // All negatives are empty or none is (batch key): empty means zeroed negative embeddings.
    if (!first.negative.empty()) request.negative_prompts = std::move(negatives);
    request.seeds = std::move(seeds);
    request.width = first.width;
    request.height = first.height;
    request.steps = first.steps;
    request.guidance = first.guidance;
    request.sampler = *sampler;
    request.timestep_spacing = spacing;
    // Specs say (width, height) and (top, left); the UNet's time ids take (height, width).
    const auto hw = [](std::pair<int, int> wh) { return std::pair<int64_t, int64_t>{wh.second, wh.first}; };
    if (first.original_size) request.micro.original_size = hw(*first.original_size);
    request.micro.crop_top_left = {first.crop.first, first.crop.second};
    if (first.target_size) request.micro.target_size = hw(*first.target_size);
    request.cancelled = cancelled;
    if (init) {
      const auto check_size = [&](const pixel::Image& image, const char* what) {
        if (image.width != first.width || image.height != first.height)
          throw util::InputError(util::expected_got(
              "gen " + label + ": " + what + " of the generated size " + std::to_string(first.width) + "x" +
                  std::to_string(first.height),
              std::to_string(image.width) + "x" + std::to_string(image.height)));
      };
      check_size(init->image, "an init image");
      sdxl::InitImage in;
      in.image = to_chw(init->image);
      in.strength = init->strength;
      if (init->mask) {
        check_size(*init->mask, "a mask");
        in.mask = to_luma(*init->mask);
      }
      request.init = std::move(in);
    }
    const sdxl::GenerationResult result = sdxl::generate(*s.model, request);
    std::vector<pixel::Image> images;
    images.reserve(specs.size());
    for (int64_t i = 0; i < result.image.size(0); ++i) images.push_back(to_rgba(result.image[i]));
    return images;
  } catch (const sdxl::GenerationCancelled&) {
    throw GenerationCancelled();
  } catch (const c10::Error& e) {
    throw util::RuntimeFailure("gen " + label + ": libtorch: " + e.what_without_backtrace());
  }
}

std::unique_ptr<Generator> make_sdxl_generator(const GenSpec& spec) {
  return std::make_unique<SdxlGenerator>();
}

pixel::PngText sdxl_parameters_text(const GenSpec& spec) {
  pixel::PngText text = {
      {"dgxpx:backend", "sdxl/1"},
      {"dgxpx:model", spec.model.value_or("")},
      {"dgxpx:prompt", spec.prompt},
      {"dgxpx:negative", spec.negative},
      {"dgxpx:seed", std::to_string(spec.seed)},
      {"dgxpx:steps", std::to_string(spec.steps)},
      {"dgxpx:guidance", fmt::format("{}", spec.guidance)},
      {"dgxpx:sampler", spec.sampler.empty() ? "euler" : spec.sampler},
      {"dgxpx:size", std::to_string(spec.width) + "x" + std::to_string(spec.height)},
      {"dgxpx:tiling", spec.tiling},
  };
  for (const auto& lora : spec.loras)
    text.emplace_back("dgxpx:lora", lora.file + ":" + fmt::format("{}", lora.weight));
  if (!spec.timestep_spacing.empty()) text.emplace_back("dgxpx:timestep_spacing", spec.timestep_spacing);
  if (spec.original_size)
    text.emplace_back("dgxpx:original_size", fmt::format("{}x{}", spec.original_size->first, spec.original_size->second));
  if (spec.crop != std::pair<int, int>{0, 0})
    text.emplace_back("dgxpx:crop", fmt::format("{},{}", spec.crop.first, spec.crop.second));
  if (spec.target_size)
    text.emplace_back("dgxpx:target_size", fmt::format("{}x{}", spec.target_size->first, spec.target_size->second));
  if (!spec.init.empty()) {
    text.emplace_back("dgxpx:init", spec.init);
    text.emplace_back("dgxpx:strength", fmt::format("{}", spec.strength));
    if (!spec.mask.empty()) text.emplace_back("dgxpx:mask", spec.mask);
  }
  return text;
}

}  // namespace dgxpx::backend
