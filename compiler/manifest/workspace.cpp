#include "compiler/manifest/workspace.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <set>

#include "compiler/manifest/yaml_reader.h"

namespace dgxpx::manifest {
namespace fs = std::filesystem;
using util::InputError;

fs::path builtin_data_dir() {
  if (const char* env = std::getenv("DGXPX_DATA_DIR"); env && *env) return env;
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    fs::path installed = exe.parent_path().parent_path() / "share" / "dgxpx";
    if (fs::is_directory(installed / "rules", ec)) return installed;
  }
  return DGXPX_SOURCE_DATA_DIR;
}

void check_safe_name(const std::string& name, const util::SourceLocation& where, const std::string& what) {
  auto fail = [&](const std::string& why) {
    throw InputError(where, util::expected_got(what + " made of letters, digits, '-', '_', '.' and '/'-separated parts", "'" + name + "' (" + why + ")"));
  };
  if (name.empty()) fail("empty");
  if (name.front() == '/') fail("absolute path");
  size_t start = 0;
  while (start <= name.size()) {
    size_t slash = name.find('/', start);
    std::string part = name.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (part.empty()) fail("empty path part");
    if (part == "." || part == "..") fail("would write outside the output folder");
    if (part.front() == '.') fail("hidden path part");
    for (char c : part)
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) fail("character '" + std::string(1, c) + "'");
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
}

