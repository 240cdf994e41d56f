#include "compiler/cli/remote_sync.h"

#include <chrono>
#include <system_error>
#include <unordered_set>

#include <spdlog/spdlog.h>

#include "cache/size.h"
#include "compiler/util/error.h"

namespace dgxpx::cli {
namespace fs = std::filesystem;

std::vector<util::Digest> keys_about_to_run(const manifest::ProjectConfig& project, const plan::Plan& plan,
                                            const plan::SpecFiles& specs) {
  // Steps come in dependency order (a shared step at its first use), so one pass sees every
  // input's producer first.
  std::unordered_set<std::string> rewritten;
  std::vector<util::Digest> keys;
  for (const plan::Step& step : plan.steps) {
    bool runs = !specs.has(step.kind, step.key);
    for (const std::string& input : step.inputs) runs = runs || rewritten.count(input) > 0;
    for (const std::string& output : step.outputs) {
      std::error_code ec;
      runs = runs || !fs::exists(project.root / output, ec);
    }
    if (!runs) continue;
    rewritten.insert(step.outputs.begin(), step.outputs.end());
    keys.push_back(step.key);
  }
  return keys;
}

RemoteSync::RemoteSync(std::optional<RemoteCacheConfig> config, const fs::path& cache_root)
    : config_(std::move(config)), local_(cache_root) {
  if (config_) remote_ = std::make_unique<cache::RemoteCache>(config_->options);
}

void RemoteSync::prefetch(const manifest::ProjectConfig& project, const std::optional<Planned>& planned) {
  // Without a re-plan, the only steps that can run are ones whose outputs went missing since
  // the local cache served them; planning again to find them would double a no-op build.
  if (!remote_ || !planned) return;
  const auto started = std::chrono::steady_clock::now();
  std::vector<util::Digest> wanted;
  for (const util::Digest& key : keys_about_to_run(project, planned->plan, planned->specs)) {
    std::error_code ec;
    if (!fs::exists(local_.entry_path(key), ec)) wanted.push_back(key);
  }
  if (!wanted.empty()) unserved_ = remote_->fetch_into(local_, wanted);
  spdlog::debug("{}: {} of {} steps about to run fetched in {:.0f} ms", remote_->describe(), remote_->stats().hits,
                wanted.size(),
                std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count());
  if (std::string problem = required_problem(false); !problem.empty()) throw util::RuntimeFailure(problem);
}

bool RemoteSync::upload() {
  if (!remote_ || !config_->write) return true;
  remote_->upload_from(local_, unserved_);
  if (std::string problem = required_problem(true); !problem.empty()) {
    spdlog::error("{}", problem);
    return false;
  }
  return true;
}

std::string RemoteSync::required_problem(bool writing) const {
  const bool unusable = !remote_->available() || remote_->reads_denied() || (writing && remote_->writes_denied());
  if (!config_->options.required || !unusable) return "";
  return remote_->problem() + "; the remote cache is required (cache.required in dgxpx.yaml or "
                              "DGXPX_REMOTE_REQUIRED=1), so the build stops";
}

std::string RemoteSync::summary() const {
  const cache::RemoteStats& s = remote_->stats();
  std::string line = remote_->describe() + ": " + std::to_string(s.hits) + " hits, " + std::to_string(s.misses) +
                     " misses, " + std::to_string(s.uploads) + " uploads (" + std::to_string(s.blobs_uploaded) +
                     " blobs), " + cache::format_size(s.bytes_down) + " down, " + cache::format_size(s.bytes_up) +
                     " up, " + std::to_string(s.requests) + " requests, " + std::to_string(s.errors) + " errors";
  if (s.corrupt > 0) line += ", " + std::to_string(s.corrupt) + " damaged objects ignored";
  if (s.too_large > 0) line += ", " + std::to_string(s.too_large) + " uploads refused as too large";
  if (!remote_->available()) line += " (unavailable)";
  return line;
}

nlohmann::json RemoteSync::to_json() const {
  const cache::RemoteStats& s = remote_->stats();
  return {{"url", config_->options.url},
          {"write", config_->write},
          {"available", remote_->available() && !remote_->reads_denied()},
          {"hits", s.hits},
          {"misses", s.misses},
          {"corrupt", s.corrupt},
          {"uploads", s.uploads},
          {"blobs_uploaded", s.blobs_uploaded},
          {"too_large", s.too_large},
          {"bytes_down", s.bytes_down},
          {"bytes_up", s.bytes_up},
          {"requests", s.requests},
          {"errors", s.errors}};
}

}  // namespace dgxpx::cli
