#include "tests/parity/sdxl_network_cases.h"

#include <algorithm>
#include <cstring>
#include <iterator>
#include <fstream>
#include <iomanip>
#include <optional>
#include <set>
#include <sstream>

#include "compiler/sdxl/prompt_encoding.h"
#include "compiler/sdxl/safetensors.h"
#if DGXPX_TEST_HAVE_TOKENIZER
#include "compiler/sdxl/tokenizer.h"
#include "tests/support/python_json.h"
#endif

namespace dgxpx::testing {

namespace fs = std::filesystem;
using nlohmann::json;
using sdxl::Component;

json read_cases_json(const fs::path& fixture_dir) { return read_python_json(fixture_dir / "cases.json"); }

const std::vector<std::string>& network_case_kinds() {
  static const std::vector<std::string> kinds = {"text_encoders", "encode_prompt", "unet",
                                                 "vae_decode", "vae_encode"};
  return kinds;
}

FixtureNetworks load_fixture_networks(const fs::path& fixture_dir, sdxl::ModelLayout layout,
                                      const torch::TensorOptions& options) {
  const json cases = read_cases_json(fixture_dir);
  const fs::path model_dir = fixture_dir / cases.at("model_dir").get<std::string>();
  sdxl::ModelLoadOptions load_options;
  fs::path path = model_dir;
  if (layout == sdxl::ModelLayout::single_file) {
    path = fixture_dir / cases.at("single_file").get<std::string>();
    load_options.config_folder = model_dir;
  }
  const auto weights = sdxl::open_model_weights(path, load_options);
  FixtureNetworks n;
  n.layout = layout == sdxl::ModelLayout::single_file ? "single_file" : "diffusers";
  n.model_dir = model_dir;
  n.text_encoder = sdxl::ClipTextModel(weights.configs.text_encoder, options);
  n.text_encoder_2 = sdxl::ClipTextModel(weights.configs.text_encoder_2, options);
  n.unet = sdxl::UNet(weights.configs.unet, options);
  n.vae = sdxl::Vae(weights.configs.vae, options);
  sdxl::load_component(*n.text_encoder, weights, Component::text_encoder);
  sdxl::load_component(*n.text_encoder_2, weights, Component::text_encoder_2);
  sdxl::load_component(*n.unet, weights, Component::unet);
  sdxl::load_component(*n.vae, weights, Component::vae);
  for (auto* module : std::initializer_list<torch::nn::Module*>{
           n.text_encoder.get(), n.text_encoder_2.get(), n.unet.get(), n.vae.get()})
    module->eval();
  return n;
}

namespace {

using Outputs = std::map<std::string, torch::Tensor>;  // undefined tensor: Python None

// "file#key" tensor references, files opened once. Float tensors come through SafetensorsFile;
// int64 ones (token ids), which the weight reader refuses by design, are copied out of the
// file at the offsets its validated header gives.
class TensorRefs {
 public:
  explicit TensorRefs(fs::path dir) : dir_(std::move(dir)) {}
  torch::Tensor get(const json& ref) {
    const auto text = ref.get<std::string>();
    const auto hash = text.find('#');
    if (hash == std::string::npos) throw std::runtime_error("not a tensor reference: " + text);
    const auto file_name = text.substr(0, hash), key = text.substr(hash + 1);
    auto it = files_.find(file_name);
    if (it == files_.end())
      it = files_.emplace(file_name, Opened{sdxl::SafetensorsFile::open(dir_ / file_name), {}})
               .first;
    auto& opened = it->second;
    const auto* entry = opened.file.find(key);
    if (!entry) throw std::runtime_error(text + ": no such tensor");
    if (entry->dtype != sdxl::StoredDType::unsupported) return opened.file.tensor(*entry).clone();
    if (entry->dtype_name != "I64")
      throw std::runtime_error(text + ": unexpected dtype " + entry->dtype_name);
    if (opened.bytes.empty()) {
      std::ifstream in(opened.file.path(), std::ios::binary);
      opened.bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    const auto header = sdxl::parse_safetensors_header(opened.bytes, opened.file.path().string());
    auto out = torch::empty(entry->shape, torch::kLong);
    const uint64_t size = entry->end - entry->begin;
    if (size != static_cast<uint64_t>(out.numel()) * sizeof(int64_t))
      throw std::runtime_error(text + ": byte size does not match the shape");
    std::memcpy(out.data_ptr<int64_t>(), opened.bytes.data() + header.data_offset + entry->begin,
                size);
    return out;
  }

 private:
  struct Opened {
    sdxl::SafetensorsFile file;
    std::string bytes;  // the whole file, read only for integer tensors
  };
  fs::path dir_;
  std::map<std::string, Opened> files_;
};

std::optional<std::vector<std::string>> texts_of(const json& inputs, const char* key) {
  if (!inputs.contains(key) || inputs.at(key).is_null()) return std::nullopt;
  const auto& v = inputs.at(key);
  if (v.is_string()) return std::vector<std::string>{v.get<std::string>()};
  return v.get<std::vector<std::string>>();
}

// The inputs each kind's runner consumes; any other input is a case it cannot reproduce.
const std::map<std::string, std::set<std::string>>& known_inputs() {
  static const std::map<std::string, std::set<std::string>> known = {
      {"text_encoders", {"input_ids_1", "input_ids_2", "prompts"}},
      {"encode_prompt",
       {"prompt", "prompt_2", "negative_prompt", "negative_prompt_2", "do_classifier_free_guidance",
        "num_images_per_prompt", "clip_skip"}},
      {"unet", {"sample", "timestep", "encoder_hidden_states", "text_embeds", "time_ids"}},
      {"vae_decode", {"latents", "scaling_factor"}},
      {"vae_encode", {"image"}}};
  return known;
}

Outputs run_case(const json& c, TensorRefs& refs, FixtureNetworks& n) {
  const auto& kind = c.at("kind").get_ref<const std::string&>();
  const auto& in = c.at("inputs");
  for (const auto& [key, value] : in.items())
    if (!known_inputs().at(kind).count(key))
      throw std::runtime_error("unknown " + kind + " input '" + key + "': " + value.dump());
  const auto device = n.unet->conv_in->weight.device();
  const auto dtype = n.unet->conv_in->weight.scalar_type();
  auto real = [&](const char* key) { return refs.get(in.at(key)).to(device, dtype); };
  auto ids = [&](const char* key) { return refs.get(in.at(key)).to(device); };
  torch::NoGradGuard no_grad;
  Outputs out;
  if (kind == "text_encoders") {
#if DGXPX_TEST_HAVE_TOKENIZER
    // The ids are the tokenizers' for the prompts: the case's prompts reach the tokenizers.
    const auto prompts = in.at("prompts").get<std::vector<std::string>>();
    for (const auto& [folder, key] : {std::pair{"tokenizer", "input_ids_1"}, {"tokenizer_2", "input_ids_2"}})
      if (!torch::equal(sdxl::ClipTokenizer::load(n.model_dir / folder).encode_batch(prompts), refs.get(in.at(key))))
        throw std::runtime_error(std::string(key) + " are not " + folder + "'s ids for the case's prompts");
#endif
    auto te1 = n.text_encoder->forward(ids("input_ids_1"));
    auto te2 = n.text_encoder_2->forward(ids("input_ids_2"));
    out = {{"te1_penultimate", te1.hidden_state},
           {"te1_last_hidden_state", te1.last_hidden_state},
           {"te1_pooler_output", te1.pooled},
           {"te2_penultimate", te2.hidden_state},
           {"te2_last_hidden_state", te2.last_hidden_state},
           {"te2_text_embeds", te2.text_embeds}};
  } else if (kind == "encode_prompt") {
#if DGXPX_TEST_HAVE_TOKENIZER
    const auto tok1 = sdxl::ClipTokenizer::load(n.model_dir / "tokenizer");
    const auto tok2 = sdxl::ClipTokenizer::load(n.model_dir / "tokenizer_2");
    sdxl::TokenizeFn tokenize = [&](const std::vector<std::string>& texts, int encoder) {
      return (encoder == 0 ? tok1 : tok2).encode_batch(texts);
    };
    sdxl::PromptTexts texts;
    texts.prompt = *texts_of(in, "prompt");
    texts.prompt_2 = texts_of(in, "prompt_2");
    texts.negative_prompt = texts_of(in, "negative_prompt");
    texts.negative_prompt_2 = texts_of(in, "negative_prompt_2");
    sdxl::PromptEncodingOptions options;
    options.classifier_free_guidance = in.value("do_classifier_free_guidance", true);
    options.num_images_per_prompt = in.value("num_images_per_prompt", int64_t{1});
    if (in.contains("clip_skip") && !in.at("clip_skip").is_null())
      options.clip_skip = in.at("clip_skip").get<int64_t>();
    auto e = sdxl::encode_prompt(n.text_encoder, n.text_encoder_2, tokenize, texts, options);
    out = {{"prompt_embeds", e.prompt_embeds},
           {"negative_prompt_embeds", e.negative_prompt_embeds},
           {"pooled_prompt_embeds", e.pooled_prompt_embeds},
           {"negative_pooled_prompt_embeds", e.negative_pooled_prompt_embeds}};
#else
    throw std::runtime_error("encode_prompt cases need the tokenizer (dgxpx_sdxl_sampling)");
#endif
  } else if (kind == "unet") {
    sdxl::UNetConditioning cond{real("encoder_hidden_states"), real("text_embeds"),
                                real("time_ids")};
    out = {{"noise_pred", n.unet->forward(real("sample"), refs.get(in.at("timestep")), cond)}};
  } else if (kind == "vae_decode") {
    const double scale = in.at("scaling_factor").get<double>();
    auto latents = refs.get(in.at("latents")) / scale;  // in float32, as the pipeline does
    out = {{"image", n.vae->decode(latents.to(device, dtype))}};
  } else if (kind == "vae_encode") {
    auto dist = n.vae->encode(real("image"));
    out = {{"latent_mean", dist.mean}, {"latent_logvar", dist.logvar}, {"latent_std", dist.std()}};
  } else {
    throw std::runtime_error("unknown case kind " + kind);
  }
  return out;
}

}  // namespace

std::vector<CaseOutcome> run_network_cases(const fs::path& fixture_dir, FixtureNetworks& networks,
                                           const std::function<double(const json&)>& atol_for) {
  const json cases = read_cases_json(fixture_dir);
  TensorRefs refs(fixture_dir);
  const auto& kinds = network_case_kinds();
  std::vector<CaseOutcome> outcomes;
  for (const auto& c : cases.at("cases")) {
    const auto kind = c.at("kind").get<std::string>();
    if (std::find(kinds.begin(), kinds.end(), kind) == kinds.end()) continue;
    CaseOutcome o;
    o.name = c.at("name").get<std::string>();
    o.kind = kind;
    o.atol = atol_for(c);
    try {
      const Outputs ours = run_case(c, refs, networks);
      for (const auto& [output, ref] : c.at("outputs").items()) {
        auto it = ours.find(output);
        if (it == ours.end()) {
          o.problems.push_back("output " + output + ": the runner does not produce it");
          continue;
        }
        const auto& mine = it->second;
        if (ref.is_null()) {
          if (mine.defined()) o.problems.push_back("output " + output + ": expected None");
          continue;
        }
        if (!mine.defined()) {
          o.problems.push_back("output " + output + ": produced None");
          continue;
        }
        const auto expected = refs.get(ref).to(torch::kDouble);
        const auto got = mine.detach().to(torch::kCPU).to(torch::kDouble);
        if (got.sizes() != expected.sizes()) {
          std::ostringstream msg;
          msg << "output " << output << ": shape " << got.sizes() << ", expected "
              << expected.sizes();
          o.problems.push_back(msg.str());
          continue;
        }
        if (!torch::isfinite(got).all().item<bool>())
          o.problems.push_back("output " + output + ": not finite");
        if (got.numel() > 0)
          o.max_abs_err = std::max(o.max_abs_err, (got - expected).abs().max().item<double>());
      }
    } catch (const std::exception& e) {
      o.problems.push_back(std::string("exception: ") + e.what());
    }
    outcomes.push_back(std::move(o));
  }
  return outcomes;
}

std::string describe_outcome(const CaseOutcome& o, const std::string& label) {
  std::ostringstream s;
  s << "case " << o.name << " [" << label << "] max_abs_err = " << std::setprecision(3)
    << std::scientific << o.max_abs_err << " (atol " << std::defaultfloat << o.atol << ")";
  for (const auto& p : o.problems) s << "\n    problem: " << p;
  return s.str();
}

}  // namespace dgxpx::testing
