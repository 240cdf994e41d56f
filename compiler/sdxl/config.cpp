#include "compiler/sdxl/config.h"

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "compiler/util/error.h"

namespace dgxpx::sdxl {

namespace {

using nlohmann::json;

// Reads one config.json; every error names the file and the key.
class ConfigReader {
 public:
  explicit ConfigReader(const std::filesystem::path& path) : file_(path.string()) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw util::RuntimeFailure("cannot open " + file_);
    std::stringstream buffer;
    buffer << in.rdbuf();
    if (!in.good() && !in.eof()) throw util::RuntimeFailure("cannot read " + file_);
    try {
      root_ = json::parse(buffer.str());
    } catch (const json::parse_error& e) {
      throw util::InputError(util::SourceLocation{file_},
                             std::string("malformed JSON: ") + e.what());
    }
    if (!root_.is_object()) fail("", util::expected_got("a JSON object", type_of(root_)));
  }

  [[noreturn]] void fail(const std::string& key, const std::string& message) const {
    throw util::InputError(util::SourceLocation{file_},
                           key.empty() ? message : "key \"" + key + "\": " + message);
  }

  bool has(const std::string& key) const { return root_.contains(key) && !root_[key].is_null(); }
  const json& at(const std::string& key) const {
    if (!has(key)) fail(key, "missing (required)");
    return root_[key];
  }

  int64_t integer(const std::string& key) const { return as_integer(key, at(key)); }
  int64_t integer(const std::string& key, int64_t fallback) const {
    return has(key) ? integer(key) : fallback;
  }
  double number(const std::string& key, double fallback) const {
    if (!has(key)) return fallback;
    const auto& v = root_[key];
    if (!v.is_number()) fail(key, util::expected_got("a number", type_of(v)));
    return v.get<double>();
  }
  bool boolean(const std::string& key, bool fallback) const {
    if (!has(key)) return fallback;
    const auto& v = root_[key];
    if (!v.is_boolean()) fail(key, util::expected_got("true or false", type_of(v)));
    return v.get<bool>();
  }
  std::string string(const std::string& key, const std::string& fallback) const {
    if (!has(key)) return fallback;
    const auto& v = root_[key];
    if (!v.is_string()) fail(key, util::expected_got("a string", type_of(v)));
    return v.get<std::string>();
  }
  std::vector<int64_t> integers(const std::string& key) const {
    const auto& v = at(key);
    if (!v.is_array()) fail(key, util::expected_got("a list of integers", type_of(v)));
    std::vector<int64_t> out;
    for (const auto& item : v) out.push_back(as_integer(key, item));
    return out;
  }
  std::vector<std::string> strings(const std::string& key) const {
    const auto& v = at(key);
    if (!v.is_array()) fail(key, util::expected_got("a list of strings", type_of(v)));
    std::vector<std::string> out;
    for (const auto& item : v) {
      if (!item.is_string()) fail(key, util::expected_got("a list of strings", v.dump()));
      out.push_back(item.get<std::string>());
    }
    return out;
  }
  /// An integer or a list of `levels` integers (diffusers accepts both for per-level fields).
  std::vector<int64_t> per_level(const std::string& key, size_t levels, int64_t fallback) const {
    if (!has(key)) return std::vector<int64_t>(levels, fallback);
    if (root_[key].is_array()) {
      auto values = integers(key);
      if (values.size() != levels)
        fail(key,
             util::expected_got("a list of " + std::to_string(levels) + " entries (one per level)",
                                root_[key].dump()));
      return values;
    }
    return std::vector<int64_t>(levels, integer(key));
  }
  /// `key`, when present, must equal `expected` (a setting we do not implement otherwise).
  void require(const std::string& key, const json& expected) const {
    if (has(key) && root_[key] != expected)
      fail(key,
           util::expected_got(expected.dump() + " (the only supported value)", root_[key].dump()));
  }
  void require_null(const std::string& key) const {
    if (has(key)) fail(key, util::expected_got("null (not supported)", root_[key].dump()));
  }
  void positive(const std::string& key, int64_t value) const {
    if (value <= 0) fail(key, util::expected_got("a positive value", std::to_string(value)));
  }

