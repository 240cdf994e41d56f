#include "compiler/backend/procedural_generator.h"

#include <algorithm>
#include <cmath>
#include <regex>

#include "compiler/util/hash.h"

namespace dgxpx::backend {
using pixel::Image;
using pixel::Rgba;

namespace {

constexpr int kGrid = 32;
const Rgba kBackground{232, 232, 228, 255};
const Rgba kClear{0, 0, 0, 0};

// splitmix64: small, fast and identical everywhere.
class Random {
 public:
  explicit Random(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  int range(int lo, int hi) { return lo + static_cast<int>(next() % uint64_t(hi - lo + 1)); }
  double unit() { return (next() >> 11) * (1.0 / 9007199254740992.0); }

 private:
  uint64_t state_;
};

uint64_t hash_text(const std::string& text) { return util::digest_bytes(text).low; }

bool has_word(const std::string& text, const char* word) {
  std::string lower = text;
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower.find(word) != std::string::npos;
}

Rgba shade(Rgba c, double f) {
  auto s = [f](uint8_t v) { return static_cast<uint8_t>(std::clamp(v * f, 0.0, 255.0)); };
  return {s(c.r), s(c.g), s(c.b), c.a};
}

Rgba from_hsv(double h, double s, double v) {
  h = std::fmod(h, 360.0) / 60.0;
  double c = v * s, x = c * (1 - std::fabs(std::fmod(h, 2.0) - 1)), m = v - c;
  double r = 0, g = 0, b = 0;
  if (h < 1) r = c, g = x; else if (h < 2) r = x, g = c; else if (h < 3) g = c, b = x;
  else if (h < 4) g = x, b = c; else if (h < 5) r = x, b = c; else r = c, b = x;
  auto q = [m](double u) { return static_cast<uint8_t>(std::lround((u + m) * 255)); };
  return {q(r), q(g), q(b), 255};
}

// The first colour word in the prompt, else a colour from the hash.
Rgba colour_for(const std::string& prompt, uint64_t h, int skip = 0) {
  static const std::pair<const char*, Rgba> words[] = {
      {"red", {200, 48, 48, 255}},     {"blue", {52, 90, 200, 255}},    {"green", {56, 160, 64, 255}},
      {"yellow", {230, 200, 60, 255}}, {"purple", {130, 60, 170, 255}}, {"orange", {230, 130, 40, 255}},
      {"pink", {236, 120, 170, 255}},  {"white", {236, 236, 236, 255}}, {"black", {44, 44, 52, 255}},
      {"brown", {130, 86, 50, 255}},   {"gold", {228, 180, 40, 255}},   {"silver", {180, 188, 200, 255}},
      {"grey", {128, 128, 136, 255}},  {"gray", {128, 128, 136, 255}},  {"cyan", {60, 200, 210, 255}},
      {"teal", {40, 140, 140, 255}},   {"iron", {150, 156, 166, 255}},  {"steel", {170, 176, 186, 255}},
      {"wood", {150, 100, 56, 255}},   {"stone", {128, 124, 120, 255}}, {"grass", {70, 150, 60, 255}},
      {"water", {50, 110, 200, 255}},  {"sand", {220, 196, 130, 255}},  {"lava", {230, 90, 30, 255}},
      {"dirt", {120, 84, 56, 255}},    {"ice", {170, 220, 240, 255}},   {"slime", {90, 200, 90, 255}}};
  // Colour words in the order the prompt names them: "blue armor, red cape" → blue, then red.
  std::string lower = prompt;
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::vector<std::pair<size_t, Rgba>> found;
  for (const auto& [word, colour] : words) {
    size_t at = lower.find(word);
    if (at != std::string::npos) found.emplace_back(at, colour);
  }
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  if (size_t(skip) < found.size()) return found[skip].second;
  return from_hsv(double(h % 360), 0.55, 0.8);
}

void fill_rect(Image& img, int x0, int y0, int w, int h, Rgba c) {
  for (int y = std::max(0, y0); y < std::min(img.height, y0 + h); ++y)
    for (int x = std::max(0, x0); x < std::min(img.width, x0 + w); ++x) img.at(x, y) = c;
}

void fill_ellipse(Image& img, double cx, double cy, double rx, double ry, Rgba c) {
  for (int y = 0; y < img.height; ++y)
    for (int x = 0; x < img.width; ++x) {
      double dx = (x + 0.5 - cx) / rx, dy = (y + 0.5 - cy) / ry;
      if (dx * dx + dy * dy <= 1.0) img.at(x, y) = c;
    }
}

// Dark outline around every opaque pixel, and a light/dark shade from the top-left light.
void outline_and_shade(Image& img, Rgba outline) {
  Image out = img;
  for (int y = 0; y < img.height; ++y)
    for (int x = 0; x < img.width; ++x) {
      if (img.at(x, y).a != 0) {
        bool top_left_edge = (x > 0 && img.at(x - 1, y).a == 0) || (y > 0 && img.at(x, y - 1).a == 0);
        bool bottom_right_edge = (x + 1 < img.width && img.at(x + 1, y).a == 0) || (y + 1 < img.height && img.at(x, y + 1).a == 0);
        if (top_left_edge) out.at(x, y) = shade(img.at(x, y), 1.2);
        else if (bottom_right_edge) out.at(x, y) = shade(img.at(x, y), 0.7);
        continue;
      }
      bool near = false;
      for (int dy = -1; dy <= 1 && !near; ++dy)
        for (int dx = -1; dx <= 1 && !near; ++dx) {
          if (std::abs(dx) + std::abs(dy) != 1) continue;
          int nx = x + dx, ny = y + dy;
          near = nx >= 0 && ny >= 0 && nx < img.width && ny < img.height && img.at(nx, ny).a != 0;
        }
      if (near) out.at(x, y) = outline;
    }
  img = out;
}

struct Pose {
  std::string facing = "down";
  int frame = 0;
  std::string action = "idle";
};

Pose pose_from(const std::string& prompt) {
  Pose p;
  std::smatch m;
  static const std::regex facing("facing (down|up|left|right)");
  static const std::regex frame("frame ([0-9]+)");
  if (std::regex_search(prompt, m, facing)) p.facing = m[1];
  if (std::regex_search(prompt, m, frame)) p.frame = std::stoi(m[1]);
  for (const char* a : {"walk", "run", "attack", "jump", "cast", "hurt", "die"})
    if (has_word(prompt, a)) { p.action = a; break; }
  return p;
}

// The prompt without the words that change from frame to frame, so every frame of a
// character shows the same character.
std::string identity_of(const GenSpec& spec) {
  if (!spec.subject.empty()) return spec.subject;
  const std::string& prompt = spec.prompt;
  static const std::regex varying("(facing (down|up|left|right))|(frame [0-9]+)|(variation [0-9]+)");
  return std::regex_replace(prompt, varying, "");
}

Image draw_character(const GenSpec& spec) {
  Random r(hash_text(identity_of(spec)));
  Pose pose = pose_from(spec.prompt);
  Rgba body = colour_for(identity_of(spec), r.next());
  Rgba accent = colour_for(identity_of(spec), r.next(), 1);
  if (accent == body) accent = shade(body, 0.6);
  Rgba skin = from_hsv(20 + r.range(0, 20), 0.35 + r.unit() * 0.2, 0.7 + r.unit() * 0.25);
  bool monster = has_word(spec.prompt, "slime") || has_word(spec.prompt, "monster") || has_word(spec.prompt, "blob");
  Image img(kGrid, kGrid, kClear);
  int phase = pose.frame % 4;
  int bob = (pose.action == "idle" ? phase % 2 : (phase == 1 || phase == 3) ? 1 : 0);
  if (monster) {
    double squash = 1.0 + 0.12 * ((phase % 2) ? 1 : -1);
    fill_ellipse(img, 16, 22 - bob, 11 * squash, 8 / squash, body);
    fill_rect(img, 11, 19 - bob, 3, 3, {250, 250, 250, 255});
    fill_rect(img, 18, 19 - bob, 3, 3, {250, 250, 250, 255});
    if (pose.facing != "up") {
      fill_rect(img, 12 + (pose.facing == "right") - (pose.facing == "left"), 20 - bob, 1, 2, {20, 20, 30, 255});
      fill_rect(img, 19 + (pose.facing == "right") - (pose.facing == "left"), 20 - bob, 1, 2, {20, 20, 30, 255});
    }
    outline_and_shade(img, shade(body, 0.3));
    return img;
  }
  // Left half, mirrored to the right: symmetric silhouette.
  int head_r = r.range(4, 5), torso_w = r.range(4, 6), torso_h = r.range(7, 9);
  int head_y = 4 + head_r + bob, torso_y = head_y + head_r - 1;
  fill_ellipse(img, 16, head_y, head_r + 0.5, head_r + 0.3, pose.facing == "up" ? accent : skin);
  fill_rect(img, 16 - torso_w, torso_y, torso_w * 2, torso_h, body);
  fill_rect(img, 16 - torso_w, torso_y + torso_h - 2, torso_w * 2, 1, shade(accent, 0.8));  // belt
  bool has_hat = r.range(0, 2) == 0;
  if (has_hat) fill_rect(img, 16 - head_r - 1, head_y - head_r - 1, 2 * head_r + 2, 3, accent);
  // Arms swing on walk, the front arm reaches forward on attack.
  int swing = (pose.action == "walk" || pose.action == "run") ? (phase == 1 ? 2 : phase == 3 ? -2 : 0) : 0;
  int reach = pose.action == "attack" && phase % 2 ? 3 : 0;
  fill_rect(img, 16 - torso_w - 2, torso_y + 1 + swing, 2, torso_h - 2, skin);
  fill_rect(img, 16 + torso_w + reach, torso_y + 1 - swing, 2, torso_h - 2, skin);
  int leg_y = torso_y + torso_h, leg_h = kGrid - 2 - leg_y;
  fill_rect(img, 16 - torso_w + 1, leg_y, 3, leg_h - std::max(0, swing), shade(accent, 0.6));
  fill_rect(img, 16 + torso_w - 4, leg_y, 3, leg_h - std::max(0, -swing), shade(accent, 0.6));
  if (pose.facing == "down") {  // eyes
    fill_rect(img, 16 - 2, head_y, 1, 2, {30, 30, 40, 255});
    fill_rect(img, 16 + 1, head_y, 1, 2, {30, 30, 40, 255});
  } else if (pose.facing == "left" || pose.facing == "right") {
    int eye_x = pose.facing == "left" ? 16 - head_r + 1 : 16 + head_r - 2;
    fill_rect(img, eye_x, head_y, 1, 2, {30, 30, 40, 255});
  }
  if (has_word(spec.prompt, "cape") || has_word(spec.prompt, "cloak")) {
    if (pose.facing == "up") fill_rect(img, 16 - torso_w, torso_y, torso_w * 2, torso_h + 2, accent);
  }
  outline_and_shade(img, shade(body, 0.25));
  return img;
}

// Periodic value noise: lattice values repeat every `period` cells, so the texture tiles.
double periodic_noise(Random& base, int x, int y, int cell, int period_cells, uint64_t salt) {
  auto lattice = [&](int i, int j) {
    i = ((i % period_cells) + period_cells) % period_cells;
    j = ((j % period_cells) + period_cells) % period_cells;
    Random cellr(salt ^ (uint64_t(i) * 73856093u) ^ (uint64_t(j) * 19349663u));
    return cellr.unit();
  };
  (void)base;
  double fx = double(x) / cell, fy = double(y) / cell;
  int ix = int(std::floor(fx)), iy = int(std::floor(fy));
  double tx = fx - ix, ty = fy - iy;
  tx = tx * tx * (3 - 2 * tx);
  ty = ty * ty * (3 - 2 * ty);
  double a = lattice(ix, iy), b = lattice(ix + 1, iy), c = lattice(ix, iy + 1), d = lattice(ix + 1, iy + 1);
  return (a * (1 - tx) + b * tx) * (1 - ty) + (c * (1 - tx) + d * tx) * ty;
}

Image draw_tile(const GenSpec& spec) {
  Random r(hash_text(spec.prompt) ^ uint64_t(spec.seed) * 0x9e3779b97f4a7c15ull);
  Rgba base = colour_for(spec.prompt, hash_text(identity_of(spec)));
  Image img(kGrid, kGrid, base);
  uint64_t salt = r.next();
  bool bricks = has_word(spec.prompt, "brick") || has_word(spec.prompt, "wall");
  bool planks = has_word(spec.prompt, "plank") || has_word(spec.prompt, "wood");
  for (int y = 0; y < kGrid; ++y)
    for (int x = 0; x < kGrid; ++x) {
      double n = 0.6 * periodic_noise(r, x, y, 8, 4, salt) + 0.4 * periodic_noise(r, x, y, 4, 8, salt ^ 0x5bd1e995);
      int level = n < 0.35 ? 0 : n < 0.55 ? 1 : n < 0.75 ? 2 : 3;
      static const double shades[] = {0.72, 0.88, 1.0, 1.15};
      img.at(x, y) = shade(base, shades[level]);
    }
  if (bricks) {
    for (int y = 0; y < kGrid; ++y)
      for (int x = 0; x < kGrid; ++x) {
        int row = y / 8, offset = (row % 2) * 8;
        if (y % 8 == 7 || (x + offset) % 16 == 15) img.at(x, y) = shade(base, 0.45);
      }
  } else if (planks) {
    for (int y = 0; y < kGrid; ++y)
      for (int x = 0; x < kGrid; ++x)
        if (y % 8 == 7) img.at(x, y) = shade(base, 0.5);
  } else {  // pebbles / tufts scattered, wrapping at the edges
    int count = r.range(3, 7);
    for (int i = 0; i < count; ++i) {
      int px = r.range(0, kGrid - 1), py = r.range(0, kGrid - 1);
      for (int dy = 0; dy < 2; ++dy)
        for (int dx = 0; dx < 2; ++dx) img.at((px + dx) % kGrid, (py + dy) % kGrid) = shade(base, 1.3);
      img.at((px + 1) % kGrid, (py + 2) % kGrid) = shade(base, 0.55);
    }
  }
  return img;
}

Image draw_item(const GenSpec& spec) {
  Random r(hash_text(identity_of(spec)) ^ uint64_t(spec.seed));
  Rgba main = colour_for(spec.prompt, r.next());
  Rgba dark = shade(main, 0.3);
  Image img(kGrid, kGrid, kClear);
  if (has_word(spec.prompt, "sword") || has_word(spec.prompt, "dagger") || has_word(spec.prompt, "blade")) {
    for (int i = 0; i < 16; ++i) fill_rect(img, 8 + i, 22 - i, 2, 2, has_word(spec.prompt, "gold") ? main : Rgba{200, 206, 216, 255});
    fill_rect(img, 6, 20, 7, 2, {150, 100, 50, 255});
    fill_rect(img, 8, 18, 2, 7, {150, 100, 50, 255});
    fill_rect(img, 4, 24, 3, 3, main);
  } else if (has_word(spec.prompt, "potion") || has_word(spec.prompt, "flask") || has_word(spec.prompt, "bottle")) {
    fill_ellipse(img, 16, 20, 8, 7.5, main);
    fill_rect(img, 13, 7, 6, 7, {210, 230, 240, 255});
    fill_rect(img, 12, 5, 8, 3, {140, 90, 50, 255});
    fill_rect(img, 12, 16, 2, 3, {255, 255, 255, 255});
  } else if (has_word(spec.prompt, "shield")) {
    fill_rect(img, 8, 6, 16, 12, main);
    fill_ellipse(img, 16, 18, 8, 9, main);
    fill_rect(img, 15, 6, 2, 20, shade(main, 1.35));
    fill_rect(img, 8, 11, 16, 2, shade(main, 1.35));
  } else if (has_word(spec.prompt, "key")) {
    fill_ellipse(img, 10, 12, 5, 5, main);
    fill_ellipse(img, 10, 12, 2, 2, kClear);
    fill_rect(img, 14, 11, 13, 3, main);
    fill_rect(img, 22, 14, 2, 4, main);
    fill_rect(img, 26, 14, 2, 3, main);
  } else if (has_word(spec.prompt, "coin")) {
    fill_ellipse(img, 16, 16, 9, 9, main);
    fill_ellipse(img, 16, 16, 6, 6, shade(main, 1.2));
    fill_rect(img, 15, 12, 2, 8, shade(main, 0.75));
  } else {  // a faceted gem
    int half = r.range(7, 10);
    for (int y = 0; y < 2 * half; ++y) {
      int w = y < half / 2 ? half / 2 + y : 2 * half - y;
      fill_rect(img, 16 - w / 2 - 1, 8 + y, w + 2, 1, y < half / 2 ? shade(main, 1.25) : main);
    }
  }
  outline_and_shade(img, dark);
  return img;
}

}  // namespace

Image procedural_design(const GenSpec& spec) {
  if (spec.hint == "character") return draw_character(spec);
  if (spec.hint == "tile") return draw_tile(spec);
  return draw_item(spec);
}

// A strip draws each of its frames as a frame of its own, posed by "frame <i>", side by side.
static Image generate_strip(const GenSpec& spec, ProceduralGenerator& generator) {
  Image out(spec.width, spec.height, kBackground);
  GenSpec frame = spec;
  frame.strip_frames = 1;
  frame.width = spec.width / spec.strip_frames;
  for (int i = 0; i < spec.strip_frames; ++i) {
    frame.prompt = spec.prompt + ", animation frame " + std::to_string(i);
    const Image cell = generator.generate(frame);
    for (int y = 0; y < cell.height; ++y)
      for (int x = 0; x < cell.width; ++x) out.at(i * frame.width + x, y) = cell.at(x, y);
  }
  return out;
}

// The placeholder draws every frame from its prompt: a keyframe-derived frame's init image is
// not blended in (its frames of one subject are one character already); its key still
// follows the key frame's.
Image ProceduralGenerator::generate(const GenSpec& spec) {
  if (spec.strip_frames > 1) return generate_strip(spec, *this);
  Image design = procedural_design(spec);
  // Scale the design grid up by a whole factor, centred on a flat background like a model's
  // "pixel art sprite on a plain background" output.
  int factor = std::max(1, std::min(spec.width, spec.height) / kGrid);
  Image out(spec.width, spec.height, kBackground);
  int ox = (spec.width - kGrid * factor) / 2, oy = (spec.height - kGrid * factor) / 2;
  for (int y = 0; y < kGrid * factor; ++y)
    for (int x = 0; x < kGrid * factor; ++x) {
      const Rgba& c = design.at(x / factor, y / factor);
      if (c.a != 0) out.at(ox + x, oy + y) = c;
    }
  return out;
}

}  // namespace dgxpx::backend
