#pragma once
// A YAML document as plain data, with the source location of every node, so validation errors
// can point at file:line:col. Only yaml_reader.cpp knows about yaml-cpp.
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "compiler/util/error.h"

namespace dgxpx::manifest {

struct Value {
  enum class Type { null, scalar, list, map };

  Type type = Type::null;
  std::string scalar;                               // raw text for scalars
  bool quoted = false;                              // scalar was written in quotes
  std::vector<Value> items;                         // list elements
  std::vector<std::pair<std::string, Value>> entries;  // map entries in file order
  util::SourceLocation where;                       // the node itself
  std::vector<util::SourceLocation> key_locations;  // for map entries, where each key is

  /// Human description of the type for "expected X, got Y": "a string", "a list", ...
  std::string describe() const;
  /// Map lookup; nullptr if absent (or not a map).
  const Value* find(const std::string& key) const;
  /// Location of a map key (falls back to the value's location).
  util::SourceLocation key_location(const std::string& key) const;
};

/// Typed accessors: each throws util::InputError at the value's location with
/// "expected <what>, got <describe()>" on mismatch.
std::string as_string(const Value& v, const std::string& what = "a string");
int64_t as_int(const Value& v, const std::string& what = "an integer");
double as_number(const Value& v, const std::string& what = "a number");
bool as_bool(const Value& v, const std::string& what = "true or false");
const Value& as_map(const Value& v, const std::string& what = "a mapping");
const Value& as_list(const Value& v, const std::string& what = "a list");

/// Throws on the first key of `map` not in `allowed`: "unknown key 'x'; expected one of: ...".
void check_keys(const Value& map, const std::vector<std::string>& allowed);
/// The value of a required key; throws "missing required key 'x'" at the map's location.
const Value& require(const Value& map, const std::string& key);

}  // namespace dgxpx::manifest