static std::vector<fs::path> yaml_files_in(const fs::path& dir, std::vector<fs::path>* dirs) {
  std::vector<fs::path> files;
  std::error_code ec;
  if (fs::is_regular_file(dir, ec)) return {dir};
  if (!fs::is_directory(dir, ec)) return files;
  if (dirs) dirs->push_back(dir);
  for (auto it = fs::recursive_directory_iterator(dir, ec); it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    const fs::path& p = it->path();
    if (p.filename().string().front() == '.') {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    if (it->is_directory()) {
      if (dirs) dirs->push_back(p);
    } else if (p.extension() == ".yaml" || p.extension() == ".yml") {
      files.push_back(p);
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

// --- asset validation against a rule's field specs ---

static Value validate_fields(const Value& map, const std::vector<FieldSpec>& specs,
                             const std::vector<std::string>& extra_keys, const std::string& context);

static Value validate_field(const Value& v, const FieldSpec& spec, const std::string& context) {
  switch (spec.type) {
    case FieldType::string: as_string(v, "a string for '" + spec.name + "'"); break;
    case FieldType::number: as_number(v, "a number for '" + spec.name + "'"); break;
    case FieldType::boolean: as_bool(v, "true or false for '" + spec.name + "'"); break;
    case FieldType::integer: {
      int64_t n = as_int(v, "an integer for '" + spec.name + "'");
      if ((spec.min && n < *spec.min) || (spec.max && n > *spec.max))
        throw InputError(v.where, util::expected_got("'" + spec.name + "' between " + std::to_string(spec.min.value_or(INT64_MIN)) +
                                                         " and " + std::to_string(spec.max.value_or(INT64_MAX)), std::to_string(n)));
      break;
    }
    case FieldType::list: {
      as_list(v, "a list for '" + spec.name + "'");
      Value out = v;
      for (auto& item : out.items) {
        if (spec.has_entry) item = validate_fields(item, spec.entry, {}, "an entry of '" + spec.name + "'");
        else as_string(item, "a plain value in '" + spec.name + "'");
      }
      if (spec.has_entry) {  // entries of a list are named by their first string field "name", when there is one
        std::set<std::string> names;
        for (const auto& item : out.items)
          if (const Value* n = item.find("name"); n && !names.insert(n->scalar).second)
            throw InputError(n->where, "duplicate name '" + n->scalar + "' in '" + spec.name + "'");
      }
      return out;
    }
    case FieldType::map: {
      as_map(v, "a mapping for '" + spec.name + "'");
      Value out = v;
      for (auto& [name, entry] : out.entries) {
        Value e = entry;
        if (e.type == Value::Type::null) {  // "idle:" with every entry field defaulted
          e.type = Value::Type::map;
        }
        entry = validate_fields(e, spec.entry, {}, "entry '" + name + "' of '" + spec.name + "'");
      }
      return out;
    }
  }
  return v;
}

static Value validate_fields(const Value& map, const std::vector<FieldSpec>& specs,
                             const std::vector<std::string>& extra_keys, const std::string& context) {
  as_map(map, "a mapping for " + context);
  std::vector<std::string> allowed = extra_keys;
  for (const auto& s : specs) allowed.push_back(s.name);
  check_keys(map, allowed);
  Value out;
  out.type = Value::Type::map;
  out.where = map.where;
  for (const auto& spec : specs) {
    const Value* v = map.find(spec.name);
    if (!v) {
      if (spec.required) throw InputError(map.where, "missing required key '" + spec.name + "' in " + context);
      if (!spec.default_value) continue;
      out.entries.emplace_back(spec.name, validate_field(*spec.default_value, spec, context));
      out.key_locations.push_back(spec.where);
      continue;
    }
    out.entries.emplace_back(spec.name, validate_field(*v, spec, context));
    out.key_locations.push_back(map.key_location(spec.name));
  }
  return out;
}

// --- loading ---

void AssetNames::claim(const std::string& name, const util::SourceLocation& where) {
  auto [it, inserted] = first_.emplace(name, where);
  if (!inserted)
    throw InputError(where, "duplicate asset name '" + name + "' (first defined at " + it->second.to_string() + ")");
}

static void load_rules(const fs::path& dir, Workspace& ws) {
  std::vector<fs::path> dirs;
  for (const auto& file : yaml_files_in(dir, &dirs)) {
    std::string display = display_path(ws.project, file);
    ws.inputs.push_back(file);
    ws.settings_files.push_back(file);
    for (const auto& doc : read_yaml_documents(file, display)) {
      if (doc.type == Value::Type::null) continue;
      Rule rule = parse_rule(doc, file, display);
      ws.rules[rule.kind] = std::move(rule);  // later folders (the project's) win
    }
  }
  ws.inputs.insert(ws.inputs.end(), dirs.begin(), dirs.end());
}

static void load_presets(const fs::path& dir, Workspace& ws) {
  std::vector<fs::path> dirs;
  for (const auto& file : yaml_files_in(dir, &dirs)) {
    std::string display = display_path(ws.project, file);
    ws.inputs.push_back(file);
    ws.settings_files.push_back(file);
    auto docs = read_yaml_documents(file, display);
    if (docs.size() != 1 || docs[0].type != Value::Type::map)
      throw InputError({display, 1, 1}, util::expected_got("one preset mapping per file", std::to_string(docs.size()) + " documents"));
    ws.presets[file.stem().string()] = {docs[0], file};
  }
  ws.inputs.insert(ws.inputs.end(), dirs.begin(), dirs.end());
}

Workspace load_workspace_settings(const fs::path& root, const fs::path& builtin_dir) {
  Workspace ws;
  ws.project = load_project(root);
  ws.inputs.push_back(root / kProjectFile);
  ws.settings_files.push_back(root / kProjectFile);
  load_rules(builtin_dir / "rules", ws);
  load_rules(ws.project.rules_dir, ws);
  load_presets(builtin_dir / "presets", ws);
  load_presets(ws.project.presets_dir, ws);
  for (const auto& manifest_path : ws.project.manifests) {
    std::vector<fs::path> dirs;
    std::vector<fs::path> files = yaml_files_in(manifest_path, &dirs);
    ws.manifest_files.insert(ws.manifest_files.end(), files.begin(), files.end());
    ws.inputs.insert(ws.inputs.end(), files.begin(), files.end());
    ws.inputs.insert(ws.inputs.end(), dirs.begin(), dirs.end());
  }
  return ws;
}

// `frame_overrides: {walk/down/2: {strength: 0.45}}`: settings of single frames.
static std::vector<FrameOverride> parse_frame_overrides(const Value& map) {
  as_map(map, "a mapping of frame names to their settings, like {walk/down/2: {strength: 0.45}}");
  std::vector<FrameOverride> overrides;
  for (const auto& [frame, settings] : map.entries) {
    FrameOverride o;
    o.frame = frame;
    o.where = map.key_location(frame);
    as_map(settings, "a mapping of frame settings (strength)");
    check_keys(settings, {"strength"});
    if (const Value* strength = settings.find("strength")) {
      const double s = as_number(*strength, "a strength");
      if (!(s > 0 && s <= 1)) throw InputError(strength->where, util::expected_got("a strength in (0, 1]", strength->scalar));
      o.strength = s;
      o.strength_where = strength->where;
    }
    overrides.push_back(std::move(o));
  }
  return overrides;
}

static Asset load_asset(const Workspace& ws, const Value& doc, AssetNames& names) {
  const ProjectConfig& project = ws.project;
  as_map(doc, "an asset mapping with 'kind' and 'name'");
  Asset asset;
  asset.where = doc.where;
  const Value& kind = require(doc, "kind");
  asset.kind = as_string(kind, "an asset kind");
  auto rule = ws.rules.find(asset.kind);
  if (rule == ws.rules.end()) {
    std::string kinds;
    for (const auto& [k, _] : ws.rules) kinds += (kinds.empty() ? "" : ", ") + k;
    throw InputError(kind.where, util::expected_got("an asset kind with a rule (" + kinds + ")", "'" + asset.kind + "'"));
  }
  asset.rule = &rule->second;
  const Value& name = require(doc, "name");
  asset.name = as_string(name, "an asset name");
  asset.name_where = name.where;
  check_safe_name(asset.name, name.where, "an asset name");
  names.claim(asset.name, name.where);
  asset.fields = validate_fields(doc, asset.rule->fields, reserved_asset_keys(), "a " + asset.kind);
  if (const Value* overrides = doc.find("frame_overrides")) asset.frame_overrides = parse_frame_overrides(*overrides);

  const Value* preset_value = doc.find("preset");
  asset.preset_name = preset_value ? as_string(*preset_value, "a preset name") : project.default_preset;
  if (asset.preset_name.empty())
    throw InputError(doc.where, "missing required key 'preset' (and dgxpx.yaml sets no default_preset)");
  auto preset = ws.presets.find(asset.preset_name);
  if (preset == ws.presets.end()) {
    std::string preset_names;
    for (const auto& [n, _] : ws.presets) preset_names += (preset_names.empty() ? "" : ", ") + n;
    throw InputError(preset_value ? preset_value->where : doc.where,
                     util::expected_got("a preset (" + preset_names + ")", "'" + asset.preset_name + "'"));
  }
  Value style_doc = preset->second.doc;
  if (const Value* overrides = doc.find("overrides"))
    style_doc = merge_values(style_doc, as_map(*overrides, "a mapping of preset fields to override"));
  asset.style = parse_preset(asset.preset_name, style_doc, project.root);
  return asset;
}

std::vector<Asset> load_manifest_file(const Workspace& ws, const fs::path& file, const std::string& text,
                                      AssetNames& names) {
  std::vector<Asset> assets;
  for (const auto& doc : parse_yaml_documents(text, display_path(ws.project, file))) {
    if (doc.type == Value::Type::null) continue;
    assets.push_back(load_asset(ws, doc, names));
  }
  return assets;
}

}  // namespace dgxpx::manifest
