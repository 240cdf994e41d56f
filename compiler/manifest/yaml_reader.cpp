#include "compiler/manifest/yaml_reader.h"

#include <set>

#include <yaml-cpp/yaml.h>

#include "compiler/util/atomic_file.h"
#include "compiler/util/utf8.h"

namespace dgxpx::manifest {

namespace {

// Aliases let a ~100-byte file name a billion nodes ("billion laughs"): yaml-cpp shares them,
// but the Values below are a tree, so the expansion is bounded instead of followed.
constexpr size_t kMaxValuesPerFile = 250'000;
constexpr int kMaxDepth = 200;

util::SourceLocation location(const std::string& file, const YAML::Mark& mark) {
  // yaml-cpp marks are 0-based; -1 when unknown.
  return {file, mark.line >= 0 ? mark.line + 1 : 0, mark.column >= 0 ? mark.column + 1 : 0};
}

// yaml-cpp accepts a quoted scalar left open at the end of the file (`prompt: "a knight`) and
// returns what it read; the YAML spec makes that an error. `at` is the opening quote.
bool quoted_scalar_closed(const std::string& text, size_t at) {
  if (at >= text.size()) return true;  // no position to check: trust the parser
  const char quote = text[at];
  if (quote != '"' && quote != '\'') return true;
  for (size_t i = at + 1; i < text.size(); ++i) {
    if (quote == '"' && text[i] == '\\') {
      ++i;  // an escaped character, possibly a quote
    } else if (text[i] == quote) {
      if (quote == '\'' && i + 1 < text.size() && text[i + 1] == '\'') ++i;  // '' is a quote
      else return true;
    }
  }
  return false;
}

class Converter {
 public:
  Converter(const std::string& text, const std::string& file) : text_(text), file_(file) {}

  Value convert(const YAML::Node& node, int depth = 0) {
    Value v;
    v.where = location(file_, node.Mark());
    if (++values_ > kMaxValuesPerFile)
      throw util::InputError(v.where, "this file expands to more than " + std::to_string(kMaxValuesPerFile) +
                                          " values (aliases of aliases?); expected a manifest of ordinary size");
    if (depth > kMaxDepth)
      throw util::InputError(v.where, util::expected_got("at most " + std::to_string(kMaxDepth) + " levels of nesting",
                                                         "deeper nesting"));
    switch (node.Type()) {
      case YAML::NodeType::Null:
      case YAML::NodeType::Undefined:
        v.type = Value::Type::null;
        break;
      case YAML::NodeType::Scalar:
        v.type = Value::Type::scalar;
        v.scalar = checked_text(node, v.where);
        // yaml-cpp tags plain scalars "?" and quoted ones "!".
        v.quoted = node.Tag() == "!";
        break;
      case YAML::NodeType::Sequence:
        v.type = Value::Type::list;
        for (const auto& item : node) v.items.push_back(convert(item, depth + 1));
        break;
      case YAML::NodeType::Map: {
        v.type = Value::Type::map;
        std::set<std::string> seen;
        for (const auto& kv : node) {
          auto key_where = location(file_, kv.first.Mark());
          if (!kv.first.IsScalar())
            throw util::InputError(key_where, util::expected_got("a plain key", "a complex key"));
          std::string key = checked_text(kv.first, key_where);
          if (!seen.insert(key).second) throw util::InputError(key_where, "duplicate key '" + key + "'");
          v.key_locations.push_back(key_where);
          v.entries.emplace_back(key, convert(kv.second, depth + 1));
        }
        break;
      }
    }
    return v;
  }

 private:
  // A scalar's text, after the checks yaml-cpp leaves out.
  std::string checked_text(const YAML::Node& node, const util::SourceLocation& where) {
    const std::string& text = node.Scalar();
    if (node.Tag() == "!" && node.Mark().pos >= 0 &&
        !quoted_scalar_closed(text_, static_cast<size_t>(node.Mark().pos)))
      throw util::InputError(where, util::expected_got("a closing quote for this quoted text", "the end of the file"));
    if (auto bad = util::first_invalid_utf8(text))
      throw util::InputError(where, util::expected_got("UTF-8 text", "the byte 0x" + util::hex_byte(text[*bad]) +
                                                                         " at byte " + std::to_string(*bad) +
                                                                         " of this value"));
    return text;
  }

  const std::string& text_;
  const std::string& file_;
  size_t values_ = 0;
};

}  // namespace

std::vector<Value> parse_yaml_documents(const std::string& text, const std::string& display_name) {
  std::vector<Value> documents;
  std::vector<YAML::Node> nodes;
  try {
    nodes = YAML::LoadAll(text);
  } catch (const YAML::Exception& e) {
    throw util::InputError(location(display_name, e.mark), "invalid YAML: " + e.msg);
  }
  Converter converter(text, display_name);  // one budget for the whole file
  for (const auto& node : nodes) documents.push_back(converter.convert(node));
  return documents;
}

std::vector<Value> read_yaml_documents(const std::filesystem::path& path, const std::string& display_name) {
  return parse_yaml_documents(util::read_file_or_throw(path), display_name);
}

}  // namespace dgxpx::manifest
