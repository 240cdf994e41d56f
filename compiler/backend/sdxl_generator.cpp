#include "compiler/backend/sdxl_generator.h"

#include <cmath>
#include <map>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include "compiler/sdxl/checkpoint_names.h"
#include "compiler/sdxl/lora.h"
#include "compiler/sdxl/pipeline.h"
#include "compiler/sdxl/seamless.h"
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

}  // namespace

struct SdxlGenerator::State {
  SdxlGeneratorOptions options;
  std::optional<fs::path> model_path;
  std::optional<sdxl::SdxlModel> model;
  std::unique_ptr<sdxl::CheckpointNames> names;
  std::unique_ptr<sdxl::LoraPatcher> patcher;
  std::map<fs::path, sdxl::LoraFile> lora_files;
  std::vector<std::pair<fs::path, double>> applied;  // the LoRA set now on the weights

  sdxl::LoraTargets targets() {
    return {model->unet.get(), model->text_encoder.get(), model->text_encoder_2.get(), names.get()};
  }

  void ensure_model(const fs::path& path) {
    if (model && model_path == path) return;
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
    model_path = path;
    names = std::make_unique<sdxl::CheckpointNames>(model->configs.unet, model->configs.vae);
    patcher = std::make_unique<sdxl::LoraPatcher>(targets());
  }

  void ensure_loras(const std::vector<LoraSpec>& loras) {
    std::vector<std::pair<fs::path, double>> wanted;
    for (const auto& l : loras) wanted.emplace_back(fs::path(l.file), l.weight);
    if (wanted == applied) return;
    std::vector<sdxl::WeightedLora> set;
    for (const auto& [path, weight] : wanted) {
      auto it = lora_files.find(path);
      if (it == lora_files.end()) it = lora_files.emplace(path, sdxl::read_lora(path, targets())).first;
      set.push_back({&it->second, weight});
    }
    patcher->apply(set);
    applied = std::move(wanted);
  }
};

SdxlGenerator::SdxlGenerator(SdxlGeneratorOptions options) : state_(std::make_unique<State>()) {
  state_->options = std::move(options);
}

SdxlGenerator::~SdxlGenerator() = default;

pixel::Image SdxlGenerator::generate(const GenSpec& spec) {
  if (!spec.model || spec.model->empty())
    throw util::InputError("gen " + spec.name + ": the sdxl backend needs a model (preset `model:`)");
  const std::string sampler_name = spec.sampler.empty() ? "euler" : spec.sampler;
  const auto sampler = sdxl::parse_sampler_kind(sampler_name);
  if (!sampler)
    throw util::InputError(util::expected_got(
        "gen " + spec.name + ": a sampler (" + join_names(sdxl::sampler_kind_names()) + ")",
        "'" + sampler_name + "'"));
  const auto tiling = sdxl::parse_tiling(spec.tiling);
  if (!tiling)
    throw util::InputError(util::expected_got("gen " + spec.name + ": tiling none, x, y or xy",
                                              "'" + spec.tiling + "'"));
  try {
    State& s = *state_;
    s.ensure_model(*spec.model);
    s.ensure_loras(spec.loras);
    sdxl::set_tiling(*s.model->unet, *tiling);
    sdxl::set_tiling(*s.model->vae, *tiling);

    sdxl::GenerationRequest request;
    request.prompts = {spec.prompt};
    if (!spec.negative.empty()) request.negative_prompts = std::vector<std::string>{spec.negative};
    request.width = spec.width;
    request.height = spec.height;
    request.steps = spec.steps;
    request.guidance = spec.guidance;
    request.sampler = *sampler;
    request.seed = static_cast<uint64_t>(spec.seed);
    const sdxl::GenerationResult result = sdxl::generate(*s.model, request);
    return to_rgba(result.image[0]);
  } catch (const c10::Error& e) {
    throw util::RuntimeFailure("gen " + spec.name + ": libtorch: " + e.what_without_backtrace());
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
  return text;
}

}  // namespace dgxpx::backend
