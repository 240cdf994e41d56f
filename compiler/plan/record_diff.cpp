#include "compiler/plan/record_diff.h"

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

namespace dgxpx::plan {

namespace {

constexpr size_t kContextWords = 3;
constexpr size_t kShortValue = 60;  // values up to this long are shown whole

std::vector<std::string> words(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string w; in >> w;) out.push_back(std::move(w));
  return out;
}

std::string join(const std::vector<std::string>& w, size_t from, size_t to) {
  std::string out;
  for (size_t i = from; i < to; ++i) out += (i > from ? " " : "") + w[i];
  return out;
}

// One run of a word diff: equal words, or words only in `before` (deleted) and only in
// `after` (inserted), which follow each other as one replacement.
struct Run {
  bool equal = true;
  std::vector<std::string> deleted, inserted;  // changed runs
  std::vector<std::string> same;               // equal runs
};

// Word-level diff by longest common subsequence between the common prefix and suffix.
std::vector<Run> diff_words(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  size_t prefix = 0;
  while (prefix < a.size() && prefix < b.size() && a[prefix] == b[prefix]) ++prefix;
  size_t suffix = 0;
  while (suffix < a.size() - prefix && suffix < b.size() - prefix &&
         a[a.size() - 1 - suffix] == b[b.size() - 1 - suffix])
    ++suffix;
  const size_t n = a.size() - prefix - suffix, m = b.size() - prefix - suffix;

  // ops over the middle: 0 equal, 1 delete (from a), 2 insert (from b)
  std::vector<std::pair<int, std::string>> ops;
  if (n * m <= 250'000) {
    std::vector<std::vector<uint32_t>> lcs(n + 1, std::vector<uint32_t>(m + 1, 0));
    for (size_t i = n; i-- > 0;)
      for (size_t j = m; j-- > 0;)
        lcs[i][j] = a[prefix + i] == b[prefix + j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
    size_t i = 0, j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && a[prefix + i] == b[prefix + j]) ops.emplace_back(0, a[prefix + i]), ++i, ++j;
      else if (j < m && (i == n || lcs[i][j + 1] >= lcs[i + 1][j])) ops.emplace_back(2, b[prefix + j++]);
      else ops.emplace_back(1, a[prefix + i++]);
    }
  } else {  // too long to align word by word: one replacement
    for (size_t i = 0; i < n; ++i) ops.emplace_back(1, a[prefix + i]);
    for (size_t j = 0; j < m; ++j) ops.emplace_back(2, b[prefix + j]);
  }

  std::vector<Run> runs;
  auto equal_run = [&]() -> Run& {
    if (runs.empty() || !runs.back().equal) runs.push_back(Run{});
    return runs.back();
  };
  auto changed_run = [&]() -> Run& {
    if (runs.empty() || runs.back().equal) runs.push_back(Run{false, {}, {}, {}});
    return runs.back();
  };
  for (size_t i = 0; i < prefix; ++i) equal_run().same.push_back(a[i]);
  for (auto& [op, word] : ops) {
    if (op == 0) equal_run().same.push_back(word);
    else if (op == 1) changed_run().deleted.push_back(word);
    else changed_run().inserted.push_back(word);
  }
  for (size_t i = a.size() - suffix; i < a.size(); ++i) equal_run().same.push_back(a[i]);
  return runs;
}

std::string render_runs(const std::vector<Run>& runs) {
  std::vector<std::string> parts;
  for (size_t r = 0; r < runs.size(); ++r) {
    const Run& run = runs[r];
    if (!run.equal) {
      if (!run.deleted.empty()) parts.push_back("[-" + join(run.deleted, 0, run.deleted.size()) + "-]");
      if (!run.inserted.empty()) parts.push_back("{+" + join(run.inserted, 0, run.inserted.size()) + "+}");
      continue;
    }
    const auto& w = run.same;
    const bool first = r == 0, last = r + 1 == runs.size();
    const size_t keep_front = first ? 0 : kContextWords, keep_back = last ? 0 : kContextWords;
    if (w.size() <= keep_front + keep_back) {
      parts.push_back(join(w, 0, w.size()));
      continue;
    }
    if (keep_front > 0) parts.push_back(join(w, 0, keep_front));
    parts.push_back("…");
    if (keep_back > 0) parts.push_back(join(w, w.size() - keep_back, w.size()));
  }
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : " ") + p;
  return out;
}

