// SDXL generation speed, for the side-by-side run against diffusers on a GPU (scripts/device,
// bench/README.md). No real checkpoint can be downloaded there, so `make-model` writes a
// diffusers folder of SDXL base 1.0's real shapes with random weights (seeded), which both
// this bench and bench/sdxl_speed/diffusers_speed.py load from the same files; `run` times
// text to image on it and prints (and writes as JSON) the figures.
//
//   bench_sdxl_speed make-model DIR --tokenizers MODEL_DIR [--config sdxl-base|tiny] [--dtype fp16|bf16|fp32] [--seed N]
//   bench_sdxl_speed run DIR [--device cuda|cpu] [--dtype fp16|bf16|fp32] [--size 1024] [--steps 30]
//                    [--guidance 5] [--batches 1,4,8] [--runs 3] [--json FILE]
//
// --tokenizers names a diffusers folder whose tokenizer/, tokenizer_2/, scheduler/ and
// config.json files serve as templates (the tiny reference model's): --config tiny keeps its
// network sizes, sdxl-base (the default) sets SDXL base's. Per batch size, `run` reports the
// seconds per image and images per second of whole generations (prompt encoding, sampling, VAE
// decode, synchronised at both ends only; the median of --runs after a warm-up), and the UNet
// steps per second of the sampling loop, from the difference between the medians of full runs
// and of runs of a third of the steps (so no step is timed with a synchronisation inside the
// loop). With CUDA, the peak memory the caching allocator handed out.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/cuda.h>
#include <torch/torch.h>
#include <torch/version.h>

#ifdef DGXPX_BENCH_CUDA_MEMORY
#include <c10/cuda/CUDACachingAllocator.h>
#endif

#include "compiler/sdxl/config.h"
#include "compiler/sdxl/pipeline.h"
#include "compiler/sdxl/safetensors.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace dgxpx;

constexpr const char* kUsage =
    "usage: bench_sdxl_speed make-model DIR --tokenizers MODEL_DIR [--config sdxl-base|tiny] "
    "[--dtype fp16|bf16|fp32] [--seed N]\n"
    "       bench_sdxl_speed run DIR [--device cuda|cpu] [--dtype fp16|bf16|fp32] [--size PX] "
    "[--steps N] [--guidance G] [--batches 1,4,8] [--runs N] [--json FILE]\n";

[[noreturn]] void usage(const std::string& problem) {
  std::fprintf(stderr, "bench_sdxl_speed: %s\n%s", problem.c_str(), kUsage);
  std::exit(2);
}

torch::ScalarType dtype_from(const std::string& name) {
  if (name == "fp16") return torch::kHalf;
  if (name == "bf16") return torch::kBFloat16;
  if (name == "fp32") return torch::kFloat32;
  usage("--dtype: expected fp16, bf16 or fp32, got '" + name + "'");
}

json read_json(const fs::path& file) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error("cannot read " + file.string());
  return json::parse(in);
}

void write_json(const fs::path& file, const json& value) {
  fs::create_directories(file.parent_path());
  std::ofstream(file) << value.dump(2) << "\n";
}

// diffusers' and transformers' config.json files, the template's with SDXL base's sizes.
json unet_config_json(json j, const sdxl::UNetConfig& c) {
  j["in_channels"] = c.in_channels;
  j["out_channels"] = c.out_channels;
  j["block_out_channels"] = c.block_out_channels;
  j["down_block_types"] = c.down_block_types;
  j["up_block_types"] = c.up_block_types;
  j["layers_per_block"] = c.layers_per_block;
  j["transformer_layers_per_block"] = c.transformer_layers_per_block;
  j["attention_head_dim"] = c.attention_heads;
  j["cross_attention_dim"] = c.cross_attention_dim;
  j["use_linear_projection"] = c.use_linear_projection;
  j["addition_time_embed_dim"] = c.addition_time_embed_dim;
  j["projection_class_embeddings_input_dim"] = c.projection_class_embeddings_input_dim;
  j["norm_num_groups"] = c.norm_num_groups;
  j["norm_eps"] = c.norm_eps;
  j["sample_size"] = c.sample_size;
  return j;
}

