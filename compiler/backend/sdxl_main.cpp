// dgxpx-sdxl: the SDXL side of dgxpx, kept out of the main binary so that only SDXL gen steps
// pay for loading libtorch.
//   dgxpx-sdxl [-C DIR] [-v|-q] step SPEC   run one step spec (as `dgxpx step`, with SDXL)
//   dgxpx-sdxl gen --model M --prompt P ... -o OUT.png   one-off generation (--help)
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "cache/local_store.h"
#include "compiler/backend/sdxl_generator.h"
#include "compiler/backend/step_runner.h"
#include "compiler/cli/command.h"
#include "compiler/cli/project_context.h"
#include "compiler/manifest/project.h"
#include "compiler/util/error.h"
#include "compiler/util/log.h"

namespace dgxpx::backend {
namespace {

constexpr const char* kGenUsage =
    "usage: dgxpx-sdxl gen --model M --prompt P [--negative N] [--seed S] [--steps K] [--cfg G]\n"
    "                      [--sampler euler|euler_a|dpmpp_2m|dpmpp_2m_karras|ddim]\n"
    "                      [--width W] [--height H] [--lora FILE:WEIGHT ...] [--tile x|y|xy]\n"
    "                      [--config DIR] [--device cpu|cuda] -o OUT.png\n"
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
  std::string output;
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
    else if (a == "--width") spec.width = to_int(a, v);
    else if (a == "--height") spec.height = to_int(a, v);
    else if (a == "--lora") spec.loras.push_back(parse_lora_arg(v));
    else if (a == "--tile") spec.tiling = v;
    else if (a == "--config") options.config_folder = v;
    else if (a == "--device") options.device = v;
    else if (a == "-o" || a == "--output") output = v;
    else throw util::InputError(util::expected_got("a gen option (--help lists them)", "'" + a + "'"));
  }
  if (!spec.model) throw util::InputError(util::expected_got("--model M", "no model"));
  if (output.empty()) throw util::InputError(util::expected_got("-o OUT.png", "no output"));
  SdxlGenerator generator(options);
  const pixel::Image image = generator.generate(spec);
  pixel::write_png(output, image, sdxl_parameters_text(spec));
  spdlog::info("wrote {} ({}x{})", output, image.width, image.height);
  return cli::kExitOk;
}

int run_step_command(const cli::GlobalOptions& global, const std::vector<std::string>& args) {
  if (args.size() != 1)
    throw util::InputError(util::expected_got("one step spec file", std::to_string(args.size()) + " arguments"));
  manifest::ProjectConfig project = manifest::load_project(cli::project_root(global));
  cache::LocalStore store(cli::cache_dir(project));
  StepContext context{store};
  context.generators = [](const GenSpec& spec) -> std::unique_ptr<Generator> {
    if (spec.backend == "sdxl") return make_sdxl_generator(spec);
    return make_generator(spec);
  };
  run_step(args[0], context);
  return cli::kExitOk;
}

void print_usage() {
  std::printf(
      "usage: dgxpx-sdxl [-C DIR] [-v|-q] COMMAND [ARGS]\n\n"
      "commands:\n"
      "  step SPEC   run one step spec (what ninja runs for SDXL gen steps)\n"
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
  if (command == "step") return run_step_command(global, args);
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
