#include "compiler/manifest/value.h"

#include <cerrno>
#include <cstdlib>

namespace dgxpx::manifest {
using util::expected_got;
using util::InputError;

static std::string quote(const std::string& s) {
  std::string shown = s.size() > 40 ? s.substr(0, 37) + "..." : s;
  return "'" + shown + "'";
}

std::string Value::describe() const {
  switch (type) {
    case Type::null: return "nothing (null)";
    case Type::list: return "a list";
    case Type::map: return "a mapping";
    case Type::scalar: break;
  }
  if (quoted) return "the string " + quote(scalar);
  return quote(scalar);
}

const Value* Value::find(const std::string& key) const {
  if (type != Type::map) return nullptr;
  for (const auto& [k, v] : entries)
    if (k == key) return &v;
  return nullptr;
}

util::SourceLocation Value::key_location(const std::string& key) const {
  for (size_t i = 0; i < entries.size(); ++i)
    if (entries[i].first == key && i < key_locations.size()) return key_locations[i];
  return where;
}

std::string as_string(const Value& v, const std::string& what) {
  if (v.type != Value::Type::scalar) throw InputError(v.where, expected_got(what, v.describe()));
  return v.scalar;
}

int64_t as_int(const Value& v, const std::string& what) {
  if (v.type == Value::Type::scalar && !v.quoted && !v.scalar.empty()) {
    errno = 0;
    char* end = nullptr;
    long long n = std::strtoll(v.scalar.c_str(), &end, 10);
    if (errno == 0 && end && *end == '\0') return n;
  }
  throw InputError(v.where, expected_got(what, v.describe()));
}

double as_number(const Value& v, const std::string& what) {
  if (v.type == Value::Type::scalar && !v.quoted && !v.scalar.empty()) {
    errno = 0;
    char* end = nullptr;
    double d = std::strtod(v.scalar.c_str(), &end);
    if (errno == 0 && end && *end == '\0') return d;
  }
  throw InputError(v.where, expected_got(what, v.describe()));
}

bool as_bool(const Value& v, const std::string& what) {
  if (v.type == Value::Type::scalar && !v.quoted) {
    if (v.scalar == "true" || v.scalar == "yes" || v.scalar == "on") return true;
    if (v.scalar == "false" || v.scalar == "no" || v.scalar == "off") return false;
  }
  throw InputError(v.where, expected_got(what, v.describe()));
}

const Value& as_map(const Value& v, const std::string& what) {
  if (v.type != Value::Type::map) throw InputError(v.where, expected_got(what, v.describe()));
  return v;
}

const Value& as_list(const Value& v, const std::string& what) {
  if (v.type != Value::Type::list) throw InputError(v.where, expected_got(what, v.describe()));
  return v;
}

void check_keys(const Value& map, const std::vector<std::string>& allowed) {
  for (size_t i = 0; i < map.entries.size(); ++i) {
    const std::string& key = map.entries[i].first;
    bool known = false;
    for (const auto& a : allowed) known = known || a == key;
    if (known) continue;
    std::string list;
    for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
    throw InputError(map.key_location(key), "unknown key '" + key + "'; expected one of: " + list);
  }
}

const Value& require(const Value& map, const std::string& key) {
  const Value* v = map.find(key);
  if (!v) throw InputError(map.where, "missing required key '" + key + "'");
  return *v;
}

}  // namespace dgxpx::manifest