// What identifies a change for grouping: the field and the words it changed, not the words
// around them (frames of one animation differ in "facing down" / "facing left").
std::string change_signature(const FieldChange& c) {
  std::string sig = std::to_string(static_cast<int>(c.kind)) + "|" + std::to_string(static_cast<int>(c.what)) + "|" +
                    c.field + "|";
  if (c.what != FieldChange::What::changed) return sig + c.before + "|" + c.after;
  if (c.before.size() <= kShortValue && c.after.size() <= kShortValue) return sig + c.before + "|" + c.after;
  for (const Run& run : diff_words(words(c.before), words(c.after)))
    if (!run.equal)
      sig += "-" + join(run.deleted, 0, run.deleted.size()) + "+" + join(run.inserted, 0, run.inserted.size()) + "|";
  return sig;
}

std::string quoted(const std::string& s) { return "'" + s + "'"; }

// A value short enough to quote whole in a one-line reason.
bool is_short_line(const std::string& s) { return s.size() <= 24 && s.find('\n') == std::string::npos; }

std::string change_body(const FieldChange& c) {
  using What = FieldChange::What;
  switch (c.what) {
    case What::new_step: return "new step";
    case What::key_format: return "key format changed";
    case What::added: return c.field + " added: " + quoted(c.after);
    case What::removed: return c.field + " removed (was " + quoted(c.before) + ")";
    case What::changed:
      if (c.before.size() <= kShortValue && c.after.size() <= kShortValue)
        return c.field + " changed: " + quoted(c.before) + " → " + quoted(c.after);
      return c.field + " changed: " + word_diff(c.before, c.after);
  }
  return "";
}

// Changes that only follow from others: a pixel step reads its gen key, a pack step its
// frames' pixel keys, a keyframe-derived gen step its key frame's key (the key frame is in the
// same asset, and its own change is shown). A pack frame whose place or duration changed is kept.
bool inherited(const FieldChange& c) {
  if (c.what != FieldChange::What::changed) return false;
  if (c.kind == StepKind::pixel && c.field == "gen") return true;
  if (c.kind == StepKind::gen && c.field == "init") return true;
  if (c.kind == StepKind::pack && c.field.rfind("frame ", 0) == 0) {
    // Shown as "pixel <key> row=… tag=… duration=…": the place starts at " row=".
    auto layout = [](const std::string& v) { return v.substr(std::min(v.find(" row="), v.size())); };
    return layout(c.before) == layout(c.after);
  }
  return false;
}

std::string frame_of(const std::string& step, const std::string& asset) {
  return step.rfind(asset + "/", 0) == 0 ? step.substr(asset.size() + 1) : step;
}

// "lora[0]" with value "loras/style.safetensors 3f1a… x0.8" reads "lora loras/style.safetensors".
std::string field_label(const FieldChange& c) {
  const std::string& shown = c.after.empty() ? c.before : c.after;
  const std::string base = c.field.substr(0, c.field.find('['));
  if (base == "palette" && shown.rfind("learned ", 0) == 0) return "learned palette";
  if (base == "lora" || base == "model" || base == "palette") {
    const std::string path = shown.substr(0, shown.find(' '));
    if (!path.empty() && path != "none" && path.rfind("builtin:", 0) != 0) return base + " " + path;
  }
  if (c.kind == StepKind::pack && c.field.rfind("frame ", 0) == 0) return "place or duration";
  return c.field;
}

}  // namespace