 private:
  int64_t as_integer(const std::string& key, const json& v) const {
    if (!v.is_number_integer()) fail(key, util::expected_got("an integer", v.dump()));
    return v.get<int64_t>();
  }
  static std::string type_of(const json& v) { return std::string(v.type_name()) + " " + v.dump(); }

  std::string file_;
  json root_;
};

void check_block_types(const ConfigReader& reader, const std::string& key,
                       const std::vector<std::string>& types, const std::string& plain,
                       const std::string& cross) {
  for (const auto& type : types)
    if (type != plain && type != cross)
      reader.fail(key,
                  util::expected_got("\"" + plain + "\" or \"" + cross + "\"", "\"" + type + "\""));
}

}  // namespace

ClipTextConfig sdxl_base_text_encoder_config() {
  ClipTextConfig c;  // CLIP ViT-L/14 text tower, as in SDXL base's text_encoder/config.json
  c.vocab_size = 49408;
  c.hidden_size = 768;
  c.intermediate_size = 3072;
  c.num_hidden_layers = 12;
  c.num_attention_heads = 12;
  c.max_position_embeddings = 77;
  c.hidden_act = "quick_gelu";
  c.layer_norm_eps = 1e-5;
  c.projection_dim = 0;  // CLIPTextModel: no projection
  c.bos_token_id = 0;
  c.eos_token_id = 2;
  c.pad_token_id = 1;
  return c;
}

ClipTextConfig sdxl_base_text_encoder_2_config() {
  ClipTextConfig c;  // OpenCLIP ViT-bigG/14 text tower, text_encoder_2/config.json
  c.vocab_size = 49408;
  c.hidden_size = 1280;
  c.intermediate_size = 5120;
  c.num_hidden_layers = 32;
  c.num_attention_heads = 20;
  c.max_position_embeddings = 77;
  c.hidden_act = "gelu";
  c.layer_norm_eps = 1e-5;
  c.projection_dim = 1280;
  c.bos_token_id = 0;
  c.eos_token_id = 2;
  c.pad_token_id = 1;
  return c;
}

UNetConfig sdxl_base_unet_config() {
  UNetConfig c;  // stabilityai/stable-diffusion-xl-base-1.0 unet/config.json
  c.in_channels = 4;
  c.out_channels = 4;
  c.block_out_channels = {320, 640, 1280};
  c.down_block_types = {"DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"};
  c.up_block_types = {"CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"};
  c.layers_per_block = 2;
  c.transformer_layers_per_block = {1, 2, 10};
  c.attention_heads = {5, 10, 20};
  c.cross_attention_dim = 2048;
  c.use_linear_projection = true;
  c.addition_time_embed_dim = 256;
  c.projection_class_embeddings_input_dim = 2816;
  c.norm_num_groups = 32;
  c.norm_eps = 1e-5;
  c.flip_sin_to_cos = true;
  c.freq_shift = 0;
  c.sample_size = 128;
  return c;
}

VaeConfig sdxl_base_vae_config() {
  VaeConfig c;  // vae/config.json
  c.in_channels = 3;
  c.out_channels = 3;
  c.block_out_channels = {128, 256, 512, 512};
  c.layers_per_block = 2;
  c.latent_channels = 4;
  c.norm_num_groups = 32;
  c.scaling_factor = 0.13025;
  c.force_upcast = true;
  c.sample_size = 1024;
  return c;
}

// Field defaults below are the library defaults of transformers' CLIPTextConfig and diffusers'
// UNet2DConditionModel / AutoencoderKL, used when a config.json leaves a key out.

