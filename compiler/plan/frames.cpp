#include "compiler/plan/frames.h"

#include <cerrno>
#include <cstdlib>
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
    frames_.push_back(std::move(f));
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

std::vector<Frame> expand_frames(const Asset& asset) { return Expander(asset).run(); }

}  // namespace dgxpx::plan