json vae_config_json(json j, const sdxl::VaeConfig& c) {
  j["block_out_channels"] = c.block_out_channels;
  j["down_block_types"] = std::vector<std::string>(c.block_out_channels.size(), "DownEncoderBlock2D");
  j["up_block_types"] = std::vector<std::string>(c.block_out_channels.size(), "UpDecoderBlock2D");
  j["layers_per_block"] = c.layers_per_block;
  j["latent_channels"] = c.latent_channels;
  j["norm_num_groups"] = c.norm_num_groups;
  j["scaling_factor"] = c.scaling_factor;
  j["force_upcast"] = c.force_upcast;
  j["sample_size"] = c.sample_size;
  return j;
}

json clip_config_json(json j, const sdxl::ClipTextConfig& c) {
  j["vocab_size"] = c.vocab_size;
  j["hidden_size"] = c.hidden_size;
  j["intermediate_size"] = c.intermediate_size;
  j["num_hidden_layers"] = c.num_hidden_layers;
  j["num_attention_heads"] = c.num_attention_heads;
  j["max_position_embeddings"] = c.max_position_embeddings;
  j["hidden_act"] = c.hidden_act;
  j["layer_norm_eps"] = c.layer_norm_eps;
  if (c.projection_dim > 0) j["projection_dim"] = c.projection_dim;
  return j;
}

// Random weights that keep activations near unit scale through many layers: matrices and
// kernels ~ N(0, 1/fan_in), norms' scales 1, biases 0. Drawn in float32 on the CPU from one
// seeded generator (the same files everywhere), then cast.
std::map<std::string, torch::Tensor> random_weights(torch::nn::Module& module, torch::ScalarType dtype) {
  std::map<std::string, torch::Tensor> out;
  torch::NoGradGuard no_grad;
  for (const auto& item : module.named_parameters()) {
    const torch::Tensor& p = item.value();
    torch::Tensor w;
    if (p.dim() >= 2) {
      const double fan_in = double(p.numel()) / double(p.size(0));
      w = torch::randn(p.sizes(), torch::kFloat32) * (1.0 / std::sqrt(fan_in));
    } else {
      const bool scale = item.key().find("norm") != std::string::npos && item.key().size() > 7 &&
                         item.key().compare(item.key().size() - 7, 7, ".weight") == 0;
      w = scale ? torch::ones(p.sizes(), torch::kFloat32) : torch::zeros(p.sizes(), torch::kFloat32);
    }
    out[item.key()] = w.to(dtype);
  }
  for (const auto& item : module.named_buffers()) out[item.key()] = torch::zeros(item.value().sizes(), item.value().dtype());
  return out;
}

int64_t count(const std::map<std::string, torch::Tensor>& weights) {
  int64_t n = 0;
  for (const auto& [_, t] : weights) n += t.numel();
  return n;
}

