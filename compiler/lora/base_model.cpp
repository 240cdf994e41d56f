#include "compiler/lora/base_model.h"

#include <cctype>

namespace dgxpx::lora {

namespace {

// Lower-case letters and digits only: "SD XL 1.0" and "sdxl_base_v1-0" both start "sdxl".
std::string squeeze(std::string_view name) {
  std::string out;
  for (unsigned char c : name)
    if (std::isalnum(c)) out += static_cast<char>(std::tolower(c));
  return out;
}

bool starts_with(const std::string& s, std::string_view prefix) { return s.compare(0, prefix.size(), prefix) == 0; }
bool contains(const std::string& s, std::string_view part) { return s.find(part) != std::string::npos; }

}  // namespace

BaseFamily classify_base_model(std::string_view name) {
  const std::string s = squeeze(name);
  if (s.empty()) return BaseFamily::unknown;
  // SDXL and the families that share its UNet and text encoders.
  for (std::string_view xl : {"sdxl", "stablediffusionxl", "pony", "illustrious", "noobai", "playground"})
    if (contains(s, xl)) return BaseFamily::sdxl;
  if (s == "xl" || starts_with(s, "xl")) return BaseFamily::sdxl;
  // SD 1.x / 2.x / 3.x under their usual spellings: sd15, sd_v1, sd2.1, stable-diffusion-v1-5.
  for (std::string_view sd : {"sd", "sdv", "stablediffusion", "stablediffusionv"})
    if (starts_with(s, sd) && s.size() > sd.size() && std::isdigit(static_cast<unsigned char>(s[sd.size()])))
      return BaseFamily::other;
  for (std::string_view other : {"flux", "stablecascade", "sdcascade", "pixart", "hunyuan", "kolors", "auraflow", "lumina",
                                 "wan", "ltxv", "hidream", "chroma", "qwenimage"})
    if (starts_with(s, other)) return BaseFamily::other;
  return BaseFamily::unknown;
}

const char* to_string(BaseFamily family) {
  switch (family) {
    case BaseFamily::sdxl: return "SDXL";
    case BaseFamily::other: return "not SDXL";
    case BaseFamily::unknown: return "unknown";
  }
  return "unknown";
}

}  // namespace dgxpx::lora
