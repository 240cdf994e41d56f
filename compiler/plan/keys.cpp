#include "compiler/plan/keys.h"

#include <cstdio>
#include <cstdlib>

#include "compiler/pixel/pixelize.h"

namespace dgxpx::plan {

static std::string number_text(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.17g", v);
  return buffer;
}

std::string shown_number(double v) {
  char buffer[32];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buffer, sizeof buffer, "%.*g", precision, v);
    if (std::strtod(buffer, nullptr) == v) break;
  }
  return buffer;
}

util::Digest key_of(const std::string& domain, const std::vector<KeyField>& fields) {
  util::KeyHasher h;
  h.add("dgxpx-key", static_cast<int64_t>(kKeyFormatVersion));
  h.add("domain", domain);
  h.add("fields", static_cast<int64_t>(fields.size()));
  for (const auto& f : fields) h.add(f.name, f.value);
  return h.finish();
}

KeyField file_field(const std::string& name, const std::string& display_path, const util::Digest& digest,
                    const std::string& suffix) {
  return {name, digest.hex() + suffix, display_path + " " + digest.short_hex() + suffix};
}

std::vector<KeyField> gen_fields(const backend::GenSpec& s, const std::string& backend_id,
                                 const util::Digest* model_digest, const std::vector<util::Digest>& lora_digests,
                                 const LoraKeyNotes& notes, const InitKeyNotes* init) {
  std::vector<KeyField> f;
  f.push_back({"backend", backend_id, ""});
  if (model_digest) f.push_back(file_field("model", *s.model, *model_digest));
  else f.push_back({"model", "none", "none (procedural placeholder)"});
  for (size_t i = 0; i < s.loras.size(); ++i) {
    KeyField lora = file_field("lora[" + std::to_string(i) + "]", s.loras[i].file, lora_digests.at(i),
                               " x" + number_text(s.loras[i].weight));
    lora.display = s.loras[i].file + " " + lora_digests[i].short_hex() + " x" + shown_number(s.loras[i].weight);
    if (i < notes.weight_sources.size() && !notes.weight_sources[i].empty())
      lora.display += " (" + notes.weight_sources[i] + ")";
    f.push_back(std::move(lora));
  }
  if (!notes.trigger_words.empty()) {
    std::string words;
    for (const auto& w : notes.trigger_words) words += (words.empty() ? "" : ", ") + w;
    f.push_back({"trigger_words", words, words + " (" + notes.trigger_words_source + ")"});
  }
  f.push_back({"prompt", s.prompt, ""});
  f.push_back({"negative", s.negative, ""});
  f.push_back({"seed", std::to_string(s.seed), ""});
  // A spacing is named only when set, so the keys of steps without one stay as they were.
  f.push_back({"sampler", s.timestep_spacing.empty() ? s.sampler : s.sampler + " spacing=" + s.timestep_spacing, ""});
  f.push_back({"steps", std::to_string(s.steps), ""});
  f.push_back({"guidance", number_text(s.guidance), ""});
  f.push_back({"size", std::to_string(s.width) + "x" + std::to_string(s.height), ""});
  f.push_back({"tiling", s.tiling, ""});
  // SDXL micro-conditioning: original size, crop top-left, target size (unset sizes are the
  // generation size, as in diffusers; the text of the defaults is the one keys always had).
  const auto size_text = [](std::pair<int, int> wh) { return std::to_string(wh.first) + "x" + std::to_string(wh.second); };
  const std::pair<int, int> size{s.width, s.height};
  f.push_back({"conditioning",
               "original=" + size_text(s.original_size.value_or(size)) + " crop=" + std::to_string(s.crop.first) + "," +
                   std::to_string(s.crop.second) + " target=" + size_text(s.target_size.value_or(size)),
               ""});
  f.push_back({"hint", s.hint, ""});
  f.push_back({"subject", s.subject, ""});
  // Only frames that relate to others carry these: the keys of independent frames stay as they were.
  if (init) {
    f.push_back({"init", init->source_key.hex(), "gen " + init->source_key.short_hex() + " (key frame " + init->source_name + ")"});
    f.push_back({"strength", number_text(s.strength), shown_number(s.strength)});
    if (init->mask_digest) f.push_back(file_field("mask", s.mask, *init->mask_digest));
  }
  if (s.strip_frames != 1) f.push_back({"strip", std::to_string(s.strip_frames) + " frames", ""});
  return f;
}

std::vector<KeyField> pixel_fields(const util::Digest& gen_key, const backend::PixelSpec& s,
                                   const util::Digest* palette_digest, const std::string& palette_shown) {
  std::vector<KeyField> f;
  f.push_back({"gen", gen_key.hex(), "gen " + gen_key.short_hex()});
  f.push_back({"method", pixel::kPixelizeMethod, ""});  // a new pixel stage re-runs pixel steps, never gen
  std::string grid = s.grid == "size" ? "size " + std::to_string(s.width) + "x" + std::to_string(s.height)
                     : s.grid == "factor" ? "factor " + std::to_string(s.factor)
                                          : "detect";
  f.push_back({"grid", grid, ""});
  f.push_back({"downscale", s.downscale, ""});
  if (palette_digest) f.push_back(file_field("palette", palette_shown.empty() ? s.palette : palette_shown, *palette_digest));
  else f.push_back({"palette", s.palette.empty() ? "none" : "builtin:" + s.palette, ""});
  f.push_back({"colors", std::to_string(s.colors), ""});
  f.push_back({"dither", s.dither ? "true" : "false", ""});
  f.push_back({"background", s.background, ""});
  f.push_back({"tolerance", number_text(s.tolerance), ""});
  f.push_back({"outline", s.outline.value_or("none"), ""});
  if (!s.shade.empty()) f.push_back({"shade", "light=" + s.shade, ""});  // only when on: older keys stay
  return f;
}

std::vector<KeyField> pack_fields(const backend::PackSpec& s, const std::vector<util::Digest>& pixel_keys) {
  std::vector<KeyField> f;
  // The name decides the output files: two assets alike in all else must not share a key
  // (nor a spec file, nor a cache entry).
  f.push_back({"name", s.name, ""});
  f.push_back({"kind", s.kind, ""});
  f.push_back({"format", s.format, ""});
  f.push_back({"output_dir", s.output_dir, ""});
  std::string formats;
  for (const auto& format : s.formats) formats += (formats.empty() ? "" : ",") + format;
  f.push_back({"formats", formats, ""});
  f.push_back({"frames", std::to_string(s.frames.size()), ""});
  for (size_t i = 0; i < s.frames.size(); ++i) {
    const auto& fr = s.frames[i];
    std::string place = "row=" + fr.row + " tag=" + fr.tag + " duration=" + std::to_string(fr.duration_ms) +
                        (fr.loop ? "" : " once") +
                        (fr.slices != 1 ? " slice=" + std::to_string(fr.slice) + "/" + std::to_string(fr.slices) : "");
    f.push_back({"frame " + fr.name, pixel_keys.at(i).hex() + " " + place, "pixel " + pixel_keys[i].short_hex() + " " + place});
  }
  return f;
}

}  // namespace dgxpx::plan
