#include "compiler/plan/frames.h"

#include <cerrno>
#include <algorithm>
#include <cstdlib>
#include <map>
#include <set>

#include "compiler/util/hash.h"

namespace dgxpx::plan {
using manifest::Asset;
using manifest::Value;
using util::InputError;

namespace {

struct Binding {
  enum class Kind { map_entry, list_item, counter };
  std::string variable;
  Kind kind;
  std::string key;               // map entry name
  const Value* value = nullptr;  // entry or item
  int64_t index = 0;
  util::SourceLocation key_where;  // where a map entry's name was written
};

std::string scalar_text(const Value& v) {
  if (v.type == Value::Type::scalar) {
    if (!v.quoted) {  // normalise integers so "007" and "7" render alike
      errno = 0;
      char* end = nullptr;
      long long n = std::strtoll(v.scalar.c_str(), &end, 10);
      if (errno == 0 && end && *end == '\0' && !v.scalar.empty()) return std::to_string(n);
    }
    return v.scalar;
  }
  if (v.type == Value::Type::list) {
    std::string out;
    for (const auto& item : v.items) out += (out.empty() ? "" : ", ") + scalar_text(item);
    return out;
  }
  return "";
}

// A rule's loops can ask for any number of frames (a counter over a huge number, loops of
// loops): past this, an asset is refused before it eats memory.
constexpr size_t kMaxFramesPerAsset = 10'000;

class Expander {
 public:
  explicit Expander(const Asset& asset) : asset_(asset), rule_(*asset.rule) {}

  std::vector<Frame> run() {
    walk(0);
    return std::move(frames_);
  }

 private:
  // Resolves a checked path to the value it names (nullptr for names and counters, whose
  // text goes to `text`; `where`, when given, gets where a name was written).
  const Value* lookup(const std::vector<std::string>& path, std::string* text,
                      util::SourceLocation* where = nullptr) const {
    for (auto it = bindings_.rbegin(); it != bindings_.rend(); ++it) {
      if (it->variable != path[0]) continue;
      switch (it->kind) {
        case Binding::Kind::counter: *text = std::to_string(it->index); return nullptr;
        case Binding::Kind::map_entry:
          if (path.size() == 1 || path[1] == "name") {
            *text = it->key;
            if (where) *where = it->key_where;
            return nullptr;
          }
          return it->value->find(path[1]);
        case Binding::Kind::list_item:
          if (path.size() == 1) return it->value;
          return it->value->find(path[1]);
      }
    }
    if (path[0] == "name") {
      *text = asset_.name;
      if (where) *where = asset_.name_where;
      return nullptr;
    }
    if (path[0] == "kind") { *text = asset_.kind; return nullptr; }
    return asset_.fields.find(path[0]);
  }

  // A frame name must be safe: when it is not, blame the manifest value that made it so (an
  // item called "../../escape"), not the rule's template, unless no single part is at fault.
  void check_frame_name(const std::string& name) const {
    const manifest::Template& t = rule_.frame_name;
    const std::string what = "a frame name (from the rule's frame.name at " + t.where.to_string() + ")";
    try {
      manifest::check_safe_name(name, t.where, what);
      return;
    } catch (const InputError&) {
      for (const auto& part : t.parts) {
        if (!part.is_placeholder) continue;
        std::string text;
        util::SourceLocation where;
        if (const Value* v = lookup(part.path, &text, &where)) {
          text = scalar_text(*v);
          where = v->where;
        }
        if (where.file.empty()) continue;
        // Each part stands between slashes of the name: check it the same way.
        manifest::check_safe_name(text, where, "a name usable in a frame name");
      }
      throw;
    }
  }

  // Where a rendered value came from, for errors: the manifest value when the template is just
  // one placeholder naming one (`mode: "{consistency}"`), else the template.
  util::SourceLocation value_where(const manifest::Template& t) const {
    if (t.parts.size() == 1 && t.parts[0].is_placeholder) {
      std::string text;
      util::SourceLocation where;
      if (const Value* v = lookup(t.parts[0].path, &text, &where)) where = v->where;
      if (!where.file.empty()) return where;
    }
    return t.where;
  }

  std::string resolve(const std::vector<std::string>& path) const {
    std::string text;
    const Value* v = lookup(path, &text);
    return v ? scalar_text(*v) : text;
  }

