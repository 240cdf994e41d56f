#include "compiler/sdxl/safetensors.h"

#include <unistd.h>

#include "tests/support/catch_torch.h"
#include <filesystem>
#include <fstream>
#include <string>

#include "compiler/util/error.h"

namespace fs = std::filesystem;
using dgxpx::sdxl::parse_safetensors_header;
using dgxpx::sdxl::SafetensorsFile;
using dgxpx::sdxl::StoredDType;
using dgxpx::util::InputError;

namespace {

fs::path temp_dir() {
  static const fs::path dir = [] {
    fs::path d = fs::temp_directory_path() /
                 ("dgxpx_safetensors_test_" + std::to_string(::getpid()));
    fs::create_directories(d);
    return d;
  }();
  return dir;
}

// A file: 8-byte little-endian length (or `length_override`), header text, `data_bytes` zeros.
std::string raw_file(const std::string& header, size_t data_bytes,
                     uint64_t length_override = UINT64_MAX) {
  uint64_t length = length_override == UINT64_MAX ? header.size() : length_override;
  std::string bytes;
  for (int i = 0; i < 8; ++i) bytes.push_back(static_cast<char>((length >> (8 * i)) & 0xff));
  return bytes + header + std::string(data_bytes, '\0');
}

fs::path write_raw(const std::string& name, const std::string& bytes) {
  fs::path path = temp_dir() / name;
  std::ofstream(path, std::ios::binary).write(bytes.data(), bytes.size());
  return path;
}

// Opening the file must fail with an InputError whose text names the file and `needle`.
void require_rejected(const std::string& name, const std::string& bytes,
                      const std::string& needle) {
  fs::path path = write_raw(name, bytes);
  try {
    SafetensorsFile::open(path);
    FAIL("expected an InputError for " << name);
  } catch (const InputError& error) {
    INFO(error.what());
    REQUIRE(std::string(error.what()).find(path.string()) != std::string::npos);
    REQUIRE(std::string(error.what()).find(needle) != std::string::npos);
  }
}

}  // namespace

TEST_CASE("safetensors round trip keeps names, dtypes, shapes, values and metadata",
          "[sdxl][safetensors]") {
  std::map<std::string, torch::Tensor> tensors = {
      {"b.weight", torch::arange(12, torch::kFloat32).reshape({3, 4})},
      {"a.bias", torch::linspace(-2, 2, 5).to(torch::kFloat16)},
      {"c.scale", torch::tensor({1.5f, -0.25f}).to(torch::kBFloat16)},
      {"d.scalar", torch::tensor(3.0f)},
      {"e.empty", torch::zeros({0, 7})},
      // a non-contiguous input is written row-major
      {"f.transposed", torch::arange(6, torch::kFloat32).reshape({2, 3}).t()},
  };
  fs::path path = temp_dir() / "round_trip.safetensors";
  dgxpx::sdxl::write_safetensors(path, tensors, {{"format", "pt"}, {"note", "é"}});

  SafetensorsFile file = SafetensorsFile::open(path);
  REQUIRE(file.metadata() == std::map<std::string, std::string>{{"format", "pt"}, {"note", "é"}});
  REQUIRE(file.entries().size() == tensors.size());
  REQUIRE(file.entries().front().name == "a.bias");  // sorted by name
  REQUIRE(file.find("a.bias")->dtype == StoredDType::f16);
  REQUIRE(file.find("c.scale")->dtype == StoredDType::bf16);
  REQUIRE(file.find("missing") == nullptr);
  for (const auto& [name, expected] : tensors) {
    torch::Tensor loaded = file.tensor(name);
    INFO(name);
    REQUIRE(loaded.scalar_type() == expected.scalar_type());
    REQUIRE(loaded.sizes() == expected.sizes());
    REQUIRE(torch::equal(loaded, expected));
  }
  REQUIRE_THROWS_AS(file.tensor("missing"), InputError);
}

