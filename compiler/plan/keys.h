#pragma once
// Step keys. Each key is the XXH3-128 of a list of named fields, and the same list is recorded
// for `dgxpx explain`, so what is hashed and what is explained cannot drift apart.
// Known-answer tests (tests/unit/plan_keys_test.cpp) pin the format: changing anything here
// changes every key, i.e. invalidates every cache; bump kKeyFormatVersion when you do.
#include <optional>
#include <string>
#include <vector>

#include "compiler/backend/step_spec.h"
#include "compiler/util/hash.h"

namespace dgxpx::plan {

inline constexpr int kKeyFormatVersion = 1;

struct KeyField {
  std::string name;     // "prompt", "lora[0]"
  std::string value;    // what is hashed
  std::string display;  // what explain shows ("" → value)

  const std::string& shown() const { return display.empty() ? value : display; }
};

/// The shortest text that reads back as the same double ("0.8", not "0.80000000000000004"), for
/// what explain and messages show; keys hash the full %.17g text.
std::string shown_number(double v);

/// Digest of `domain` ("gen", "pixel", "pack"), the format version and every field in order.
util::Digest key_of(const std::string& domain, const std::vector<KeyField>& fields);

/// A file input as a key field: hashed by digest, shown as path + short digest.
KeyField file_field(const std::string& name, const std::string& display_path, const util::Digest& digest,
                    const std::string& suffix = "");

/// What the LoRAs' metadata (compiler/lora) decided for a gen step, beyond the spec itself.
struct LoraKeyNotes {
  /// Parallel to spec.loras: where a weight not written in the preset came from
  /// ("recommended_strength in loras/style.json"); "" for a written weight. Only shown.
  std::vector<std::string> weight_sources;
  /// The LoRAs' trigger words (also in spec.prompt, in front), and where they came from.
  std::vector<std::string> trigger_words;
  std::string trigger_words_source;
};

/// What a keyframe-derived gen step starts from, beyond its spec: its key frame's gen key (so
/// a change to the key frame re-runs the frames derived from it) and the mask file's digest.
struct InitKeyNotes {
  util::Digest source_key;
  std::string source_name;  // the key frame ("hero/walk/down/0"), shown
  std::optional<util::Digest> mask_digest;
};

/// Fields of a gen step. `model_digest` / `lora_digests` are the file digests (parallel to
/// spec.loras); the spec's paths are only shown, never hashed. A "trigger_words" field follows
/// the LoRAs when `notes` has any (so keys of LoRAs without any are as before); "init",
/// "strength" (and "mask") end the list for a derived frame (`init`), "strip" for a strip.
std::vector<KeyField> gen_fields(const backend::GenSpec& spec, const std::string& backend_id,
                                 const util::Digest* model_digest, const std::vector<util::Digest>& lora_digests,
                                 const LoraKeyNotes& notes = {}, const InitKeyNotes* init = nullptr);

/// Fields of a pixel step: the gen key it reads, and the pixel settings (a palette file by digest).
/// `palette_shown`, when given, is what the palette field shows instead of its path.
std::vector<KeyField> pixel_fields(const util::Digest& gen_key, const backend::PixelSpec& spec,
                                   const util::Digest* palette_digest, const std::string& palette_shown = "");

/// Fields of a pack step: layout, outputs and every frame's name, place and pixel key, in order.
std::vector<KeyField> pack_fields(const backend::PackSpec& spec, const std::vector<util::Digest>& pixel_keys);

}  // namespace dgxpx::plan
