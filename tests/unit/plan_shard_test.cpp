// shard_part: every gen step lands in exactly one shard, and a key frame and the frames
// derived from it (gen steps reading its image) always land in the same one.
#include <catch2/catch.hpp>

#include <map>
#include <set>

#include "compiler/plan/shard.h"

using namespace dgxpx;
using plan::StepKind;

namespace {

plan::Step gen_step(const std::string& name, const std::vector<std::string>& inputs) {
  plan::Step s{StepKind::gen, name, util::digest_bytes(name), "", "", inputs, {".dgxpx/gen/" + name + ".png"}, true};
  return s;
}

plan::Step pixel_step(const std::string& name) {
  return {StepKind::pixel, name, util::digest_bytes("pixel " + name), "", "", {".dgxpx/gen/" + name + ".png"},
          {".dgxpx/pixel/" + name + ".png"}, false};
}

}  // namespace

TEST_CASE("shards keep each key frame with the frames derived from it", "[unit][plan]") {
  // Groups of different sizes and batch keys, plus independent frames.
  const std::map<std::string, int> group_sizes = {{"a", 4}, {"b", 1}, {"c", 6}, {"d", 3}, {"e", 2}};
  plan::Plan plan;
  std::map<std::string, std::string> group_of;  // gen step → its group
  for (const auto& [group, size] : group_sizes) {
    const std::string lead = group + "0";
    plan.steps.push_back(gen_step(lead, {}));
    plan.steps.push_back(pixel_step(lead));
    group_of[lead] = group;
    for (int i = 1; i < size; ++i) {
      const std::string name = group + std::to_string(i);
      plan.steps.push_back(gen_step(name, {".dgxpx/gen/" + lead + ".png"}));
      plan.steps.push_back(pixel_step(name));
      group_of[name] = group;
    }
  }
  const auto batch_key_of = [](const plan::Step& s) { return s.inputs.empty() ? std::string("txt2img") : "img2img " + s.inputs[0]; };

  for (int count = 1; count <= static_cast<int>(group_of.size()) + 1; ++count) {
    std::map<std::string, int> shard_of;  // gen step → shard
    std::map<std::string, std::set<int>> shards_of_group;
    for (int index = 0; index < count; ++index) {
      const plan::Plan part = plan::shard_part(plan, {index, count}, batch_key_of);
      std::set<std::string> gens;
      for (const auto& step : part.steps) {
        if (step.kind != StepKind::gen) continue;
        INFO("shard " << index << "/" << count << " step " << step.name);
        CHECK(shard_of.emplace(step.name, index).second);  // in one shard only
        shards_of_group[group_of.at(step.name)].insert(index);
        gens.insert(step.name);
      }
      for (const auto& step : part.steps)  // a shard's pixel steps read its own images
        if (step.kind == StepKind::pixel) CHECK(gens.count(step.name) == 1);
    }
    INFO("shards: " << count);
    CHECK(shard_of.size() == group_of.size());
    for (const auto& [group, shards] : shards_of_group) {
      INFO("group " << group);
      CHECK(shards.size() == 1);
    }
  }
}
