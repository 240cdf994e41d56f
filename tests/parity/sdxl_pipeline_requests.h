#pragma once
// A StableDiffusionXLPipeline call's inputs (a `pipeline` or `pipeline_ext` case of the fixture
// set) as our GenerationRequest: every input reaches the request, or is checked to be a value the
// pipeline reproduces; any other input fails the case (Catch). Shared by the parity suite and the
// GPU suite, so both run exactly the call the reference made.
#include <cstdint>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "compiler/sdxl/pipeline.h"
#include "tests/parity/sdxl_diffusers_schedulers.h"

// Include after Catch (and after libtorch, whose glog CHECK Catch must take back): the
// functions below use Catch's macros.
#include <catch2/catch.hpp>

namespace dgxpx::testing {

inline void require_known(const nlohmann::json& object, const std::set<std::string>& known, const std::string& what) {
  for (const auto& [key, value] : object.items())
    if (!known.count(key)) FAIL("unknown " << what << " '" << key << "': " << value.dump());
}

// (h, w) / (top, left) pairs as diffusers takes them.
inline std::pair<int64_t, int64_t> pair_of(const nlohmann::json& v) {
  REQUIRE((v.is_array() && v.size() == 2));
  return {v.at(0).get<int64_t>(), v.at(1).get<int64_t>()};
}

// A StableDiffusionXLPipeline call's inputs. Every input reaches the request, or is checked to
// be a value the pipeline reproduces; any other input fails the case.
inline sdxl::GenerationRequest request_of(const nlohmann::json& in, const sdxl::SdxlModel& model) {
  require_known(in, {"prompt", "negative_prompt", "height", "width", "num_inference_steps", "guidance_scale",
                     "seed", "scheduler", "scheduler_overrides", "scheduler_config", "generator",
                     "num_images_per_prompt", "eta", "guidance_rescale", "add_watermarker", "original_size",
                     "crops_coords_top_left", "target_size"},
                "pipeline input");
  sdxl::GenerationRequest r;
  r.prompts = {in.at("prompt").get<std::string>()};
  if (!in.at("negative_prompt").is_null())
    r.negative_prompts = std::vector<std::string>{in.at("negative_prompt").get<std::string>()};
  r.width = in.at("width").get<int64_t>();
  r.height = in.at("height").get<int64_t>();
  r.steps = in.at("num_inference_steps").get<int64_t>();
  r.guidance = in.at("guidance_scale").get<double>();
  r.seed = in.at("seed").get<uint64_t>();
  r.images_per_prompt = in.at("num_images_per_prompt").get<int64_t>();
  // The scheduler: the model's scheduler_config.json through Class.from_config(+ overrides).
  const std::string config_text = in.at("scheduler_config").get<std::string>();
  INFO("scheduler_config: " << config_text);
  REQUIRE(config_text.find("scheduler_config.json") != std::string::npos);
  try {
    const auto chosen = diffusers_scheduler(
        in.at("scheduler").get<std::string>(), in.value("scheduler_overrides", nlohmann::json::object()), model.scheduler);
    r.sampler = chosen.kind;
    r.timestep_spacing = chosen.spacing;
  } catch (const std::runtime_error& e) {
    FAIL(e.what());
  }
  // One seeded CPU generator for the whole call.
  REQUIRE(in.at("generator").get<std::string>().rfind("torch.Generator('cpu').manual_seed(seed)", 0) == 0);
  r.ddim_eta = in.at("eta").get<double>();  // reaches DDIM; the other samplers take no eta
  REQUIRE((r.sampler == sdxl::SamplerKind::ddim || r.ddim_eta == 0.0));
  REQUIRE(in.at("guidance_rescale").get<double>() == 0.0);  // not implemented: must be off
  REQUIRE(in.at("add_watermarker").get<bool>() == false);   // no watermark is ever added
  // null is Python's None: the default (the generated size; crop (0, 0)).
  const auto given = [&](const char* key) { return in.contains(key) && !in.at(key).is_null(); };
  if (given("original_size")) r.micro.original_size = pair_of(in.at("original_size"));
  if (given("crops_coords_top_left")) r.micro.crop_top_left = pair_of(in.at("crops_coords_top_left"));
  if (given("target_size")) r.micro.target_size = pair_of(in.at("target_size"));
  return r;
}

}  // namespace dgxpx::testing