int make_model(const fs::path& dir, const std::vector<std::string>& args) {
  std::optional<fs::path> templates;
  std::string config = "sdxl-base", dtype_name = "fp16";
  uint64_t seed = 1;
  for (size_t i = 0; i < args.size(); ++i) {
    const bool more = i + 1 < args.size();
    if (args[i] == "--tokenizers" && more) templates = args[++i];
    else if (args[i] == "--config" && more) config = args[++i];
    else if (args[i] == "--dtype" && more) dtype_name = args[++i];
    else if (args[i] == "--seed" && more) seed = std::strtoull(args[++i].c_str(), nullptr, 10);
    else usage("make-model: unexpected argument '" + args[i] + "'");
  }
  if (!templates) usage("make-model needs --tokenizers MODEL_DIR (a diffusers folder: the tiny reference model)");
  if (config != "sdxl-base" && config != "tiny") usage("--config: expected sdxl-base or tiny, got '" + config + "'");
  const torch::ScalarType dtype = dtype_from(dtype_name);
  const fs::path& from = *templates;
  const bool base = config == "sdxl-base";

  const sdxl::UNetConfig unet = base ? sdxl::sdxl_base_unet_config() : sdxl::read_unet_config(from / "unet/config.json");
  const sdxl::VaeConfig vae = base ? sdxl::sdxl_base_vae_config() : sdxl::read_vae_config(from / "vae/config.json");
  const sdxl::ClipTextConfig te1 =
      base ? sdxl::sdxl_base_text_encoder_config() : sdxl::read_clip_text_config(from / "text_encoder/config.json");
  const sdxl::ClipTextConfig te2 =
      base ? sdxl::sdxl_base_text_encoder_2_config() : sdxl::read_clip_text_config(from / "text_encoder_2/config.json");

  fs::create_directories(dir);
  for (const char* folder : {"tokenizer", "tokenizer_2", "scheduler"})
    fs::copy(from / folder, dir / folder, fs::copy_options::recursive | fs::copy_options::overwrite_existing);
  fs::copy_file(from / "model_index.json", dir / "model_index.json", fs::copy_options::overwrite_existing);
  write_json(dir / "unet/config.json", unet_config_json(read_json(from / "unet/config.json"), unet));
  write_json(dir / "vae/config.json", vae_config_json(read_json(from / "vae/config.json"), vae));
  write_json(dir / "text_encoder/config.json", clip_config_json(read_json(from / "text_encoder/config.json"), te1));
  write_json(dir / "text_encoder_2/config.json", clip_config_json(read_json(from / "text_encoder_2/config.json"), te2));

  torch::manual_seed(seed);
  const auto meta = torch::TensorOptions().dtype(torch::kFloat32).device(torch::kMeta);
  const auto write = [&](torch::nn::Module& module, const fs::path& file) {
    const auto weights = random_weights(module, dtype);
    sdxl::write_safetensors(file, weights, {{"format", "pt"}});
    std::printf("%-60s %6.3f B params\n", file.string().c_str(), double(count(weights)) / 1e9);
  };
  // Networks are built on the meta device: only their names and shapes are needed.
  {
    sdxl::UNet net(unet, meta);
    write(*net, dir / "unet/diffusion_pytorch_model.safetensors");
  }
  {
    sdxl::Vae net(vae, meta);
    write(*net, dir / "vae/diffusion_pytorch_model.safetensors");
  }
  {
    sdxl::ClipTextModel net(te1, meta);
    write(*net, dir / "text_encoder/model.safetensors");
  }
  {
    sdxl::ClipTextModel net(te2, meta);
    write(*net, dir / "text_encoder_2/model.safetensors");
  }
  std::printf("wrote %s: %s, random %s weights, seed %llu\n", dir.string().c_str(), config.c_str(), dtype_name.c_str(),
              static_cast<unsigned long long>(seed));
  return 0;
}

struct RunOptions {
  std::string device = "cuda", dtype = "fp16";
  int64_t size = 1024, steps = 30;
  double guidance = 5.0;
  std::vector<int64_t> batches = {1};
  int runs = 3;
  std::optional<fs::path> json_file;
};

std::vector<int64_t> parse_batches(const std::string& text) {
  std::vector<int64_t> out;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    char* end = nullptr;
    const long long n = std::strtoll(item.c_str(), &end, 10);
    if (item.empty() || *end != '\0' || n < 1 || n > 64) usage("--batches: expected sizes 1..64 like 1,4,8, got '" + text + "'");
    out.push_back(n);
  }
  if (out.empty()) usage("--batches: expected at least one size");
  return out;
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

class Clock {
 public:
  explicit Clock(bool cuda) : cuda_(cuda) {}
  // Waits for the device to finish what was queued, then reads the time.
  double now() const {
    if (cuda_) torch::cuda::synchronize();
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
  }

 private:
  bool cuda_;
};

void reset_peak_memory(bool cuda) {
#ifdef DGXPX_BENCH_CUDA_MEMORY
  if (cuda) c10::cuda::CUDACachingAllocator::resetPeakStats(0);
#endif
}

// The most bytes the CUDA caching allocator had handed out since the last reset (its first
// statistic is the aggregate over pool kinds); nullopt without CUDA statistics.
std::optional<double> peak_memory_gib(bool cuda) {
#ifdef DGXPX_BENCH_CUDA_MEMORY
  if (cuda) {
    const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(0);
    return double(stats.allocated_bytes[0].peak) / double(1ull << 30);
  }
#endif
  return std::nullopt;
}

