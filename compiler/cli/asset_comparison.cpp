#include "compiler/cli/asset_comparison.h"

#include <algorithm>
#include <cstdlib>
#include <set>

#include "compiler/pixel/png_io.h"
#include "compiler/plan/plan_store.h"
#include "compiler/plan/record_diff.h"
#include "compiler/util/error.h"
#include "compiler/util/hash.h"

namespace dgxpx::cli {
namespace fs = std::filesystem;

namespace {

int distinct_opaque_colours(const pixel::Image& image) {
  std::set<uint32_t> colours;
  for (const auto& p : image.pixels)
    if (p.a > 0) colours.insert(uint32_t(p.r) << 16 | uint32_t(p.g) << 8 | p.b);
  return static_cast<int>(colours.size());
}

std::optional<pixel::Image> sheet_of(const manifest::ProjectConfig& side, const std::string& asset) {
  const fs::path file = side.output_dir / (asset + ".png");
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) return std::nullopt;
  try {
    return pixel::read_png(file);
  } catch (const util::InputError&) {
    return std::nullopt;  // a damaged sheet compares as missing
  }
}

// What the asset's sheet is made of: its frames' names and pixel keys, in order. (Its pack
// key also covers the output folder, which differs between the sides by design.)
std::string content_key(const plan::AssetRecord& record) {
  util::KeyHasher h;
  h.add("asset-content", record.asset);
  for (const auto& step : record.steps)
    if (step.kind == plan::StepKind::pixel) h.add(step.name, step.key);
  return h.finish().hex();
}

}  // namespace

SheetDifference sheet_difference(const std::optional<pixel::Image>& a, const std::optional<pixel::Image>& b) {
  SheetDifference d;
  if (a) d.colors_a = distinct_opaque_colours(*a);
  if (b) d.colors_b = distinct_opaque_colours(*b);
  if (!a || !b || a->width != b->width || a->height != b->height) {
    d.mean = a || b ? 255.0 : 0.0;
    return d;
  }
  if (a->pixels.empty()) return d;
  uint64_t total = 0;
  for (size_t i = 0; i < a->pixels.size(); ++i) {
    const auto &p = a->pixels[i], &q = b->pixels[i];
    total += std::abs(p.r - q.r) + std::abs(p.g - q.g) + std::abs(p.b - q.b) + std::abs(p.a - q.a);
  }
  d.mean = static_cast<double>(total) / (4.0 * static_cast<double>(a->pixels.size()));
  return d;
}

std::vector<AssetComparison> compare_variants(const manifest::ProjectConfig& a, const manifest::ProjectConfig& b) {
  const auto index_a = plan::read_records_index(a), index_b = plan::read_records_index(b);
  std::set<std::string> assets;
  for (const auto& [name, _] : index_a) assets.insert(name);
  for (const auto& [name, _] : index_b) assets.insert(name);
  std::vector<AssetComparison> out;
  for (const auto& name : assets) {
    AssetComparison c;
    c.asset = name;
    const auto record_a = index_a.count(name) ? plan::read_record(a, name) : std::nullopt;
    const auto record_b = index_b.count(name) ? plan::read_record(b, name) : std::nullopt;
    c.in_a = record_a.has_value();
    c.in_b = record_b.has_value();
    if (record_a) c.key_a = content_key(record_a->record);
    if (record_b) c.key_b = content_key(record_b->record);
    c.changed = c.key_a != c.key_b || !record_a || !record_b;
    if (record_b && c.changed) {
      size_t frames = 0;
      for (const auto& step : record_b->record.steps) frames += step.kind == plan::StepKind::gen;
      auto changes = plan::diff_records(record_a ? &record_a->record : nullptr, record_b->record);
      changes.erase(std::remove_if(changes.begin(), changes.end(),
                                   [](const plan::FieldChange& f) { return f.field == "output_dir"; }),
                    changes.end());
      c.reason = plan::summarize_changes(changes, name, frames);
    } else if (!record_b) {
      c.reason = "only in A";
    }
    c.pixels = sheet_difference(sheet_of(a, name), sheet_of(b, name));
    out.push_back(std::move(c));
  }
  std::stable_sort(out.begin(), out.end(), [](const AssetComparison& x, const AssetComparison& y) {
    if (x.pixels.mean != y.pixels.mean) return x.pixels.mean > y.pixels.mean;
    return x.changed > y.changed;
  });
  return out;
}

}  // namespace dgxpx::cli
