// dgxpx-sdxl: the SDXL side of dgxpx, kept out of the main binary so that only the generation
// worker pays for loading libtorch.
//   dgxpx-sdxl [-C DIR] [-v|-q] serve [--idle-exit|--stdio]   the project's generation worker
//   dgxpx-sdxl gen --model M --prompt P ... -o OUT.png         one-off generation (--help)
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "compiler/backend/sdxl_generator.h"
#include "compiler/backend/step_runner.h"
#include "compiler/cli/command.h"
#include "compiler/cli/project_context.h"
#include "compiler/manifest/project.h"
#include "compiler/util/error.h"
#include "compiler/util/log.h"
#include "compiler/worker/launcher.h"
#include "compiler/worker/server.h"

namespace dgxpx::backend {
namespace {

constexpr const char* kGenUsage =
    "usage: dgxpx-sdxl gen --model M --prompt P [--negative N] [--seed S] [--steps K] [--cfg G]\n"
    "                      [--sampler euler|euler_a|dpmpp_2m|dpmpp_2m_karras|dpmpp_2m_sde_karras|\n"
    "                                 ddim|lcm|unipc]\n"
    "                      [--timestep-spacing leading|trailing|linspace]\n"
    "                      [--width W] [--height H] [--lora FILE:WEIGHT ...] [--tile x|y|xy]\n"
    "                      [--original-size WxH] [--crop TOP,LEFT] [--target-size WxH]\n"
    "                      [--init IMG.png [--strength S] [--mask MASK.png]]\n"
    "                      [--config DIR] [--device cpu|cuda] -o OUT.png\n"
    "  --init IMG.png  img2img: start from this image (its size is the output size unless\n"
    "                      --width/--height say the same); --strength S in (0, 1] re-runs that\n"
    "                      fraction of the steps (default 0.3; with --mask 0.9999)\n"
    "  --mask MASK.png inpainting (needs --init, same size): white repaints, black keeps\n"
    "  --timestep-spacing  overrides the model's scheduler config (trailing for SDXL-Lightning/Turbo)\n"
    "  --original-size, --crop, --target-size  SDXL micro-conditioning (default: the image size,\n"
    "                      no crop)\n"
    "  --config DIR  configs and tokenizers (a diffusers folder) for a single-file model\n";

int to_int(const std::string& option, const std::string& value) {
  try {
    size_t used = 0;
    const long long v = std::stoll(value, &used);
    if (used == value.size()) return static_cast<int>(v);
  } catch (const std::exception&) {
  }
  throw util::InputError(util::expected_got(option + " an integer", "'" + value + "'"));
}

double to_double(const std::string& option, const std::string& value) {
  try {
    size_t used = 0;
    const double v = std::stod(value, &used);
    if (used == value.size()) return v;
  } catch (const std::exception&) {
  }
  throw util::InputError(util::expected_got(option + " a number", "'" + value + "'"));
}

// "AxB" with the separator `sep` ("1024x768", "32,16"): two integers in [min, 16384].
std::pair<int, int> to_pair(const std::string& option, const std::string& value, char sep, const char* shape, int min) {
  const auto at = value.find(sep);
  if (at != std::string::npos) {
    const int a = to_int(option, value.substr(0, at)), b = to_int(option, value.substr(at + 1));
    if (a >= min && b >= min && a <= 16384 && b <= 16384) return {a, b};
  }
  throw util::InputError(util::expected_got(option + " " + shape + " (each " + std::to_string(min) + "..16384)",
                                            "'" + value + "'"));
}

// "FILE:WEIGHT", or "FILE" for weight 1.
LoraSpec parse_lora_arg(const std::string& arg) {
  LoraSpec lora{arg, 1.0};
  const auto colon = arg.rfind(':');
  if (colon != std::string::npos && colon + 1 < arg.size()) {
    lora.file = arg.substr(0, colon);
    lora.weight = to_double("--lora FILE:WEIGHT", arg.substr(colon + 1));
  }
  return lora;
}

int run_gen(const std::vector<std::string>& args) {
  GenSpec spec;
  spec.name = "gen";
  spec.backend = "sdxl";
  spec.sampler = "euler";
  spec.steps = 30;
  spec.guidance = 5.0;
  SdxlGeneratorOptions options;
  std::string output, init_path, mask_path;
  std::optional<double> strength;
  bool width_given = false, height_given = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "-h" || a == "--help") {
      std::printf("%s", kGenUsage);
      return cli::kExitOk;
    }
    if (i + 1 >= args.size())
      throw util::InputError(util::expected_got("a value after " + a, "the end of the arguments"));
    const std::string& v = args[++i];
    if (a == "--model") spec.model = v;
    else if (a == "--prompt") spec.prompt = v;
    else if (a == "--negative") spec.negative = v;
    else if (a == "--seed") spec.seed = to_int(a, v);
    else if (a == "--steps") spec.steps = to_int(a, v);
    else if (a == "--cfg") spec.guidance = to_double(a, v);
    else if (a == "--sampler") spec.sampler = v;
    else if (a == "--timestep-spacing") spec.timestep_spacing = v;
    else if (a == "--original-size") spec.original_size = to_pair(a, v, 'x', "WxH", 1);
    else if (a == "--crop") spec.crop = to_pair(a, v, ',', "TOP,LEFT", 0);
    else if (a == "--target-size") spec.target_size = to_pair(a, v, 'x', "WxH", 1);
    else if (a == "--width") spec.width = to_int(a, v), width_given = true;
    else if (a == "--height") spec.height = to_int(a, v), height_given = true;
    else if (a == "--init") init_path = v;
    else if (a == "--mask") mask_path = v;
    else if (a == "--strength") {
      strength = to_double(a, v);
      if (!(*strength > 0.0 && *strength <= 1.0))
        throw util::InputError(util::expected_got("--strength a number in (0, 1]", "'" + v + "'"));
    }
    else if (a == "--lora") spec.loras.push_back(parse_lora_arg(v));
    else if (a == "--tile") spec.tiling = v;
    else if (a == "--config") options.config_folder = v;
    else if (a == "--device") options.device = v;
    else if (a == "-o" || a == "--output") output = v;
    else throw util::InputError(util::expected_got("a gen option (--help lists them)", "'" + a + "'"));
  }
  if (!spec.model) throw util::InputError(util::expected_got("--model M", "no model"));
  if (output.empty()) throw util::InputError(util::expected_got("-o OUT.png", "no output"));
  if (init_path.empty() && strength)
    throw util::InputError(util::expected_got("--strength with --init IMG.png", "no --init"));
  if (init_path.empty() && !mask_path.empty())
    throw util::InputError(util::expected_got("--mask with --init IMG.png", "no --init"));
  std::optional<SdxlInitImage> init;
  if (!init_path.empty()) {
    init.emplace();
    init->image = pixel::read_png(init_path);
    if (!mask_path.empty()) init->mask = pixel::read_png(mask_path);
    // diffusers' defaults: 0.3 for img2img, 0.9999 for inpainting.
    init->strength = strength.value_or(mask_path.empty() ? 0.3 : 0.9999);
    if (!width_given) spec.width = init->image.width;
    if (!height_given) spec.height = init->image.height;
    const auto same_size = [&](const pixel::Image& image, const std::string& what, const std::string& path) {
      if (image.width != spec.width || image.height != spec.height)
        throw util::InputError(util::expected_got(
            what + " " + path + " of the output size " + std::to_string(spec.width) + "x" + std::to_string(spec.height),
            std::to_string(image.width) + "x" + std::to_string(image.height)));
    };
    same_size(init->image, "--init", init_path);
    if (init->mask) same_size(*init->mask, "--mask", mask_path);
  }
  SdxlGenerator generator(options);
  const pixel::Image image = init ? generator.generate_from(spec, *init) : generator.generate(spec);
  pixel::PngText text = sdxl_parameters_text(spec);
  if (init) {
    text.emplace_back("dgxpx:init", init_path);
    text.emplace_back("dgxpx:strength", fmt::format("{}", init->strength));
    if (init->mask) text.emplace_back("dgxpx:mask", mask_path);
  }
  pixel::write_png(output, image, text);
  spdlog::info("wrote {} ({}x{})", output, image.width, image.height);
  return cli::kExitOk;
}