int run(const fs::path& dir, const std::vector<std::string>& args) {
  RunOptions o;
  for (size_t i = 0; i < args.size(); ++i) {
    const bool more = i + 1 < args.size();
    if (args[i] == "--device" && more) o.device = args[++i];
    else if (args[i] == "--dtype" && more) o.dtype = args[++i];
    else if (args[i] == "--size" && more) o.size = std::atoll(args[++i].c_str());
    else if (args[i] == "--steps" && more) o.steps = std::atoll(args[++i].c_str());
    else if (args[i] == "--guidance" && more) o.guidance = std::atof(args[++i].c_str());
    else if (args[i] == "--batches" && more) o.batches = parse_batches(args[++i]);
    else if (args[i] == "--runs" && more) o.runs = std::atoi(args[++i].c_str());
    else if (args[i] == "--json" && more) o.json_file = args[++i];
    else usage("run: unexpected argument '" + args[i] + "'");
  }
  if (o.device != "cuda" && o.device != "cpu") usage("--device: expected cuda or cpu, got '" + o.device + "'");
  if (o.size < 8 || o.size % 8 != 0) usage("--size: expected a positive multiple of 8");
  if (o.steps < 2) usage("--steps: expected 2 or more (the loop is timed against a third of them, at least 1)");
  if (o.runs < 1) usage("--runs: expected 1 or more");
  const bool cuda = o.device == "cuda";
  if (cuda && !torch::cuda::is_available()) {
    std::fprintf(stderr, "bench_sdxl_speed: --device cuda, but this libtorch sees no CUDA device\n");
    return 1;
  }
  const Clock clock(cuda);
  torch::NoGradGuard no_grad;

  sdxl::SdxlLoadOptions load;
  load.device = cuda ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU);
  load.dtype = dtype_from(o.dtype);
  const double load_start = clock.now();
  sdxl::SdxlModel model = sdxl::load_sdxl_model(dir, load);
  const double load_s = clock.now() - load_start;
  std::printf("dgxpx %s, libtorch %s, %s %s: model loaded in %.2f s\n", dir.string().c_str(), TORCH_VERSION,
              o.device.c_str(), o.dtype.c_str(), load_s);

  const auto generate = [&](int64_t batch, int64_t steps) {
    sdxl::GenerationRequest request;
    request.prompts.assign(size_t(batch), "a knight in blue armor, pixel art");
    request.negative_prompts = std::vector<std::string>{""};
    std::vector<uint64_t> seeds;
    for (int64_t i = 0; i < batch; ++i) seeds.push_back(uint64_t(1000 + i));
    request.seeds = seeds;
    request.width = request.height = o.size;
    request.steps = steps;
    request.guidance = o.guidance;
    request.sampler = sdxl::SamplerKind::euler;
    const double start = clock.now();
    sdxl::generate(model, request);
    return clock.now() - start;
  };

  json runs = json::array();
  const int64_t short_steps = std::max<int64_t>(1, o.steps / 3);
  for (int64_t batch : o.batches) {
    generate(batch, short_steps);  // warm-up: kernels chosen, allocator pools filled
    reset_peak_memory(cuda);
    std::vector<double> full, partial;
    for (int r = 0; r < o.runs; ++r) {
      full.push_back(generate(batch, o.steps));
      partial.push_back(generate(batch, short_steps));
    }
    const double best = median(full), best_short = median(partial);
    const double per_step = (best - best_short) / double(o.steps - short_steps);
    json row = {{"size", o.size},
                {"batch", batch},
                {"steps", o.steps},
                {"s_per_image", best / double(batch)},
                {"images_per_s", double(batch) / best},
                {"unet_steps_per_s", per_step > 0 ? 1.0 / per_step : 0.0}};
    const auto peak = peak_memory_gib(cuda);
    row["peak_mem_gib"] = peak ? json(*peak) : json(nullptr);
    std::printf("%lldx%lld batch %lld, %lld steps: %.3f s/image, %.3f images/s, %.2f UNet steps/s%s\n",
                static_cast<long long>(o.size), static_cast<long long>(o.size), static_cast<long long>(batch),
                static_cast<long long>(o.steps), best / double(batch), double(batch) / best,
                per_step > 0 ? 1.0 / per_step : 0.0,
                peak ? (", peak " + std::to_string(*peak).substr(0, 5) + " GiB").c_str() : "");
    std::fflush(stdout);
    runs.push_back(row);
  }
  if (o.json_file) {
    json out = {{"tool", "dgxpx"},     {"version", DGXPX_VERSION}, {"torch", TORCH_VERSION},
                {"device", o.device},  {"dtype", o.dtype},         {"load_s", load_s},
                {"guidance", o.guidance}, {"runs", runs}};
    write_json(*o.json_file, out);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i)
    if (std::string(argv[i]) == "--help" || std::string(argv[i]) == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
  if (argc < 3) usage("expected a command (make-model or run) and a folder");
  const std::string command = argv[1];
  const fs::path dir = argv[2];
  const std::vector<std::string> args(argv + 3, argv + argc);
  try {
    if (command == "make-model") return make_model(dir, args);
    if (command == "run") return run(dir, args);
    usage("unknown command '" + command + "'");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_sdxl_speed: %s\n", e.what());
    return 1;
  }
}
