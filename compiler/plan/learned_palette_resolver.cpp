#include "compiler/plan/learned_palette_resolver.h"

#include <fnmatch.h>

#include <algorithm>
#include <set>

#include "compiler/util/error.h"
#include "compiler/util/hash.h"

namespace dgxpx::plan {
namespace fs = std::filesystem;

namespace {

// The learning method's version: a change to learn_palette() must change every learned key.
constexpr int64_t kLearnedPaletteMethod = 1;

bool is_png_name(const std::string& name) {
  if (name.size() < 4) return false;
  std::string ext = name.substr(name.size() - 4);
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext == ".png";
}

}  // namespace

ResolvedLearnedPalette LearnedPaletteResolver::resolve(const manifest::LearnedPaletteSettings& settings,
                                                       std::map<std::string, util::Digest>& files_used,
                                                       std::map<std::string, util::Digest>& folders_listed) {
  std::set<fs::path> files;
  for (const auto& pattern : settings.from) {
    const fs::path folder = pattern.path.parent_path();
    const std::string name_pattern = pattern.path.filename().string();
    // Which files match is decided by the folder's listing: a new piece of art re-plans.
    folders_listed[folder.string()] = folder_listing_digest(folder);
    size_t matched = 0;
    std::error_code ec;
    for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
      const std::string name = it->path().filename().string();
      if (!is_png_name(name) || ::fnmatch(name_pattern.c_str(), name.c_str(), FNM_PERIOD) != 0) continue;
      if (!it->is_regular_file(ec)) continue;
      files.insert(it->path().lexically_normal());
      ++matched;
    }
    if (matched == 0)
      throw util::InputError(pattern.where, util::expected_got("PNG files of the game's art", "'" + pattern.written +
                                                                   "', which matches no .png file"));
  }

  ResolvedLearnedPalette resolved;
  util::KeyHasher h;
  h.add("learned-palette", kLearnedPaletteMethod);
  h.add("colors", static_cast<int64_t>(settings.colors));
  for (const fs::path& file : files) {  // sorted: the order the palette is learned in
    const util::Digest digest = digests_.digest(file);
    files_used[file.string()] = digest;
    resolved.files.push_back(manifest::display_path(project_, file));
    h.add(resolved.files.back(), digest);
  }
  resolved.key = h.finish();
  std::string patterns;
  for (const auto& pattern : settings.from) patterns += (patterns.empty() ? "" : ", ") + pattern.written;
  resolved.shown = "learned x" + std::to_string(settings.colors) + " from " + patterns + " (" +
                   std::to_string(files.size()) + " file" + (files.size() == 1 ? "" : "s") + ")";
  return resolved;
}

}  // namespace dgxpx::plan