ClipTextConfig read_clip_text_config(const std::filesystem::path& config_json) {
  ConfigReader r(config_json);
  ClipTextConfig c;
  c.vocab_size = r.integer("vocab_size", 49408);
  c.hidden_size = r.integer("hidden_size");
  c.intermediate_size = r.integer("intermediate_size");
  c.num_hidden_layers = r.integer("num_hidden_layers");
  c.num_attention_heads = r.integer("num_attention_heads");
  c.max_position_embeddings = r.integer("max_position_embeddings", 77);
  c.hidden_act = r.string("hidden_act", "quick_gelu");
  c.layer_norm_eps = r.number("layer_norm_eps", 1e-5);
  c.bos_token_id = r.integer("bos_token_id", 49406);
  c.eos_token_id = r.integer("eos_token_id", 49407);
  c.pad_token_id = r.integer("pad_token_id", 1);
  for (const char* key : {"vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers",
                          "num_attention_heads", "max_position_embeddings"})
    r.positive(key, r.integer(key, 1));
  if (c.hidden_size % c.num_attention_heads != 0)
    r.fail("num_attention_heads",
           util::expected_got("a divisor of hidden_size " + std::to_string(c.hidden_size),
                              std::to_string(c.num_attention_heads)));
  if (c.hidden_act != "quick_gelu" && c.hidden_act != "gelu")
    r.fail("hidden_act",
           util::expected_got("\"quick_gelu\" or \"gelu\"", "\"" + c.hidden_act + "\""));
  // projection_dim is in every CLIP config; only CLIPTextModelWithProjection has the layer.
  bool with_projection = false;
  if (r.has("architectures"))
    for (const auto& arch : r.strings("architectures"))
      with_projection = with_projection || arch == "CLIPTextModelWithProjection";
  if (with_projection) {
    c.projection_dim = r.integer("projection_dim", 512);
    r.positive("projection_dim", c.projection_dim);
  }
  return c;
}

UNetConfig read_unet_config(const std::filesystem::path& config_json) {
  ConfigReader r(config_json);
  // SDXL's conditioning and the layer kinds we build; anything else is refused up front.
  const auto added = r.string("addition_embed_type", "");
  if (added != "text_time")
    r.fail("addition_embed_type", util::expected_got("\"text_time\" (SDXL's conditioning)",
                                                     added.empty() ? "none" : "\"" + added + "\""));
  r.require("mid_block_type", "UNetMidBlock2DCrossAttn");
  r.require("act_fn", "silu");
  r.require("time_embedding_type", "positional");
  r.require("resnet_time_scale_shift", "default");
  r.require("downsample_padding", 1);
  r.require("conv_in_kernel", 3);
  r.require("conv_out_kernel", 3);
  r.require("center_input_sample", false);
  r.require("only_cross_attention", false);
  r.require("dual_cross_attention", false);
  r.require("attention_type", "default");
  r.require("mid_block_scale_factor", 1);
  r.require("resnet_out_scale_factor", 1.0);
  r.require("resnet_skip_time_act", false);
  r.require("upcast_attention", false);
  if (!r.boolean("use_linear_projection", false))  // diffusers' default is false (SD 1.x convs)
    r.fail("use_linear_projection",
           util::expected_got("true (SDXL's linear projections)", "false or absent"));
  for (const char* key :
       {"class_embed_type", "num_class_embeds", "encoder_hid_dim", "encoder_hid_dim_type",
        "time_cond_proj_dim", "time_embedding_dim", "time_embedding_act_fn", "timestep_post_act",
        "reverse_transformer_layers_per_block", "mid_block_only_cross_attention",
        "cross_attention_norm"})
    r.require_null(key);

  UNetConfig c;
  c.in_channels = r.integer("in_channels", 4);
  c.out_channels = r.integer("out_channels", 4);
  c.block_out_channels = r.integers("block_out_channels");
  const size_t levels = c.block_out_channels.size();
  if (levels == 0) r.fail("block_out_channels", "expected at least one level, got []");
  for (int64_t ch : c.block_out_channels) r.positive("block_out_channels", ch);
  c.down_block_types = r.strings("down_block_types");
  c.up_block_types = r.strings("up_block_types");
  for (const auto& [key, types] : {std::pair{"down_block_types", &c.down_block_types},
                                   std::pair{"up_block_types", &c.up_block_types}})
    if (types->size() != levels)
      r.fail(key, util::expected_got(std::to_string(levels) + " entries (as block_out_channels)",
                                     std::to_string(types->size())));
  check_block_types(r, "down_block_types", c.down_block_types, "DownBlock2D",
                    "CrossAttnDownBlock2D");
  check_block_types(r, "up_block_types", c.up_block_types, "UpBlock2D", "CrossAttnUpBlock2D");
  c.layers_per_block = r.integer("layers_per_block", 2);
  r.positive("layers_per_block", c.layers_per_block);
  c.transformer_layers_per_block = r.per_level("transformer_layers_per_block", levels, 1);
  // diffusers' legacy naming: "attention_head_dim" holds the number of heads unless
  // "num_attention_heads" is given.
  c.attention_heads = r.has("num_attention_heads") ? r.per_level("num_attention_heads", levels, 8)
                                                   : r.per_level("attention_head_dim", levels, 8);
  const char* heads_key =
      r.has("num_attention_heads") ? "num_attention_heads" : "attention_head_dim";
  for (size_t i = 0; i < levels; ++i) {
    r.positive(heads_key, c.attention_heads[i]);
    if (c.block_out_channels[i] % c.attention_heads[i] != 0)
      r.fail(heads_key, util::expected_got("a divisor of block_out_channels[" + std::to_string(i) +
                                               "] = " + std::to_string(c.block_out_channels[i]),
                                           std::to_string(c.attention_heads[i])));
  }
  c.cross_attention_dim = r.integer("cross_attention_dim");
  c.use_linear_projection = true;
  c.addition_time_embed_dim = r.integer("addition_time_embed_dim");
  c.projection_class_embeddings_input_dim = r.integer("projection_class_embeddings_input_dim");
  for (const char* key :
       {"cross_attention_dim", "addition_time_embed_dim", "projection_class_embeddings_input_dim"})
    r.positive(key, r.integer(key));
  c.norm_num_groups = r.integer("norm_num_groups", 32);
  r.positive("norm_num_groups", c.norm_num_groups);
  for (int64_t ch : c.block_out_channels)
    if (ch % c.norm_num_groups != 0)
      r.fail("norm_num_groups", util::expected_got("a divisor of every block_out_channels entry",
                                                   std::to_string(c.norm_num_groups)));
  c.norm_eps = r.number("norm_eps", 1e-5);
  c.flip_sin_to_cos = r.boolean("flip_sin_to_cos", true);
  c.freq_shift = r.number("freq_shift", 0);
  c.sample_size = r.integer("sample_size", c.sample_size);
  return c;
}

