#include "compiler/plan/plan_cache.h"

#include <cstring>

#include <spdlog/spdlog.h>

#include "compiler/util/atomic_file.h"
#include "compiler/util/byte_cursor.h"
#include "compiler/util/error.h"

namespace dgxpx::plan {
namespace fs = std::filesystem;

namespace {

constexpr std::string_view kMagic = "dgxpx-plan-cache 3\n";
constexpr std::string_view kEntrySuffix = ".plan";

constexpr size_t kAnyLength = UINT32_MAX;

void put_str(std::string& out, std::string_view s) { util::put_string(out, s, 4); }

void put_location(std::string& out, const util::SourceLocation& where) {
  util::put_uint(out, static_cast<uint32_t>(where.line), 4);
  util::put_uint(out, static_cast<uint32_t>(where.col), 4);
}

void put_strings(std::string& out, const std::vector<std::string>& strings) {
  util::put_uint(out, strings.size(), 4);
  for (const auto& s : strings) put_str(out, s);
}

std::string read_str(util::ByteReader& r) { return r.string(4, 0, kAnyLength, "string"); }

util::SourceLocation read_location(util::ByteReader& r, const std::string& file) {
  util::SourceLocation where{file, 0, 0};
  where.line = static_cast<int>(r.uint(4, "line"));
  where.col = static_cast<int>(r.uint(4, "column"));
  return where;
}

std::vector<std::string> read_strings(util::ByteReader& r) {
  std::vector<std::string> strings(r.count(4, "string count"));
  for (auto& s : strings) s = read_str(r);
  return strings;
}

std::string encode_payload(const FilePlan& plan) {
  std::string out;
  util::put_uint(out, plan.files_used.size(), 4);
  for (const auto& [path, digest] : plan.files_used) {
    put_str(out, path);
    util::put_digest(out, digest);
  }
  util::put_uint(out, plan.folders_listed.size(), 4);
  for (const auto& [path, digest] : plan.folders_listed) {
    put_str(out, path);
    util::put_digest(out, digest);
  }
  util::put_uint(out, plan.assets.size(), 4);
  for (const auto& asset : plan.assets) {
    if (asset.steps.size() != asset.record.steps.size())
      throw std::logic_error("plan cache: an asset's steps and record differ in length");
    put_location(out, asset.where);
    put_location(out, asset.name_where);
    put_str(out, asset.record.asset);
    put_str(out, asset.record.kind);
    util::put_digest(out, asset.record.digest);
    util::put_uint(out, asset.record.settings.size(), 4);
    for (const auto& f : asset.record.settings) {
      put_str(out, f.name);
      put_str(out, f.value);
    }
    util::put_uint(out, asset.steps.size(), 4);
    for (size_t i = 0; i < asset.steps.size(); ++i) {
      const Step& step = asset.steps[i];
      const StepRecord& record = asset.record.steps[i];
      util::put_uint(out, static_cast<uint8_t>(step.kind), 1);
      put_str(out, step.name);
      util::put_digest(out, step.key);
      util::put_uint(out, record.fields.size(), 4);
      for (const auto& f : record.fields) {
        put_str(out, f.name);
        put_str(out, f.value);
        put_str(out, f.display);
      }
      put_str(out, step.spec_path);
      put_strings(out, step.inputs);
      put_strings(out, step.outputs);
      util::put_uint(out, step.model_pool ? 1 : 0, 1);
    }
  }
  return out;
}

std::optional<FilePlan> decode_payload(std::string_view payload, const std::string& display_file,
                                       RecordFields fields) {
  util::ByteReader r(payload);
  FilePlan plan;
  for (uint64_t n = r.count(4, "file count"); n > 0 && r.ok(); --n) {
    std::string path = read_str(r);
    plan.files_used[path] = r.digest("file digest");
  }
  for (uint64_t n = r.count(4, "folder count"); n > 0 && r.ok(); --n) {
    std::string path = read_str(r);
    plan.folders_listed[path] = r.digest("listing digest");
  }
  const uint64_t assets = r.count(4, "asset count");
  plan.assets.reserve(assets);
  for (uint64_t a = 0; a < assets && r.ok(); ++a) {
    PlannedAsset asset;
    asset.where = read_location(r, display_file);
    asset.name_where = read_location(r, display_file);
    asset.record.asset = read_str(r);
    asset.record.kind = read_str(r);
    asset.record.digest = r.digest("record digest");
    asset.record.fields_loaded = fields == RecordFields::decode;
    asset.record.settings.resize(r.count(4, "setting count"));
    for (auto& f : asset.record.settings) {
      f.name = read_str(r);
      f.value = read_str(r);
    }
    const uint64_t steps = r.count(4, "step count");
    asset.steps.reserve(steps);
    asset.record.steps.reserve(steps);
    for (uint64_t s = 0; s < steps && r.ok(); ++s) {
      const uint64_t kind = r.uint(1, "step kind");
      if (kind > static_cast<uint8_t>(StepKind::pack)) r.fail("unknown step kind");
      Step step;
      step.kind = static_cast<StepKind>(kind);
      step.name = read_str(r);
      step.key = r.digest("step key");
      StepRecord record{step.kind, step.name, step.key, {}};
      const uint64_t field_count = r.count(4, "field count");
      if (fields == RecordFields::decode) {
        record.fields.resize(field_count);
        for (auto& f : record.fields) {
          f.name = read_str(r);
          f.value = read_str(r);
          f.display = read_str(r);
        }
      } else {
        for (uint64_t f = 0; f < field_count * 3 && r.ok(); ++f) r.view(r.uint(4, "field length"), "field");
      }
      step.spec_path = read_str(r);
      step.inputs = read_strings(r);
      step.outputs = read_strings(r);
      const uint64_t pool = r.uint(1, "pool flag");
      if (pool > 1) r.fail("bad pool flag");
      step.model_pool = pool == 1;
      asset.steps.push_back(std::move(step));
      asset.record.steps.push_back(std::move(record));
    }
    plan.assets.push_back(std::move(asset));
  }
  if (!r.ok() || !r.at_end()) return std::nullopt;
  return plan;
}

}  // namespace

util::Digest plan_cache_key(const util::Digest& context, const std::string& display_file, std::string_view bytes) {
  util::KeyHasher h;
  h.add("dgxpx-plan-cache", static_cast<int64_t>(kPlanCacheFormat));
  h.add("context", context);
  h.add("file", display_file);
  h.add("bytes", util::digest_bytes(bytes));
  return h.finish();
}

std::string encode_file_plan(const util::Digest& key, const FilePlan& plan) {
  std::string payload = encode_payload(plan);
  std::string entry(kMagic);
  util::put_digest(entry, key);
  util::put_uint(entry, payload.size(), 8);
  util::put_digest(entry, util::digest_bytes(payload));
  return entry + payload;
}

std::optional<FilePlan> decode_file_plan(std::string_view bytes, const util::Digest& key,
                                         const std::string& display_file, RecordFields fields) {
  if (bytes.substr(0, kMagic.size()) != kMagic) return std::nullopt;
  util::ByteReader header(bytes.substr(kMagic.size()));
  util::Digest stored_key = header.digest("key");
  uint64_t size = header.uint(8, "payload size");
  util::Digest checksum = header.digest("checksum");
  if (!header.ok() || stored_key != key || size != header.left()) return std::nullopt;
  std::string_view payload = header.view(header.left(), "payload");
  if (util::digest_bytes(payload) != checksum) return std::nullopt;
  return decode_payload(payload, display_file, fields);
}

fs::path PlanCache::entry_path(const util::Digest& key) const {
  return dir_ / (key.hex() + std::string(kEntrySuffix));
}

std::optional<FilePlan> PlanCache::load(const util::Digest& key, const std::string& display_file,
                                        RecordFields fields) const {
  bool found = false;
  try {
    found = util::read_file_into(entry_path(key), buffer_);
  } catch (const util::RuntimeFailure& e) {
    spdlog::debug("plan cache: {}", e.what());
  }
  if (!found) return std::nullopt;
  auto plan = decode_file_plan(buffer_, key, display_file, fields);
  if (!plan) spdlog::debug("plan cache: ignoring damaged entry {}", entry_path(key).string());
  return plan;
}

void PlanCache::store(const util::Digest& key, std::string_view entry) const {
  try {
    util::write_file_atomic(entry_path(key), entry);
  } catch (const util::RuntimeFailure& e) {
    spdlog::warn("plan cache entry not written: {}", e.what());
  }
}

void PlanCache::prune(const std::set<util::Digest>& live) const {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    std::string name = entry.path().filename().string();
    if (name.size() != 32 + kEntrySuffix.size() || name.compare(32, std::string::npos, kEntrySuffix) != 0) continue;
    auto key = util::Digest::from_hex(std::string_view(name).substr(0, 32));
    if (key && !live.count(*key)) fs::remove(entry.path(), ec);
  }
}

}  // namespace dgxpx::plan
