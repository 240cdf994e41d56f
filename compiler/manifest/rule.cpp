#include "compiler/manifest/rule.h"

#include <map>

namespace dgxpx::manifest {
using util::InputError;

const std::vector<std::string>& reserved_asset_keys() {
  static const std::vector<std::string> keys = {"kind", "name", "preset", "overrides", "description", "frame_overrides"};
  return keys;
}

const FieldSpec* Rule::field(const std::string& name) const {
  for (const auto& f : fields)
    if (f.name == name) return &f;
  return nullptr;
}

static FieldType parse_type(const Value& v) {
  static const std::map<std::string, FieldType> types = {
      {"string", FieldType::string}, {"int", FieldType::integer}, {"number", FieldType::number},
      {"bool", FieldType::boolean},  {"list", FieldType::list},   {"map", FieldType::map}};
  std::string name = as_string(v, "a field type");
  auto it = types.find(name);
  if (it == types.end())
    throw InputError(v.where, util::expected_got("one of string, int, number, bool, list, map", "'" + name + "'"));
  return it->second;
}

static std::vector<FieldSpec> parse_fields(const Value& fields_map, bool top_level);

static FieldSpec parse_field(const std::string& name, const Value& v) {
  FieldSpec f;
  f.name = name;
  f.where = v.where;
  if (v.type == Value::Type::scalar) {  // shorthand "prompt: string"
    f.type = parse_type(v);
    return f;
  }
  as_map(v, "a field type or a mapping with 'type'");
  check_keys(v, {"type", "required", "default", "min", "max", "entry", "description"});
  f.type = parse_type(require(v, "type"));
  if (auto* r = v.find("required")) f.required = as_bool(*r);
  if (auto* d = v.find("default")) f.default_value = *d;
  if (auto* m = v.find("min")) f.min = as_int(*m);
  if (auto* m = v.find("max")) f.max = as_int(*m);
  if (auto* e = v.find("entry")) {
    if (f.type != FieldType::list && f.type != FieldType::map)
      throw InputError(e->where, "'entry' is only allowed on list and map fields");
    f.entry = parse_fields(as_map(*e, "a mapping of entry fields"), false);
    f.has_entry = true;
  } else if (f.type == FieldType::map) {
    throw InputError(v.where, "missing required key 'entry' (a map field needs the fields of its entries)");
  }
  if (f.required && f.default_value) throw InputError(v.where, "a field cannot be both required and have a default");
  return f;
}

static std::vector<FieldSpec> parse_fields(const Value& fields_map, bool top_level) {
  std::vector<FieldSpec> fields;
  for (size_t i = 0; i < fields_map.entries.size(); ++i) {
    const auto& [name, v] = fields_map.entries[i];
    for (const auto& reserved : reserved_asset_keys())
      if (top_level && name == reserved)
        throw InputError(fields_map.key_location(name), "'" + name + "' is reserved and cannot be a rule field");
    fields.push_back(parse_field(name, v));
  }
  return fields;
}

// What a name resolves to while checking templates: an asset field, or a loop variable.
struct ScopeEntry {
  enum class Kind { field, map_entry, list_item, counter };
  Kind kind;
  const FieldSpec* spec = nullptr;  // field, or the list/map field the variable walks
};

using Scope = std::map<std::string, ScopeEntry>;

static const FieldSpec* find_in(const std::vector<FieldSpec>& fields, const std::string& name) {
  for (const auto& f : fields)
    if (f.name == name) return &f;
  return nullptr;
}

static std::string scope_names(const Scope& scope) {
  std::string out;
  for (const auto& [name, _] : scope) out += (out.empty() ? "" : ", ") + name;
  return out;
}

// Resolves a path statically; returns the field spec it ends at (nullptr for names/counters).
static const FieldSpec* check_path(const std::vector<std::string>& path, const Scope& scope,
                                   const util::SourceLocation& where, const std::string& shown) {
  auto it = scope.find(path[0]);
  if (it == scope.end())
    throw InputError(where, "template references unknown field '" + shown + "'; expected one of: " + scope_names(scope));
  const ScopeEntry& e = it->second;
  auto too_deep = [&] { throw InputError(where, "template references unknown field '" + shown + "'"); };
  switch (e.kind) {
    case ScopeEntry::Kind::field:
    case ScopeEntry::Kind::counter:
      if (path.size() > 1) too_deep();
      return e.spec;
    case ScopeEntry::Kind::map_entry:
    case ScopeEntry::Kind::list_item: {
      if (path.size() == 1) {
        if (e.kind == ScopeEntry::Kind::list_item && e.spec->has_entry)
          throw InputError(where, "'" + shown + "' is a whole entry; name one of its fields, like {" + shown + "." +
                                      (e.spec->entry.empty() ? std::string("name") : e.spec->entry[0].name) + "}");
        return nullptr;
      }
      if (path.size() > 2) too_deep();
      if (e.kind == ScopeEntry::Kind::map_entry && path[1] == "name") return nullptr;
      const FieldSpec* sub = e.spec->has_entry ? find_in(e.spec->entry, path[1]) : nullptr;
      if (!sub) {
        std::string options = e.kind == ScopeEntry::Kind::map_entry ? "name" : "";
        for (const auto& f : e.spec->entry) options += (options.empty() ? "" : ", ") + f.name;
        throw InputError(where, "template references unknown field '" + shown + "'; '" + path[0] +
                                    "' entries have: " + options);
      }
      return sub;
    }
  }
  return nullptr;
}

static void check_template(const Template& t, const Scope& scope) {
  for (const auto& part : t.parts)
    if (part.is_placeholder) check_path(part.path, scope, t.part_location(part), part.text);
}

static std::vector<std::string> split_path(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t dot = text.find('.', start);
    out.push_back(text.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) return out;
    start = dot + 1;
  }
}