bool FieldChange::operator==(const FieldChange& o) const {
  return kind == o.kind && step == o.step && what == o.what && field == o.field && before == o.before &&
         after == o.after && asset_setting == o.asset_setting;
}

std::string FieldChange::text() const {
  return std::string(asset_setting ? "asset" : to_string(kind)) + " " + step + ": " + change_body(*this);
}

std::string word_diff(const std::string& before, const std::string& after) {
  const auto runs = diff_words(words(before), words(after));
  const bool any_change = std::any_of(runs.begin(), runs.end(), [](const Run& r) { return !r.equal; });
  if (!any_change) return before == after ? "(no change)" : "(only spacing changed)";
  return render_runs(runs);
}

std::vector<FieldChange> diff_records(const AssetRecord* before, const AssetRecord& now) {
  using What = FieldChange::What;
  std::vector<FieldChange> changes;
  std::map<std::pair<StepKind, std::string>, const StepRecord*> old_steps;
  if (before)
    for (const auto& s : before->steps) old_steps[{s.kind, s.name}] = &s;
  for (const auto& s : now.steps) {
    auto it = old_steps.find({s.kind, s.name});
    if (it == old_steps.end()) {
      changes.push_back({s.kind, s.name, What::new_step, "", "", ""});
      continue;
    }
    const StepRecord& old = *it->second;
    if (old.key == s.key) continue;
    const size_t count = changes.size();
    std::map<std::string, const KeyField*> old_fields;
    for (const auto& f : old.fields) old_fields[f.name] = &f;
    std::set<std::string> seen;
    for (const auto& f : s.fields) {
      seen.insert(f.name);
      auto of = old_fields.find(f.name);
      if (of == old_fields.end()) changes.push_back({s.kind, s.name, What::added, f.name, "", f.shown()});
      else if (of->second->value != f.value)
        changes.push_back({s.kind, s.name, What::changed, f.name, of->second->shown(), f.shown()});
    }
    for (const auto& f : old.fields)
      if (!seen.count(f.name)) changes.push_back({s.kind, s.name, What::removed, f.name, f.shown(), ""});
    if (changes.size() == count) changes.push_back({s.kind, s.name, What::key_format, "", "", ""});
  }
  if (!before || changes.empty()) return changes;
  // Settings that changed value (one a record of an older dgxpx lacks is no change of the user's).
  std::map<std::string, std::string> old_settings;
  for (const auto& f : before->settings) old_settings[f.name] = f.value;
  std::vector<FieldChange> settings;
  for (const auto& f : now.settings) {
    auto old = old_settings.find(f.name);
    if (old != old_settings.end() && old->second != f.value)
      settings.push_back({StepKind::gen, now.asset, What::changed, f.name, old->second, f.value, true});
  }
  changes.insert(changes.begin(), settings.begin(), settings.end());
  return changes;
}