VaeConfig read_vae_config(const std::filesystem::path& config_json) {
  ConfigReader r(config_json);
  r.require("act_fn", "silu");
  r.require("mid_block_add_attention", true);
  r.require("use_quant_conv", true);
  r.require("use_post_quant_conv", true);
  VaeConfig c;
  c.in_channels = r.integer("in_channels", 3);
  c.out_channels = r.integer("out_channels", 3);
  c.block_out_channels = r.integers("block_out_channels");
  const size_t levels = c.block_out_channels.size();
  if (levels == 0) r.fail("block_out_channels", "expected at least one level, got []");
  for (int64_t ch : c.block_out_channels) r.positive("block_out_channels", ch);
  if (r.has("down_block_types")) {
    auto types = r.strings("down_block_types");
    if (types.size() != levels)
      r.fail("down_block_types",
             util::expected_got(std::to_string(levels) + " entries", std::to_string(types.size())));
    check_block_types(r, "down_block_types", types, "DownEncoderBlock2D", "DownEncoderBlock2D");
  }
  if (r.has("up_block_types")) {
    auto types = r.strings("up_block_types");
    if (types.size() != levels)
      r.fail("up_block_types",
             util::expected_got(std::to_string(levels) + " entries", std::to_string(types.size())));
    check_block_types(r, "up_block_types", types, "UpDecoderBlock2D", "UpDecoderBlock2D");
  }
  c.layers_per_block = r.integer("layers_per_block", 1);
  c.latent_channels = r.integer("latent_channels", 4);
  c.norm_num_groups = r.integer("norm_num_groups", 32);
  for (const char* key :
       {"in_channels", "out_channels", "layers_per_block", "latent_channels", "norm_num_groups"})
    r.positive(key, r.integer(key, 1));
  for (int64_t ch : c.block_out_channels)
    if (ch % c.norm_num_groups != 0)
      r.fail("norm_num_groups", util::expected_got("a divisor of every block_out_channels entry",
                                                   std::to_string(c.norm_num_groups)));
  c.scaling_factor = r.number("scaling_factor", 0.18215);
  c.force_upcast = r.boolean("force_upcast", true);
  c.sample_size = r.integer("sample_size", 32);
  return c;
}

}  // namespace dgxpx::sdxl
