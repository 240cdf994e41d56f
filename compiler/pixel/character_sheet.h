#pragma once
// Character sheets: one sheet per character, one row per animation × direction, one column per
// frame. Every frame of a character has the same size, so the sheet is a uniform grid.
#include <string>
#include <vector>

#include "compiler/pixel/image.h"
#include "compiler/pixel/sheet.h"
#include "compiler/util/error.h"

namespace dgxpx::pixel {

struct SheetFrame {
  std::string name;      // empty: "<tag>/<column>"
  Image image;
  int duration_ms = 100;  // 1..65535
};

struct SheetRow {
  std::string tag;  // the animation × direction, e.g. "walk/down"
  std::vector<SheetFrame> frames;
  bool loop = true;
};

struct CharacterSheetSpec {
  std::string name;             // the character, e.g. "hero"
  std::string image_file_name;  // e.g. "hero.png" (relative, [A-Za-z0-9._-/])
  std::vector<SheetRow> rows;   // top to bottom, in this order
  int padding = 0;              // transparent pixels around the sheet and between cells
  int extrude = 0;              // repeated edge pixels around each frame
  util::SourceLocation where;   // the manifest entry, for errors
};

/// Lays the rows out top to bottom, frames left to right; the sheet is as wide as the longest
/// row. Frames are numbered row-major (only existing frames), and each row becomes a FrameTag.
/// Throws util::InputError for an empty character, empty or duplicate tags or frame names,
/// frames of differing or zero size, a bad duration or file name, or a sheet over kMaxSheetSide.
PackedSheet pack_character_sheet(const CharacterSheetSpec& spec);

}  // namespace dgxpx::pixel