constexpr const char* kServeUsage =
    "usage: dgxpx-sdxl [-C DIR] serve [--idle-exit | --stdio]\n"
    "  serves gen requests on .dgxpx/worker.sock (PROTOCOL.md in compiler/worker) with the\n"
    "  settings of dgxpx.yaml's worker: section, until interrupted\n"
    "  --idle-exit  exit once no build has used it for keep_warm seconds (at least 2)\n"
    "  --stdio      serve one client on stdin/stdout, then exit (a step's private worker)\n";

int run_worker(const cli::GlobalOptions& global, const std::vector<std::string>& args) {
  bool idle_exit = false, stdio = false;
  for (const auto& a : args) {
    if (a == "-h" || a == "--help") {
      std::printf("%s", kServeUsage);
      return cli::kExitOk;
    }
    if (a == "--idle-exit") idle_exit = true;
    else if (a == "--stdio") stdio = true;
    else throw util::InputError(util::expected_got("--idle-exit or --stdio", "'" + a + "'"));
  }
  const manifest::ProjectConfig project = manifest::load_project(cli::project_root(global));
  // Spec paths (models, LoRAs) are relative to the project root.
  std::filesystem::current_path(project.root);
  const worker::WorkerPaths paths = worker::WorkerPaths::of(project);

  worker::ServerOptions options;
  options.max_batch = project.worker.max_batch;
  if (idle_exit)  // the floor lets the steps of a plain `ninja` run, seconds apart, share it
    options.idle_exit = std::chrono::seconds(std::max(project.worker.keep_warm_seconds, 2));
  SdxlGeneratorOptions generator_options;
  generator_options.device = project.worker.device;
  worker::GeneratorFactory factory = [generator_options](const GenSpec& spec) -> std::unique_ptr<Generator> {
    if (spec.backend == "sdxl") {
      auto generator = std::make_unique<SdxlGenerator>(generator_options);
      if (spec.model) generator->load_model(*spec.model);  // counted and timed as the model load
      return generator;
    }
    return make_generator(spec);
  };
  worker::install_stop_signals();
  if (stdio) {
    // The protocol owns the original stdout; anything libtorch prints goes to stderr.
    const int protocol_out = ::dup(STDOUT_FILENO);
    ::dup2(STDERR_FILENO, STDOUT_FILENO);
    worker::Server(options, factory).serve_stream(STDIN_FILENO, protocol_out);
    ::close(protocol_out);
    return cli::kExitOk;
  }
  options.event_log = paths.event_log;
  options.pid_file = paths.pid_file;
  worker::create_worker_folders(paths);
  worker::Server server(options, factory);
  if (!server.serve_socket(paths.socket)) spdlog::info("a generation worker already serves {}", paths.socket.string());
  return cli::kExitOk;
}

