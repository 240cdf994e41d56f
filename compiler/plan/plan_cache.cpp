#include "compiler/plan/plan_cache.h"

#include <cstring>

#include <spdlog/spdlog.h>

#include "compiler/util/atomic_file.h"
#include "compiler/util/error.h"

namespace dgxpx::plan {
namespace fs = std::filesystem;

namespace {

constexpr std::string_view kMagic = "dgxpx-plan-cache 1\n";
constexpr std::string_view kEntrySuffix = ".plan";

class Writer {
 public:
  void u8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void u32(uint32_t v) { fixed(v, 4); }
  void u64(uint64_t v) { fixed(v, 8); }
  void str(std::string_view s) {
    u32(static_cast<uint32_t>(s.size()));
    out_.append(s);
  }
  void digest(const util::Digest& d) {
    u64(d.high);
    u64(d.low);
  }
  void location(const util::SourceLocation& where) {
    u32(static_cast<uint32_t>(where.line));
    u32(static_cast<uint32_t>(where.col));
  }
  std::string& bytes() { return out_; }

 private:
  void fixed(uint64_t v, int size) {
    for (int i = 0; i < size; ++i) out_.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
  std::string out_;
};

// Bounds-checked: past the end (or a count larger than what is left) it fails for good and
// returns zeros; the caller checks ok() before trusting anything.
class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}

  bool ok() const { return ok_; }
  bool at_end() const { return pos_ == bytes_.size(); }
  size_t left() const { return bytes_.size() - pos_; }

  uint8_t u8() { return static_cast<uint8_t>(fixed(1)); }
  uint32_t u32() { return static_cast<uint32_t>(fixed(4)); }
  uint64_t u64() { return fixed(8); }
  /// A count of items that take at least one byte each.
  uint32_t count() {
    uint32_t n = u32();
    if (n > left()) fail();
    return ok_ ? n : 0;
  }
  std::string_view view(size_t n) {
    if (!ok_ || n > left()) {
      fail();
      return {};
    }
    std::string_view v = bytes_.substr(pos_, n);
    pos_ += n;
    return v;
  }
  std::string str() { return std::string(view(u32())); }
  util::Digest digest() {
    util::Digest d;
    d.high = u64();
    d.low = u64();
    return d;
  }
  util::SourceLocation location(const std::string& file) {
    util::SourceLocation where{file, 0, 0};
    where.line = static_cast<int>(u32());
    where.col = static_cast<int>(u32());
    return where;
  }
  void fail() { ok_ = false; }

 private:
  uint64_t fixed(int size) {
    std::string_view v = view(static_cast<size_t>(size));
    uint64_t out = 0;
    for (size_t i = 0; i < v.size(); ++i) out |= static_cast<uint64_t>(static_cast<uint8_t>(v[i])) << (8 * i);
    return out;
  }
  std::string_view bytes_;
  size_t pos_ = 0;
  bool ok_ = true;
};

void write_strings(Writer& w, const std::vector<std::string>& strings) {
  w.u32(static_cast<uint32_t>(strings.size()));
  for (const auto& s : strings) w.str(s);
}

std::vector<std::string> read_strings(Reader& r) {
  std::vector<std::string> strings(r.count());
  for (auto& s : strings) s = r.str();
  return strings;
}

std::string encode_payload(const FilePlan& plan) {
  Writer w;
  w.u32(static_cast<uint32_t>(plan.files_used.size()));
  for (const auto& [path, digest] : plan.files_used) {
    w.str(path);
    w.digest(digest);
  }
  w.u32(static_cast<uint32_t>(plan.assets.size()));
  for (const auto& asset : plan.assets) {
    if (asset.steps.size() != asset.record.steps.size())
      throw std::logic_error("plan cache: an asset's steps and record differ in length");
    w.location(asset.where);
    w.location(asset.name_where);
    w.str(asset.record.asset);
    w.str(asset.record.kind);
    w.digest(asset.record.digest);
    w.u32(static_cast<uint32_t>(asset.steps.size()));
    for (size_t i = 0; i < asset.steps.size(); ++i) {
      const Step& step = asset.steps[i];
      const StepRecord& record = asset.record.steps[i];
      w.u8(static_cast<uint8_t>(step.kind));
      w.str(step.name);
      w.digest(step.key);
      w.u32(static_cast<uint32_t>(record.fields.size()));
      for (const auto& f : record.fields) {
        w.str(f.name);
        w.str(f.value);
        w.str(f.display);
      }
      w.str(step.spec_path);
      write_strings(w, step.inputs);
      write_strings(w, step.outputs);
      w.u8(step.model_pool ? 1 : 0);
    }
  }
  return std::move(w.bytes());
}

std::optional<FilePlan> decode_payload(std::string_view payload, const std::string& display_file,
                                       RecordFields fields) {
  Reader r(payload);
  FilePlan plan;
  for (uint32_t n = r.count(); n > 0 && r.ok(); --n) {
    std::string path = r.str();
    plan.files_used[path] = r.digest();
  }
  uint32_t assets = r.count();
  plan.assets.reserve(assets);
  for (uint32_t a = 0; a < assets && r.ok(); ++a) {
    PlannedAsset asset;
    asset.where = r.location(display_file);
    asset.name_where = r.location(display_file);
    asset.record.asset = r.str();
    asset.record.kind = r.str();
    asset.record.digest = r.digest();
    asset.record.fields_loaded = fields == RecordFields::decode;
    uint32_t steps = r.count();
    asset.steps.reserve(steps);
    asset.record.steps.reserve(steps);
    for (uint32_t s = 0; s < steps && r.ok(); ++s) {
      uint8_t kind = r.u8();
      if (kind > static_cast<uint8_t>(StepKind::pack)) r.fail();
      Step step;
      step.kind = static_cast<StepKind>(kind);
      step.name = r.str();
      step.key = r.digest();
      StepRecord record{step.kind, step.name, step.key, {}};
      const uint32_t field_count = r.count();
      if (fields == RecordFields::decode) {
        record.fields.resize(field_count);
        for (auto& f : record.fields) {
          f.name = r.str();
          f.value = r.str();
          f.display = r.str();
        }
      } else {
        for (uint64_t f = 0; f < uint64_t{field_count} * 3 && r.ok(); ++f) r.view(r.u32());
      }
      step.spec_path = r.str();
      step.inputs = read_strings(r);
      step.outputs = read_strings(r);
      uint8_t pool = r.u8();
      if (pool > 1) r.fail();
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
  Writer header;
  header.bytes().append(kMagic);
  header.digest(key);
  header.u64(payload.size());
  header.digest(util::digest_bytes(payload));
  return header.bytes() + payload;
}

std::optional<FilePlan> decode_file_plan(std::string_view bytes, const util::Digest& key,
                                         const std::string& display_file, RecordFields fields) {
  if (bytes.substr(0, kMagic.size()) != kMagic) return std::nullopt;
  Reader header(bytes.substr(kMagic.size()));
  util::Digest stored_key = header.digest();
  uint64_t size = header.u64();
  util::Digest checksum = header.digest();
  if (!header.ok() || stored_key != key || size != header.left()) return std::nullopt;
  std::string_view payload = header.view(header.left());
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
