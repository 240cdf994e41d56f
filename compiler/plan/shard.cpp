#include "compiler/plan/shard.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <tuple>
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
  // Gen steps sorted by (batch group, key): a contiguous range is a few whole groups.
  std::vector<std::tuple<std::string, std::string, size_t>> gens;
  for (size_t i = 0; i < plan.steps.size(); ++i)
    if (plan.steps[i].kind == StepKind::gen) gens.emplace_back(batch_key_of(plan.steps[i]), plan.steps[i].key.hex(), i);
  std::sort(gens.begin(), gens.end());
  const size_t total = gens.size(), count = static_cast<size_t>(shard.count), index = static_cast<size_t>(shard.index);
  const size_t begin = total * index / count, end = total * (index + 1) / count;

  std::unordered_set<size_t> chosen;
  std::unordered_set<std::string> images;  // outputs of the chosen gen steps
  for (size_t g = begin; g < end; ++g) {
    const size_t i = std::get<2>(gens[g]);
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