std::string summarize_changes(const std::vector<FieldChange>& changes, const std::string& asset, size_t frame_count) {
  using What = FieldChange::What;
  // label → frames it touched (or the asset itself for pack-level fields), in first-seen order
  std::vector<std::string> order;
  std::map<std::string, std::set<std::string>> frames;
  std::vector<std::pair<std::string, std::string>> quoted_settings;  // field, "seed 77 → 78"
  std::set<std::string> new_frames;
  bool format_changed = false;
  for (const auto& c : changes)
    if (c.asset_setting && c.what == What::changed && is_short_line(c.before) && is_short_line(c.after))
      quoted_settings.emplace_back(c.field, c.field + " " + c.before + " → " + c.after);
  for (const auto& c : changes) {
    if (inherited(c) || c.asset_setting) continue;
    if (c.what == What::key_format) {
      format_changed = true;
      continue;
    }
    if (c.what == What::new_step) {
      if (c.kind != StepKind::pack) new_frames.insert(frame_of(c.step, asset));
      continue;
    }
    std::string label = field_label(c);
    if (!frames.count(label)) order.push_back(label);
    std::string frame = c.kind == StepKind::pack && c.field.rfind("frame ", 0) == 0 ? c.field.substr(6)
                        : c.kind == StepKind::pack                                 ? ""
                                                                                  : frame_of(c.step, asset);
    if (!frame.empty()) frames[label].insert(frame);
    else frames[label];
  }
  auto where = [&](const std::set<std::string>& touched) -> std::string {
    if (touched.empty()) return "";
    if (frame_count > 0 && touched.size() >= frame_count) return " (all frames)";
    std::set<std::string> groups;
    for (const auto& f : touched) groups.insert(f.substr(0, f.find('/')));
    if (groups.size() > 3 || (groups.size() == touched.size() && touched.size() > 1 && groups.size() > 1))
      return " in " + std::to_string(touched.size()) + " frames";
    std::string out;
    for (const auto& g : groups) out += (out.empty() ? "" : ", ") + g;
    return " of " + out;
  };
  // A quoted setting stands in for the step field of its name ("seed 77 → 78 (all frames)");
  // one no step field is named after (preset) leads on its own.
  std::vector<std::string> parts;
  std::map<std::string, std::string> quoted_for_label;
  for (const auto& [field, text] : quoted_settings) {
    if (frames.count(field)) quoted_for_label[field] = text;
    else parts.push_back(text);
  }
  for (const auto& label : order) {
    const std::string w = where(frames[label]);
    if (auto quoted = quoted_for_label.find(label); quoted != quoted_for_label.end())
      parts.push_back(quoted->second + w);
    else if (w.rfind(" of ", 0) == 0) parts.push_back(label + w + " changed");
    else parts.push_back(label + " changed" + w);
  }
  if (!new_frames.empty()) {
    const bool all_new = std::all_of(changes.begin(), changes.end(),
                                     [](const FieldChange& c) { return c.what == What::new_step; });
    if (all_new) parts.push_back("new asset");
    else parts.push_back(std::to_string(new_frames.size()) + " new frame" + (new_frames.size() == 1 ? "" : "s") +
                         where(new_frames));
  }
  if (format_changed && parts.empty()) parts.push_back("dgxpx's key format changed");
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : "; ") + p;
  return out;
}

std::vector<std::string> describe_changes(const std::vector<FieldChange>& changes, const std::string& asset) {
  std::vector<std::string> order;
  std::map<std::string, std::vector<const FieldChange*>> groups;
  size_t follow_on = 0, derived = 0;
  for (const auto& c : changes) {
    if (inherited(c)) {
      ++(c.kind == StepKind::gen ? derived : follow_on);
      continue;
    }
    const std::string sig = change_signature(c);
    if (!groups.count(sig)) order.push_back(sig);
    groups[sig].push_back(&c);
  }
  std::vector<std::string> lines;
  for (const auto& sig : order) {
    const auto& members = groups[sig];
    std::string steps;
    const size_t shown = std::min<size_t>(members.size(), 3);
    for (size_t i = 0; i < shown; ++i) steps += (i ? ", " : "") + frame_of(members[i]->step, asset);
    if (members.size() > shown) steps += " (+" + std::to_string(members.size() - shown) + " more)";
    const char* where = members[0]->asset_setting ? "asset" : to_string(members[0]->kind);
    lines.push_back(std::string(where) + " " + steps + ": " + change_body(*members[0]));
  }
  if (derived > 0)
    lines.push_back("and " + std::to_string(derived) + " frame" + (derived == 1 ? "" : "s") +
                    " derived from a changed key frame (consistency keyframe)");
  if (follow_on > 0)
    lines.push_back("and " + std::to_string(follow_on) + " pixel and pack step" + (follow_on == 1 ? "" : "s") +
                    " that read them");
  return lines;
}

}  // namespace dgxpx::plan