  std::string render(const manifest::Template& t) const {
    return manifest::render_template(t, [this](const std::vector<std::string>& p) { return resolve(p); });
  }

  void walk(size_t depth) {
    if (depth == rule_.loops.size()) {
      emit();
      return;
    }
    const manifest::Loop& loop = rule_.loops[depth];
    std::string text;
    const Value* source = lookup(loop.source, &text);
    if (loop.kind == manifest::Loop::Kind::count) {
      int64_t n = source ? manifest::as_int(*source) : 0;
      if (n > static_cast<int64_t>(kMaxFramesPerAsset))
        throw InputError(source->where, util::expected_got("a count of at most " + std::to_string(kMaxFramesPerAsset) +
                                                               " for the loop at " + loop.where.to_string(),
                                                           std::to_string(n)));
      for (int64_t i = 0; i < n; ++i) {
        bindings_.push_back({loop.variable, Binding::Kind::counter, "", nullptr, i, {}});
        walk(depth + 1);
        bindings_.pop_back();
      }
      return;
    }
    if (!source) return;  // optional field left out: nothing to loop over
    if (source->type == Value::Type::map) {
      int64_t i = 0;
      for (const auto& [key, entry] : source->entries) {
        // Maps built by merging (overrides) may carry no key locations: the map's own then.
        const auto& key_where = static_cast<size_t>(i) < source->key_locations.size()
                                    ? source->key_locations[static_cast<size_t>(i)]
                                    : source->where;
        bindings_.push_back({loop.variable, Binding::Kind::map_entry, key, &entry, i, key_where});
        ++i;
        walk(depth + 1);
        bindings_.pop_back();
      }
    } else {
      int64_t i = 0;
      for (const auto& item : source->items) {
        bindings_.push_back({loop.variable, Binding::Kind::list_item, "", &item, i++, {}});
        walk(depth + 1);
        bindings_.pop_back();
      }
    }
  }

  void emit() {
    const manifest::Preset& style = asset_.style;
    if (frames_.size() >= kMaxFramesPerAsset)
      throw InputError(asset_.where, "asset '" + asset_.name + "' expands to more than " +
                                         std::to_string(kMaxFramesPerAsset) + " frames by its rule's loops (" +
                                         rule_.display_file + "); expected fewer frames per asset");
    Frame f;
    f.name = render(rule_.frame_name);
    check_frame_name(f.name);
    if (!names_.insert(f.name).second)
      throw InputError(asset_.where, "asset '" + asset_.name + "' expands to the frame name '" + f.name +
                                         "' twice; make the rule's frame.name (" + rule_.frame_name.where.to_string() +
                                         ") or the manifest's entries unique");
    f.prompt = style.prompt_prefix + render(rule_.prompt) + style.prompt_suffix;
    f.negative = style.negative_prompt;
    if (rule_.negative) {
      std::string extra = render(*rule_.negative);
      if (!extra.empty()) f.negative += (f.negative.empty() ? "" : ", ") + extra;
    }
    f.seed = seed_from_text(render(rule_.seed));
    if (rule_.tiling) {
      std::string t = render(*rule_.tiling);
      if (t == "true" || t == "xy") f.tiling = "xy";
      else if (t == "false" || t == "none" || t.empty()) f.tiling = "none";
      else if (t == "x" || t == "y") f.tiling = t;
      else throw InputError(rule_.tiling->where, util::expected_got("tiling true, false, x, y or xy", "'" + t + "'"));
    }
    if (rule_.subject) f.subject = render(*rule_.subject);
    if (rule_.row) f.row = render(*rule_.row);
    if (rule_.tag) f.tag = render(*rule_.tag);
    if (rule_.duration) {
      std::string d = render(*rule_.duration);
      char* end = nullptr;
      long n = std::strtol(d.c_str(), &end, 10);
      if (d.empty() || *end != '\0' || n < 1 || n > 60000)
        throw InputError(rule_.duration->where, util::expected_got("a frame duration in ms (1..60000)", "'" + d + "'"));
      f.duration_ms = static_cast<int>(n);
    }
    if (rule_.loop) {
      const std::string loop = render(*rule_.loop);  // a bool field renders as written
      if (loop == "true" || loop == "yes" || loop == "on") f.loop = true;
      else if (loop == "false" || loop == "no" || loop == "off") f.loop = false;
      else throw InputError(rule_.loop->where, util::expected_got("loop true or false", "'" + loop + "'"));
    }
    if (rule_.consistency) relate(f, *rule_.consistency, style);
    frames_.push_back(std::move(f));
  }