TEST_CASE("safetensors tensors view the mapping and outlive the file object",
          "[sdxl][safetensors]") {
  fs::path path = temp_dir() / "views.safetensors";
  dgxpx::sdxl::write_safetensors(path, {{"x", torch::ones({4, 4})}});
  torch::Tensor kept;
  {
    SafetensorsFile file = SafetensorsFile::open(path);
    torch::Tensor first = file.tensor("x");
    torch::Tensor second = file.tensor("x");
    REQUIRE(first.data_ptr() == second.data_ptr());  // no copy per call
    kept = first;
  }
  REQUIRE(kept.sum().item<float>() == 16.0f);  // the mapping is still alive
  kept.fill_(7.0f);                             // private mapping: the file is not written
  REQUIRE(torch::equal(SafetensorsFile::open(path).tensor("x"), torch::ones({4, 4})));
}

TEST_CASE("safetensors data that is not aligned to its dtype is read correctly",
          "[sdxl][safetensors]") {
  // Padding the header to 4k+1 bytes puts the F32 data at an odd address.
  std::string header = R"({"v":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  while (header.size() % 4 != 1) header += ' ';
  std::string bytes = raw_file(header, 0);
  float values[2] = {1.25f, -3.5f};
  bytes.append(reinterpret_cast<const char*>(values), sizeof values);
  SafetensorsFile file = SafetensorsFile::open(write_raw("unaligned.safetensors", bytes));
  REQUIRE(torch::equal(file.tensor("v"), torch::tensor({1.25f, -3.5f})));
}

TEST_CASE("safetensors entries of other dtypes are validated but not read as weights",
          "[sdxl][safetensors]") {
  std::string header =
      R"({"text_model.embeddings.position_ids":{"dtype":"I64","shape":[1,3],"data_offsets":[0,24]}})";
  fs::path path = write_raw("i64.safetensors", raw_file(header, 24));
  SafetensorsFile file = SafetensorsFile::open(path);
  REQUIRE(file.entries().size() == 1);
  REQUIRE(file.entries()[0].dtype == StoredDType::unsupported);
  REQUIRE(file.entries()[0].dtype_name == "I64");
  try {
    file.tensor("text_model.embeddings.position_ids");
    FAIL("expected an InputError");
  } catch (const InputError& error) {
    std::string what = error.what();
    REQUIRE(what.find("position_ids") != std::string::npos);
    REQUIRE(what.find("I64") != std::string::npos);
    REQUIRE(what.find(path.string()) != std::string::npos);
  }
}

TEST_CASE("malformed safetensors headers are InputErrors naming the file and the tensor",
          "[sdxl][safetensors]") {
  const std::string ok_entry = R"("w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]})";

  SECTION("shorter than the length prefix") {
    require_rejected("short.safetensors", std::string("\x05\x00\x00", 3), "8-byte");
  }
  SECTION("header length past the end of the file") {
    require_rejected("past_eof.safetensors", raw_file("{" + ok_entry + "}", 8, 5000),
                     "past the end of the file");
  }
  SECTION("huge header length") {
    require_rejected("huge.safetensors", raw_file("{}", 0, uint64_t{1} << 62), "limit");
    require_rejected("huge_max.safetensors", raw_file("{}", 0, UINT64_MAX - 1), "limit");
  }
  SECTION("bad JSON") {
    require_rejected("bad_json.safetensors", raw_file(R"({"w":{"dtype":)", 0), "not valid JSON");
  }
  SECTION("not an object") {
    require_rejected("array.safetensors", raw_file("[1,2]", 0), "JSON object");
  }
  SECTION("nested too deep") {
    require_rejected("deep.safetensors", raw_file(R"({"w":{"a":[[[1]]]}})", 0), "nests deeper");
  }
  SECTION("offsets outside the data section") {
    require_rejected("outside.safetensors",
                     raw_file(R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", 8),
                     "'w': data_offsets end 16 lies past the end");
  }
  SECTION("offsets that end before they begin") {
    require_rejected("reversed.safetensors",
                     raw_file(R"({"w":{"dtype":"F32","shape":[0],"data_offsets":[8,4]}})", 8),
                     "'w': data_offsets [8, 4] end before they begin");
  }
  SECTION("overlapping offsets") {
    require_rejected(
        "overlap.safetensors",
        raw_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                 R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                 12),
        "'b': data_offsets [4, 12] overlap tensor 'a'");
  }
  SECTION("shape x dtype size differs from the offsets") {
    require_rejected("size.safetensors",
                     raw_file(R"({"w":{"dtype":"F16","shape":[3],"data_offsets":[0,8]}})", 8),
                     "'w': shape x dtype F16 is 6 bytes but data_offsets span 8");
  }
  SECTION("shape whose size overflows") {
    require_rejected(
        "overflow.safetensors",
        raw_file(R"({"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,0]}})",
                 0),
        "'w': shape has more bytes");
  }
  SECTION("negative or fractional dimensions") {
    require_rejected("negative.safetensors",
                     raw_file(R"({"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,0]}})", 0),
                     "'w': expected shape dimensions as a non-negative integer, got -1");
    require_rejected("fraction.safetensors",
                     raw_file(R"({"w":{"dtype":"F32","shape":[1.5],"data_offsets":[0,0]}})", 0),
                     "'w': expected shape dimensions");
  }
  SECTION("unknown dtype") {
    require_rejected("dtype.safetensors",
                     raw_file(R"({"w":{"dtype":"Q4_K","shape":[2],"data_offsets":[0,1]}})", 1),
                     "'w': expected a safetensors dtype");
  }
  SECTION("missing fields") {
    require_rejected("no_dtype.safetensors",
                     raw_file(R"({"w":{"shape":[2],"data_offsets":[0,8]}})", 8),
                     "'w': missing string field \"dtype\"");
    require_rejected("no_offsets.safetensors",
                     raw_file(R"({"w":{"dtype":"F32","shape":[2]}})", 8),
                     "'w': missing field \"data_offsets\"");
  }
  SECTION("duplicate names") {
    require_rejected("duplicate.safetensors",
                     raw_file("{" + ok_entry + "," +
                                  R"("w":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})",
                              12),
                     "'w': the name appears twice");
  }
  SECTION("metadata that is not strings") {
    require_rejected("metadata.safetensors", raw_file(R"({"__metadata__":{"k":1}})", 0),
                     "\"__metadata__\" entry 'k'");
  }
}

