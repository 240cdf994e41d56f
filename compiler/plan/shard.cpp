#include "compiler/plan/shard.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include <nlohmann/json.hpp>

#include "compiler/backend/gen_batch_key.h"
#include "compiler/backend/step_spec.h"
#include "compiler/util/error.h"

namespace dgxpx::plan {

namespace {

// A decimal count without sign or spaces, small enough for an int.
bool parse_count(const std::string& text, int& value) {
  if (text.empty() || text.size() > 9) return false;
  if (!std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) return false;
  value = std::stoi(text);
  return true;
}

}  // namespace

Shard parse_shard(const std::string& text, const std::string& what) {
  const size_t slash = text.find('/');
  Shard shard;
  const bool ok = slash != std::string::npos && parse_count(text.substr(0, slash), shard.index) &&
                  parse_count(text.substr(slash + 1), shard.count) && shard.count >= 1 && shard.index < shard.count;
  if (!ok)
    throw util::InputError(what + ": expected a shard I/N with 0 <= I < N (such as 0/4), got \"" + text + "\"");
  return shard;
}

std::string gen_step_batch_key(const std::filesystem::path& root, const Step& step) {
  std::string text = step.spec_json;
  if (text.empty()) {
    std::ifstream in(root / step.spec_path, std::ios::binary);
    text.assign(std::istreambuf_iterator<char>(in), {});
    if (!in.good() && !in.eof()) throw util::RuntimeFailure("cannot read " + step.spec_path);
  }
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw util::RuntimeFailure(step.spec_path + ": not a gen step spec");
  return backend::gen_batch_key(j.get<backend::GenSpec>());
}

Plan shard_part(const Plan& plan, const Shard& shard, const BatchKeyOf& batch_key_of) {
  // A keyframe-derived gen step reads its key frame's image: a group (the key frame and the
  // steps derived from it) goes to one shard whole, which generates the key frame first.
  std::unordered_map<std::string, size_t> gen_of_image;
  for (size_t i = 0; i < plan.steps.size(); ++i)
    if (plan.steps[i].kind == StepKind::gen)
      for (const std::string& output : plan.steps[i].outputs) gen_of_image[output] = i;
  const auto source_of = [&](size_t i) {
    for (const std::string& input : plan.steps[i].inputs)
      if (auto it = gen_of_image.find(input); it != gen_of_image.end()) return it->second;
    return i;
  };
  // Gen steps sorted by (batch group, key) of their group's key frame, key frames first: a
  // contiguous range is a few whole batch groups, and a group's steps are contiguous.
  std::unordered_map<size_t, std::string> batch_keys;  // by step index: asked once per gen step
  for (size_t i = 0; i < plan.steps.size(); ++i)
    if (plan.steps[i].kind == StepKind::gen) batch_keys[i] = batch_key_of(plan.steps[i]);
  std::vector<std::tuple<std::string, std::string, bool, std::string, size_t>> gens;
  for (const auto& [i, _] : batch_keys) {
    const size_t source = source_of(i);
    gens.emplace_back(batch_keys.at(source), plan.steps[source].key.hex(), source != i, plan.steps[i].key.hex(), i);
  }
  std::sort(gens.begin(), gens.end());
  const size_t total = gens.size(), count = static_cast<size_t>(shard.count), index = static_cast<size_t>(shard.index);
  // Each boundary moves forward to the next key frame, so no group is split.
  const auto group_start = [&](size_t g) {
    while (g < total && std::get<2>(gens[g])) ++g;
    return g;
  };
  const size_t begin = group_start(total * index / count), end = group_start(total * (index + 1) / count);

  std::unordered_set<size_t> chosen;
  std::unordered_set<std::string> images;  // outputs of the chosen gen steps
  for (size_t g = begin; g < end; ++g) {
    const size_t i = std::get<4>(gens[g]);
    chosen.insert(i);
    images.insert(plan.steps[i].outputs.begin(), plan.steps[i].outputs.end());
  }
  for (size_t i = 0; i < plan.steps.size(); ++i) {
    const Step& step = plan.steps[i];
    if (step.kind != StepKind::pixel) continue;
    for (const std::string& input : step.inputs)
      if (images.count(input)) chosen.insert(i);
  }

  Plan part;
  for (size_t i = 0; i < plan.steps.size(); ++i) {
    if (!chosen.count(i)) continue;
    const Step& step = plan.steps[i];
    part.steps.push_back(step);
    if (step.kind == StepKind::gen) {
      ++part.gen_steps;
      if (!step.model_pool) ++part.placeholder_gen_steps;
    } else {
      ++part.pixel_steps;
    }
  }
  return part;
}

}  // namespace dgxpx::plan