void print_usage() {
  std::printf(
      "usage: dgxpx-sdxl [-C DIR] [-v|-q] COMMAND [ARGS]\n\n"
      "commands:\n"
      "  serve ...   the project's generation worker (serve --help)\n"
      "  gen ...     generate one image (gen --help)\n");
}

int main_impl(int argc, char** argv) {
  cli::GlobalOptions global;
  int i = 1;
  for (; i < argc && argv[i][0] == '-'; ++i) {
    const std::string a = argv[i];
    if (a == "-C" && i + 1 < argc) global.directory = argv[++i];
    else if (a == "-v" || a == "--verbose") global.verbose = true;
    else if (a == "-q" || a == "--quiet") global.quiet = true;
    else if (a == "-h" || a == "--help") { print_usage(); return cli::kExitOk; }
    else {
      std::fprintf(stderr, "dgxpx-sdxl: error: unknown option '%s'\n", a.c_str());
      print_usage();
      return cli::kExitBadInput;
    }
  }
  util::init_logging(global.quiet ? util::Verbosity::quiet
                     : global.verbose ? util::Verbosity::verbose : util::Verbosity::normal);
  if (i >= argc) {
    print_usage();
    return cli::kExitBadInput;
  }
  const std::string command = argv[i];
  const std::vector<std::string> args(argv + i + 1, argv + argc);
  if (command == "serve") return run_worker(global, args);
  if (command == "gen") return run_gen(args);
  std::fprintf(stderr, "dgxpx-sdxl: error: unknown command '%s'\n", command.c_str());
  print_usage();
  return cli::kExitBadInput;
}

}  // namespace
}  // namespace dgxpx::backend

int main(int argc, char** argv) {
  return dgxpx::cli::run_reporting_errors([&] { return dgxpx::backend::main_impl(argc, argv); });
}
