#include "compiler/manifest/yaml_reader.h"

#include <set>

#include <yaml-cpp/yaml.h>

#include "compiler/util/atomic_file.h"

namespace dgxpx::manifest {

static util::SourceLocation location(const std::string& file, const YAML::Mark& mark) {
  // yaml-cpp marks are 0-based; -1 when unknown.
  return {file, mark.line >= 0 ? mark.line + 1 : 0, mark.column >= 0 ? mark.column + 1 : 0};
}

static Value convert(const YAML::Node& node, const std::string& file) {
  Value v;
  v.where = location(file, node.Mark());
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      v.type = Value::Type::null;
      break;
    case YAML::NodeType::Scalar:
      v.type = Value::Type::scalar;
      v.scalar = node.Scalar();
      // yaml-cpp tags plain scalars "?" and quoted ones "!".
      v.quoted = node.Tag() == "!";
      break;
    case YAML::NodeType::Sequence:
      v.type = Value::Type::list;
      for (const auto& item : node) v.items.push_back(convert(item, file));
      break;
    case YAML::NodeType::Map: {
      v.type = Value::Type::map;
      std::set<std::string> seen;
      for (const auto& kv : node) {
        auto key_where = location(file, kv.first.Mark());
        if (!kv.first.IsScalar())
          throw util::InputError(key_where, util::expected_got("a plain key", "a complex key"));
        std::string key = kv.first.Scalar();
        if (!seen.insert(key).second) throw util::InputError(key_where, "duplicate key '" + key + "'");
        v.key_locations.push_back(key_where);
        v.entries.emplace_back(key, convert(kv.second, file));
      }
      break;
    }
  }
  return v;
}

std::vector<Value> parse_yaml_documents(const std::string& text, const std::string& display_name) {
  std::vector<Value> documents;
  try {
    for (const auto& node : YAML::LoadAll(text)) documents.push_back(convert(node, display_name));
  } catch (const YAML::Exception& e) {
    throw util::InputError(location(display_name, e.mark), "invalid YAML: " + e.msg);
  }
  return documents;
}

std::vector<Value> read_yaml_documents(const std::filesystem::path& path, const std::string& display_name) {
  return parse_yaml_documents(util::read_file_or_throw(path), display_name);
}

}  // namespace dgxpx::manifest
