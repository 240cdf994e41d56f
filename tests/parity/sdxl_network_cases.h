#pragma once
// Data-driven runner for the network cases of a reference fixture set (cases.json, schema
// "sdxl-refgen/1"): text_encoders, encode_prompt, unet, vae_decode, vae_encode. Shared by the
// CPU parity suite and the GPU suite, which differ only in device, dtype and tolerance.
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "compiler/sdxl/clip_text_model.h"
#include "compiler/sdxl/model_files.h"
#include "compiler/sdxl/unet.h"
#include "compiler/sdxl/vae.h"

namespace dgxpx::testing {

/// `fixture_dir`/cases.json, with Python's bare NaN/Infinity/-Infinity turned into strings.
nlohmann::json read_cases_json(const std::filesystem::path& fixture_dir);

/// The case kinds this runner knows.
const std::vector<std::string>& network_case_kinds();

/// The four networks of a fixture model, loaded through the weights library.
struct FixtureNetworks {
  std::string layout;               // "diffusers" or "single_file"
  std::filesystem::path model_dir;  // the diffusers folder (tokenizers live there)
  sdxl::ClipTextModel text_encoder{nullptr};
  sdxl::ClipTextModel text_encoder_2{nullptr};
  sdxl::UNet unet{nullptr};
  sdxl::Vae vae{nullptr};
};

/// Opens the fixture set's diffusers folder or single file (its configs from the folder: a
/// tiny model's head counts are not in the shapes) and loads every network with `options`.
FixtureNetworks load_fixture_networks(const std::filesystem::path& fixture_dir,
                                      sdxl::ModelLayout layout,
                                      const torch::TensorOptions& options);

/// One case's outcome.
struct CaseOutcome {
  std::string name;
  std::string kind;
  double max_abs_err = 0;             // over all outputs of the case
  double atol = 0;                    // the tolerance it was judged by
  std::vector<std::string> problems;  // missing/unknown outputs, shape mismatches, exceptions
  bool passed() const { return problems.empty() && max_abs_err <= atol; }
};

/// Runs every case of a known kind in `fixture_dir`/cases.json on `networks` (inputs moved to
/// the networks' device and dtype, outputs compared in float64 on the CPU). `atol_for(case)`
/// gives the tolerance (the CPU suite passes the case's recorded suggested_atol).
std::vector<CaseOutcome> run_network_cases(
    const std::filesystem::path& fixture_dir, FixtureNetworks& networks,
    const std::function<double(const nlohmann::json& the_case)>& atol_for);

/// "case <name> [<label>] max_abs_err = X (atol Y)".
std::string describe_outcome(const CaseOutcome& outcome, const std::string& label);

}  // namespace dgxpx::testing