TEST_CASE("safetensors headers with empty tensors and holes are accepted", "[sdxl][safetensors]") {
  std::string header =
      R"({"a":{"dtype":"F16","shape":[0,3],"data_offsets":[4,4]},)"
      R"("b":{"dtype":"F16","shape":[2],"data_offsets":[4,8]},)"
      R"("c":{"dtype":"BF16","shape":[],"data_offsets":[10,12]}})";
  auto header_info = parse_safetensors_header(raw_file(header, 16), "holes.safetensors");
  REQUIRE(header_info.tensors.size() == 3);
  REQUIRE(header_info.tensors[2].shape.empty());
  REQUIRE(header_info.data_offset == 8 + header.size());
}

TEST_CASE("a missing safetensors file is an InputError naming it", "[sdxl][safetensors]") {
  fs::path path = temp_dir() / "does_not_exist.safetensors";
  try {
    SafetensorsFile::open(path);
    FAIL("expected an InputError");
  } catch (const InputError& error) {
    REQUIRE(error.where().file == path.string());
  }
}

namespace {

// A header of `count` 1-element F16 tensors named "layers.N.w", each 2 bytes, back to back;
// `duplicate_last` repeats the first name at the end.
std::string many_tensors_file(size_t count, bool duplicate_last) {
  std::string header = "{";
  for (size_t i = 0; i < count; ++i) {
    const size_t index = duplicate_last && i + 1 == count ? 0 : i;
    header += (i ? "," : "") + std::string("\"layers.") + std::to_string(index) +
              ".w\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[" + std::to_string(2 * i) + "," +
              std::to_string(2 * i + 2) + "]}";
  }
  return raw_file(header + "}", 2 * count);
}

}  // namespace

// Real checkpoints hold thousands of tensors; a hostile header may hold hundreds of thousands
// within the 100 MB limit. The duplicate-name check once rescanned the object per entry
// (minutes at 200,000); the suite's timeout (tests/sdxl_weights.cmake) is what fails then.
TEST_CASE("a header of 200,000 tensors parses in one pass and still finds a duplicate name",
          "[sdxl][safetensors]") {
  constexpr size_t kEntries = 200'000;
  const auto header = parse_safetensors_header(many_tensors_file(kEntries, false), "many.safetensors");
  REQUIRE(header.tensors.size() == kEntries);
  REQUIRE(header.tensors.front().name == "layers.0.w");
  require_rejected("many_duplicate.safetensors", many_tensors_file(kEntries, true),
                   "'layers.0.w': the name appears twice");
}