  void relate(Frame& f, const manifest::Consistency& c, const manifest::Preset& style) const {
    const std::string mode = render(c.mode);
    if (mode == "independent") f.mode = FrameMode::independent;
    else if (mode == "keyframe") f.mode = FrameMode::keyframe;
    else if (mode == "strip") f.mode = FrameMode::strip;
    else throw InputError(value_where(c.mode), util::expected_got("consistency independent, keyframe or strip", "'" + mode + "'"));
    f.group = render(c.group);
    if (c.strength) {
      const std::string text = render(*c.strength);
      char* end = nullptr;
      const double strength = std::strtod(text.c_str(), &end);
      f.strength_where = value_where(*c.strength);
      if (text.empty() || *end != '\0' || !(strength > 0 && strength <= 1))
        throw InputError(f.strength_where, util::expected_got("a keyframe strength in (0, 1]", "'" + text + "'"));
      f.strength = strength;
    }
    if (c.mask) {
      f.mask = render(*c.mask);
      f.mask_where = value_where(*c.mask);
    }
    if (f.mode == FrameMode::strip)
      f.strip_prompt = c.strip_prompt ? style.prompt_prefix + render(*c.strip_prompt) + style.prompt_suffix : f.prompt;
  }

  const Asset& asset_;
  const manifest::Rule& rule_;
  std::vector<Binding> bindings_;
  std::vector<Frame> frames_;
  std::set<std::string> names_;
};

}  // namespace

int64_t seed_from_text(const std::string& text) {
  if (!text.empty() && text.size() <= 18) {
    errno = 0;
    char* end = nullptr;
    long long n = std::strtoll(text.c_str(), &end, 10);
    if (errno == 0 && *end == '\0' && n >= 0) return n;
  }
  return static_cast<int64_t>(util::digest_bytes(text).low & 0xffffffffu);
}

const char* to_string(FrameMode mode) {
  switch (mode) {
    case FrameMode::independent: return "independent";
    case FrameMode::keyframe: return "keyframe";
    case FrameMode::strip: return "strip";
  }
  return "?";
}

// Marks each group's first frame as its leader; a group's frames must agree on their mode.
static void mark_leaders(const Asset& asset, std::vector<Frame>& frames) {
  std::map<std::string, const Frame*> leaders;
  for (auto& f : frames) {
    if (f.mode == FrameMode::independent) continue;
    auto [it, first] = leaders.emplace(f.group, &f);
    f.leads = first;
    if (!first && it->second->mode != f.mode)
      throw InputError(asset.where, "asset '" + asset.name + "': frames " + it->second->name + " and " + f.name +
                                        " belong to group '" + f.group + "' but one is " + to_string(it->second->mode) +
                                        " and the other " + to_string(f.mode) + "; expected one mode per group");
  }
}

static void apply_frame_overrides(const Asset& asset, std::vector<Frame>& frames) {
  for (const auto& o : asset.frame_overrides) {
    auto frame = std::find_if(frames.begin(), frames.end(), [&](const Frame& f) { return f.name == o.frame; });
    if (frame == frames.end())
      throw InputError(o.where, util::expected_got("a frame of asset '" + asset.name + "' (such as " + frames.front().name + ")",
                                                   "'" + o.frame + "'"));
    if (o.strength) {
      if (frame->mode != FrameMode::keyframe || frame->leads)
        throw InputError(o.strength_where, "frame " + o.frame + " takes no strength: only frames derived from their group's key frame (consistency keyframe, not the group's first frame) do; it is " +
                                               (frame->mode == FrameMode::keyframe ? std::string("its group's key frame") : std::string(to_string(frame->mode))));
      frame->strength = *o.strength;
      frame->strength_where = o.strength_where;
    }
  }
}

std::vector<Frame> expand_frames(const Asset& asset) {
  std::vector<Frame> frames = Expander(asset).run();
  mark_leaders(asset, frames);
  if (!frames.empty()) apply_frame_overrides(asset, frames);
  return frames;
}

}  // namespace dgxpx::plan