// Where a template's text starts: one column after the opening quote of a quoted scalar.
static util::SourceLocation text_start(const Value& v) {
  util::SourceLocation where = v.where;
  if (v.quoted && where.col > 0) ++where.col;
  return where;
}

static Template template_at(const Value& map, const std::string& key) {
  const Value& v = require(map, key);
  return parse_template(as_string(v, "a template string"), text_start(v));
}

static std::optional<Template> optional_template(const Value& map, const std::string& key) {
  const Value* v = map.find(key);
  if (!v) return std::nullopt;
  return parse_template(as_string(*v, "a template string"), text_start(*v));
}

Rule parse_rule(const Value& doc, const std::filesystem::path& file, const std::string& display_file) {
  as_map(doc, "a rule mapping");
  check_keys(doc, {"kind", "description", "fields", "expand", "frame", "sheet", "consistency"});
  Rule rule;
  rule.file = file;
  rule.display_file = display_file;
  rule.kind = as_string(require(doc, "kind"));
  if (auto* d = doc.find("description")) rule.description = as_string(*d);
  rule.fields = parse_fields(as_map(require(doc, "fields"), "a mapping of fields"), true);

  Scope scope;
  for (const auto& f : rule.fields) scope[f.name] = {ScopeEntry::Kind::field, &f};
  scope["name"] = {ScopeEntry::Kind::field, nullptr};
  scope["kind"] = {ScopeEntry::Kind::field, nullptr};

  const Value& expand = as_list(require(doc, "expand"), "a list of loops");
  if (expand.items.empty()) throw InputError(expand.where, util::expected_got("at least one loop", "an empty list"));
  for (const auto& item : expand.items) {
    as_map(item, "a loop like {each: animations, as: anim} or {count: anim.frames, as: frame}");
    check_keys(item, {"each", "count", "as"});
    Loop loop;
    loop.where = item.where;
    const Value* each = item.find("each");
    const Value* count = item.find("count");
    if ((each != nullptr) == (count != nullptr))
      throw InputError(item.where, "a loop needs exactly one of 'each' or 'count'");
    const Value& source = each ? *each : *count;
    loop.kind = each ? Loop::Kind::each : Loop::Kind::count;
    std::string source_text = as_string(source, "a field path");
    loop.source = split_path(source_text);
    loop.variable = as_string(require(item, "as"), "a variable name");
    if (scope.count(loop.variable))
      throw InputError(require(item, "as").where, "loop variable '" + loop.variable + "' shadows a field or variable");
    const FieldSpec* spec = check_path(loop.source, scope, source.where, source_text);
    if (loop.kind == Loop::Kind::each) {
      if (!spec || (spec->type != FieldType::list && spec->type != FieldType::map))
        throw InputError(source.where, util::expected_got("a list or map field to loop over", "'" + source_text + "'"));
      scope[loop.variable] = {spec->type == FieldType::map ? ScopeEntry::Kind::map_entry : ScopeEntry::Kind::list_item, spec};
    } else {
      if (!spec || spec->type != FieldType::integer)
        throw InputError(source.where, util::expected_got("an int field to count to", "'" + source_text + "'"));
      scope[loop.variable] = {ScopeEntry::Kind::counter, nullptr};
    }
    rule.loops.push_back(loop);
  }

  const Value& frame = as_map(require(doc, "frame"), "a mapping of frame templates");
  check_keys(frame, {"name", "prompt", "negative", "seed", "tiling", "hint", "subject"});
  rule.frame_name = template_at(frame, "name");
  rule.prompt = template_at(frame, "prompt");
  rule.seed = template_at(frame, "seed");
  rule.negative = optional_template(frame, "negative");
  rule.tiling = optional_template(frame, "tiling");
  rule.subject = optional_template(frame, "subject");
  rule.hint = frame.find("hint") ? as_string(*frame.find("hint")) : "item";
  for (const Template* t : {&rule.frame_name, &rule.prompt, &rule.seed}) check_template(*t, scope);
  for (const auto* t : {&rule.negative, &rule.tiling, &rule.subject})
    if (*t) check_template(**t, scope);

  if (const Value* sheet = doc.find("sheet")) {
    as_map(*sheet, "a mapping of sheet settings");
    check_keys(*sheet, {"format", "row", "tag", "duration", "loop"});
    if (const Value* format = sheet->find("format")) {
      std::string f = as_string(*format);
      if (f == "character") rule.format = SheetFormat::character;
      else if (f == "tileset") rule.format = SheetFormat::tileset;
      else if (f == "items") rule.format = SheetFormat::items;
      else throw InputError(format->where, util::expected_got("character, tileset or items", "'" + f + "'"));
    }
    rule.row = optional_template(*sheet, "row");
    rule.tag = optional_template(*sheet, "tag");
    rule.duration = optional_template(*sheet, "duration");
    rule.loop = optional_template(*sheet, "loop");
    for (const auto* t : {&rule.row, &rule.tag, &rule.duration, &rule.loop})
      if (*t) check_template(**t, scope);
  }
  if (const Value* section = doc.find("consistency")) {
    as_map(*section, "a mapping of consistency templates (mode, group, strength, mask, strip_prompt)");
    check_keys(*section, {"mode", "group", "strength", "mask", "strip_prompt"});
    Consistency c;
    c.where = section->where;
    c.mode = template_at(*section, "mode");
    if (auto group = optional_template(*section, "group")) c.group = *group;
    else if (rule.row) c.group = *rule.row;  // by default the frames of one sheet row belong together
    else throw InputError(section->where, "missing required key 'group' (the template naming which frames belong together; the rule has no sheet.row to default to)");
    c.strength = optional_template(*section, "strength");
    c.mask = optional_template(*section, "mask");
    c.strip_prompt = optional_template(*section, "strip_prompt");
    check_template(c.mode, scope);
    check_template(c.group, scope);
    for (const auto* t : {&c.strength, &c.mask, &c.strip_prompt})
      if (*t) check_template(**t, scope);
    rule.consistency = std::move(c);
  }
  if (rule.format != SheetFormat::items && !rule.row)
    throw InputError(doc.where, "a character or tileset sheet needs sheet.row (the template naming each frame's row or tile)");
  return rule;
}

}  // namespace dgxpx::manifest
