#include "compiler/sdxl/safetensors_header.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <set>
#include <unordered_set>

#include <nlohmann/json.hpp>

#include "compiler/util/error.h"

namespace dgxpx::sdxl {
namespace {

using nlohmann::json;

struct DTypeInfo {
  std::string_view name;
  uint64_t bytes;
  StoredDType dtype;
};

// Every dtype the format defines (https://github.com/huggingface/safetensors, Dtype enum), so
// that entries we do not compute with are still size-checked.
constexpr DTypeInfo kDTypes[] = {
    {"F32", 4, StoredDType::f32},          {"F16", 2, StoredDType::f16},
    {"BF16", 2, StoredDType::bf16},        {"F64", 8, StoredDType::unsupported},
    {"I64", 8, StoredDType::unsupported},  {"I32", 4, StoredDType::unsupported},
    {"I16", 2, StoredDType::unsupported},  {"I8", 1, StoredDType::unsupported},
    {"U64", 8, StoredDType::unsupported},  {"U32", 4, StoredDType::unsupported},
    {"U16", 2, StoredDType::unsupported},  {"U8", 1, StoredDType::unsupported},
    {"BOOL", 1, StoredDType::unsupported}, {"F8_E4M3", 1, StoredDType::unsupported},
    {"F8_E5M2", 1, StoredDType::unsupported},
};

const DTypeInfo* find_dtype(std::string_view name) {
  for (const auto& info : kDTypes)
    if (info.name == name) return &info;
  return nullptr;
}

[[noreturn]] void fail(const std::string& file_name, const std::string& message) {
  throw util::InputError(util::SourceLocation{file_name, 0, 0}, message);
}

[[noreturn]] void fail_tensor(const std::string& file_name, const std::string& tensor,
                              const std::string& message) {
  fail(file_name, "safetensors tensor '" + tensor + "': " + message);
}

// A valid header nests at most {names: {fields: [numbers]}}. Rejecting deeper input before
// building a DOM keeps hostile headers from costing deep recursion or memory.
void check_nesting(std::string_view text, const std::string& file_name) {
  constexpr int kMaxDepth = 3;
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;  // skip the escaped character
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > kMaxDepth)
        fail(file_name, "safetensors header nests deeper than " + std::to_string(kMaxDepth) +
                            " levels at byte " + std::to_string(8 + i));
    } else if (c == '}' || c == ']') {
      --depth;  // imbalance is the JSON parser's to report
    }
  }
}

std::string describe(const json& value) {
  std::string text = value.dump();
  if (text.size() > 40) text = text.substr(0, 37) + "...";
  return text;
}

uint64_t read_unsigned(const json& value, const std::string& file_name,
                       const std::string& tensor, const char* what) {
  // nlohmann stores every non-negative integer literal as number_unsigned.
  if (!value.is_number_unsigned())
    fail_tensor(file_name, tensor,
                util::expected_got(std::string(what) + " as a non-negative integer",
                                   describe(value)));
  return value.get<uint64_t>();
}

// Collects the keys of the top-level object, in one linear pass, and remembers the first one
// seen twice. Malformed JSON just ends the pass: json::parse reports it.
class TopLevelKeys : public json::json_sax_t {
 public:
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return ++depth_, true; }
  bool end_object() override { return --depth_, true; }
  bool start_array(std::size_t) override { return ++depth_, true; }
  bool end_array() override { return --depth_, true; }
  bool key(string_t& key) override {
    if (depth_ == 1 && !seen_.insert(key).second && duplicate_.empty()) duplicate_ = key;
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override { return false; }
  const std::string& duplicate() const { return duplicate_; }

 private:
  int depth_ = 0;
  std::unordered_set<std::string> seen_;
  std::string duplicate_;
};

std::string first_duplicate_top_level_key(std::string_view text) {
  TopLevelKeys keys;
  json::sax_parse(text.begin(), text.end(), &keys, nlohmann::detail::input_format_t::json, false);
  return keys.duplicate();
}

