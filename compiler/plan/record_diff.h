#pragma once
// Why an asset's steps changed between two plans, field by field (recorded at the point of
// decision, STYLE habit 6), and how that reads: one line per asset for `status`, a word-level
// diff per field for `explain`.
#include <string>
#include <vector>

#include "compiler/plan/planner.h"

namespace dgxpx::plan {

struct FieldChange {
  enum class What { new_step, added, changed, removed, key_format };
  StepKind kind = StepKind::gen;
  std::string step;   // the step's name: "hero/idle/down/0" (gen, pixel) or "hero" (pack)
  What what = What::changed;
  std::string field;  // "prompt", "lora[0]"; "" for new_step and key_format
  std::string before, after;  // the fields' shown values ("" where not applicable)
  /// A setting of the asset as its manifest gives it (AssetRecord::settings), not a step's
  /// field; `step` is then the asset. Only `changed`, and only beside a step's change.
  bool asset_setting = false;

  /// One line: "gen hero/idle/down/0: prompt changed: …standing idle, [-breathing-] {+slowly+}…".
  std::string text() const;
  bool operator==(const FieldChange& o) const;
};

/// What differs between each step of `now` and the step of the same kind and name in `before`
/// (every step is new when `before` is null), and, when some key changed, which of the asset's
/// settings changed, first; empty when no key changed.
std::vector<FieldChange> diff_records(const AssetRecord* before, const AssetRecord& now);

/// A one-line summary of an asset's changes: "prompt of idle changed", "seed 77 → 78 (all
/// frames)", "lora style.safetensors changed; 4 new frames (run)". A setting's old and new
/// values are quoted when short, and take the place of the step field of the same name. `frame_count` is how many
/// frames the asset has now. Changes a pack step merely inherits from its frames are left out.
std::string summarize_changes(const std::vector<FieldChange>& changes, const std::string& asset, size_t frame_count);

/// The changes grouped for reading: a field that changed the same way in several steps is one
/// line naming them ("gen idle/down/0, idle/down/1 (+6 more): prompt changed: …").
std::vector<std::string> describe_changes(const std::vector<FieldChange>& changes, const std::string& asset);

/// The words of `after` that differ from `before`, with a few words of context either side:
/// "…standing idle, [-breathing-] {+breathing slowly,+} facing…" (git's --word-diff style).
std::string word_diff(const std::string& before, const std::string& after);

}  // namespace dgxpx::plan
