#pragma once
// A preset's `palette: {from: [art/*.png], colors: N}` as the pixel steps use it: the PNG files
// its patterns match, and a key over their paths and digests and the colour count. The palette
// itself is learned by the first pixel step that needs it (backend/learned_palette_file.h), so
// planning (and `status`) reads digests only. Records every file and folder it looked at, so
// the plan cache notices a new, removed or edited piece of art.
#include <map>
#include <string>
#include <vector>

#include "compiler/manifest/workspace.h"
#include "compiler/plan/file_digests.h"

namespace dgxpx::plan {

struct ResolvedLearnedPalette {
  std::vector<std::string> files;  // project-relative, sorted, each once
  util::Digest key;                // what the learned palette is a function of
  std::string shown;               // "learned x16 from art/*.png (3 files)"
};

class LearnedPaletteResolver {
 public:
  LearnedPaletteResolver(const manifest::ProjectConfig& project, FileDigestCache& digests)
      : project_(project), digests_(digests) {}

  /// Throws util::InputError at the pattern when it matches no PNG file.
  ResolvedLearnedPalette resolve(const manifest::LearnedPaletteSettings& settings,
                                 std::map<std::string, util::Digest>& files_used,
                                 std::map<std::string, util::Digest>& folders_listed);

 private:
  const manifest::ProjectConfig& project_;
  FileDigestCache& digests_;
};

}  // namespace dgxpx::plan