TensorEntry parse_entry(const std::string& name, const json& value, uint64_t data_size,
                        const std::string& file_name) {
  if (!value.is_object())
    fail_tensor(file_name, name, util::expected_got("an object", describe(value)));
  TensorEntry entry;
  entry.name = name;

  auto dtype_it = value.find("dtype");
  if (dtype_it == value.end() || !dtype_it->is_string())
    fail_tensor(file_name, name, "missing string field \"dtype\"");
  entry.dtype_name = dtype_it->get<std::string>();
  const DTypeInfo* info = find_dtype(entry.dtype_name);
  if (!info)
    fail_tensor(file_name, name,
                util::expected_got("a safetensors dtype (F32, F16, BF16, ...)",
                                   "\"" + entry.dtype_name.substr(0, 32) + "\""));
  entry.dtype = info->dtype;

  auto shape_it = value.find("shape");
  if (shape_it == value.end() || !shape_it->is_array())
    fail_tensor(file_name, name, "missing array field \"shape\"");
  uint64_t elements = 1;
  bool overflow = false;
  bool empty = false;
  for (const auto& dim_value : *shape_it) {
    uint64_t dim = read_unsigned(dim_value, file_name, name, "shape dimensions");
    if (dim > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      fail_tensor(file_name, name, "shape dimension " + std::to_string(dim) + " is too large");
    entry.shape.push_back(static_cast<int64_t>(dim));
    if (dim == 0) empty = true;
    else if (elements > std::numeric_limits<uint64_t>::max() / dim) overflow = true;
    else elements *= dim;
  }
  // A zero dimension makes the tensor empty whatever the other dimensions are.
  if (empty) {
    elements = 0;
    overflow = false;
  }
  if (overflow || elements > std::numeric_limits<uint64_t>::max() / info->bytes)
    fail_tensor(file_name, name, "shape has more bytes than any file can hold");
  uint64_t bytes = elements * info->bytes;

  auto offsets_it = value.find("data_offsets");
  if (offsets_it == value.end() || !offsets_it->is_array() || offsets_it->size() != 2)
    fail_tensor(file_name, name, "missing field \"data_offsets\": [begin, end]");
  entry.begin = read_unsigned((*offsets_it)[0], file_name, name, "data_offsets");
  entry.end = read_unsigned((*offsets_it)[1], file_name, name, "data_offsets");
  if (entry.begin > entry.end)
    fail_tensor(file_name, name,
                "data_offsets [" + std::to_string(entry.begin) + ", " +
                    std::to_string(entry.end) + "] end before they begin");
  if (entry.end > data_size)
    fail_tensor(file_name, name,
                "data_offsets end " + std::to_string(entry.end) +
                    " lies past the end of the data section (" + std::to_string(data_size) +
                    " bytes)");
  if (entry.end - entry.begin != bytes)
    fail_tensor(file_name, name,
                "shape x dtype " + entry.dtype_name + " is " + std::to_string(bytes) +
                    " bytes but data_offsets span " + std::to_string(entry.end - entry.begin));
  return entry;
}

}  // namespace

std::string_view stored_dtype_name(StoredDType dtype) {
  switch (dtype) {
    case StoredDType::f32: return "F32";
    case StoredDType::f16: return "F16";
    case StoredDType::bf16: return "BF16";
    case StoredDType::unsupported: break;
  }
  return "unsupported";
}

SafetensorsHeader parse_safetensors_header(std::string_view bytes, const std::string& file_name) {
  if (bytes.size() < 8)
    fail(file_name, util::expected_got("a safetensors file (8-byte header length first)",
                                       std::to_string(bytes.size()) + " bytes"));
  uint64_t header_length = 0;
  for (int i = 7; i >= 0; --i)
    header_length = (header_length << 8) | static_cast<unsigned char>(bytes[i]);
  if (header_length > kMaxSafetensorsHeaderBytes)
    fail(file_name, "safetensors header length " + std::to_string(header_length) +
                        " exceeds the " + std::to_string(kMaxSafetensorsHeaderBytes) +
                        "-byte limit");
  if (header_length > bytes.size() - 8)
    fail(file_name, "safetensors header length " + std::to_string(header_length) +
                        " runs past the end of the file (" + std::to_string(bytes.size()) +
                        " bytes)");

  std::string_view text = bytes.substr(8, header_length);
  check_nesting(text, file_name);

  // nlohmann keeps the last of duplicate keys silently, so a first SAX pass sees every key.
  // (Its callback parser does too, but re-walks the parent object after each entry: 200,000
  // entries took minutes.)
  const std::string duplicate = first_duplicate_top_level_key(text);
  json root;
  try {
    root = json::parse(text.begin(), text.end());
  } catch (const json::exception& error) {
    std::string what = error.what();
    fail(file_name, "safetensors header is not valid JSON: " + what.substr(0, 200));
  }
  if (!duplicate.empty()) fail_tensor(file_name, duplicate, "the name appears twice");
  if (!root.is_object())
    fail(file_name, util::expected_got("a JSON object as safetensors header", describe(root)));

  SafetensorsHeader header;
  header.data_offset = 8 + header_length;
  const uint64_t data_size = bytes.size() - header.data_offset;
  for (const auto& [name, value] : root.items()) {
    if (name == "__metadata__") {
      if (!value.is_object())
        fail(file_name, util::expected_got("\"__metadata__\" as an object of strings",
                                           describe(value)));
      for (const auto& [key, text_value] : value.items()) {
        if (!text_value.is_string())
          fail(file_name, "safetensors \"__metadata__\" entry '" + key + "': " +
                              util::expected_got("a string", describe(text_value)));
        header.metadata[key] = text_value.get<std::string>();
      }
      continue;
    }
    header.tensors.push_back(parse_entry(name, value, data_size, file_name));
  }

  // Overlap check on ranges sorted by position; empty ranges overlap nothing.
  std::vector<const TensorEntry*> by_offset;
  for (const auto& entry : header.tensors)
    if (entry.end > entry.begin) by_offset.push_back(&entry);
  std::sort(by_offset.begin(), by_offset.end(), [](const TensorEntry* a, const TensorEntry* b) {
    return a->begin != b->begin ? a->begin < b->begin : a->end < b->end;
  });
  for (size_t i = 1; i < by_offset.size(); ++i) {
    if (by_offset[i]->begin < by_offset[i - 1]->end)
      fail_tensor(file_name, by_offset[i]->name,
                  "data_offsets [" + std::to_string(by_offset[i]->begin) + ", " +
                      std::to_string(by_offset[i]->end) + "] overlap tensor '" +
                      by_offset[i - 1]->name + "'");
  }

  std::sort(header.tensors.begin(), header.tensors.end(),
            [](const TensorEntry& a, const TensorEntry& b) { return a.name < b.name; });
  return header;
}

}  // namespace dgxpx::sdxl
