#include "compiler/sdxl/state_dict.h"

#include <cstdio>
#include <set>
#include <vector>

#include <spdlog/spdlog.h>

#include "compiler/util/error.h"

namespace dgxpx::sdxl {
namespace {

// Long lists stay readable; the count of what was cut is always given.
constexpr size_t kMaxNamesListed = 100;

void append_list(std::string& message, const std::string& title,
                 const std::vector<std::string>& lines) {
  if (lines.empty()) return;
  message += "\n  " + std::to_string(lines.size()) + " " + title + ":";
  for (size_t i = 0; i < lines.size() && i < kMaxNamesListed; ++i) message += "\n    " + lines[i];
  if (lines.size() > kMaxNamesListed)
    message += "\n    ... and " + std::to_string(lines.size() - kMaxNamesListed) + " more";
}

std::string format_count(int64_t elements) {
  char text[32];
  if (elements >= 1000000000) std::snprintf(text, sizeof text, "%.2fB", elements / 1e9);
  else if (elements >= 1000000) std::snprintf(text, sizeof text, "%.2fM", elements / 1e6);
  else if (elements >= 1000) std::snprintf(text, sizeof text, "%.1fK", elements / 1e3);
  else std::snprintf(text, sizeof text, "%lld", static_cast<long long>(elements));
  return text;
}

std::string join(const std::set<std::string>& names) {
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "" : "+") + name;
  return out;
}

}  // namespace

std::string shape_string(torch::IntArrayRef shape) {
  std::string out = "[";
  for (size_t i = 0; i < shape.size(); ++i) out += (i ? ", " : "") + std::to_string(shape[i]);
  return out + "]";
}

std::string dtype_short_name(torch::ScalarType dtype) {
  switch (dtype) {
    case torch::kFloat32: return "fp32";
    case torch::kFloat16: return "fp16";
    case torch::kBFloat16: return "bf16";
    case torch::kFloat64: return "fp64";
    default: return c10::toString(dtype);
  }
}

LoadSummary load_state_dict(torch::nn::Module& module, const StateDict& weights,
                            const std::string& component, const std::string& source) {
  std::vector<std::pair<std::string, torch::Tensor>> targets;
  for (const auto& item : module.named_parameters(/*recurse=*/true))
    if (item.value().defined()) targets.emplace_back(item.key(), item.value());
  for (const auto& item : module.named_buffers(/*recurse=*/true))
    if (item.value().defined()) targets.emplace_back(item.key(), item.value());

  std::vector<std::string> missing, mismatched, leftover, duplicated;
  std::set<std::string> target_names;
  for (const auto& [name, target] : targets) {
    if (!target_names.insert(name).second) duplicated.push_back(name);
    auto it = weights.find(name);
    if (it == weights.end()) {
      missing.push_back(name + " " + shape_string(target.sizes()));
    } else if (!it->second.defined() || it->second.sizes() != target.sizes()) {
      mismatched.push_back(name + ": " + util::expected_got(
                                             shape_string(target.sizes()),
                                             it->second.defined()
                                                 ? shape_string(it->second.sizes())
                                                 : std::string("no tensor")));
    }
  }
  for (const auto& [name, tensor] : weights)
    if (!target_names.count(name)) leftover.push_back(name + " " + shape_string(tensor.sizes()));

  if (!missing.empty() || !mismatched.empty() || !leftover.empty() || !duplicated.empty()) {
    std::string message = component + " weights do not fit the network:";
    append_list(message, "missing (the network expects them, the weights lack them)", missing);
    append_list(message, "left over (the weights have them, the network does not)", leftover);
    append_list(message, "with the wrong shape", mismatched);
    append_list(message, "named twice by the network", duplicated);
    throw util::InputError(util::SourceLocation{source, 0, 0}, message);
  }

  LoadSummary summary;
  std::set<std::string> from_dtypes, to_dtypes;
  torch::NoGradGuard no_grad;
  for (auto& [name, target] : targets) {
    const torch::Tensor& value = weights.at(name);
    from_dtypes.insert(dtype_short_name(value.scalar_type()));
    to_dtypes.insert(dtype_short_name(target.scalar_type()));
    target.copy_(value);  // converts dtype and device; reads views over the mapping once
    summary.tensors += 1;
    summary.elements += target.numel();
  }
  summary.conversion = from_dtypes == to_dtypes ? join(to_dtypes)
                                                : join(from_dtypes) + "→" + join(to_dtypes);
  spdlog::info("{}: {} tensors, {} params, {}{}{}", component, summary.tensors,
               format_count(summary.elements), summary.conversion,
               source.empty() ? "" : " from ", source);
  return summary;
}

}  // namespace dgxpx::sdxl
