#pragma once
// The two ends of a cached step: store_outputs files a finished step's output files in the
// store; materialize writes them back into the output tree on a later hit. Outputs are copied,
// never hard-linked, so a user editing an output file cannot damage the cache.
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "cache/entry.h"
#include "cache/store.h"

namespace dgxpx::cache {

/// A step output's name in the entry ("image", "sheet", "atlas") and its file.
struct OutputFile {
  std::string name;
  std::filesystem::path path;
};

/// What materialize does with a destination that already exists.
enum class Overwrite {
  always,        ///< rewrite it (its mtime moves)
  if_different,  ///< leave it, and its mtime, alone when it already holds the bytes (restat)
};

struct MaterializeResult {
  GetStatus status = GetStatus::hit;  ///< hit: every file is in place
  std::string reason;                 ///< why not a hit
  size_t written = 0;                 ///< files (re)written
  size_t unchanged = 0;               ///< files that already held the bytes

  bool ok() const { return status == GetStatus::hit; }
};

/// Writes each of `files` from the blob of the entry output with the same name. Every blob is
/// read and verified before the first file is written, so a non-hit leaves the destinations
/// untouched; each file is written temp + fsync + rename. Miss when the entry has no output of
/// a requested name or a blob is gone; corrupt / failure as the store reported them. Throws
/// util::RuntimeFailure when a destination cannot be written.
MaterializeResult materialize(Store& store, const ActionEntry& entry,
                              const std::vector<OutputFile>& files,
                              Overwrite overwrite = Overwrite::if_different);

/// Files a finished step: puts each file's bytes as a blob, then an entry with `entry`'s key,
/// kind, label and creation time listing them (entry.outputs is replaced, in `files` order).
/// Throws util::RuntimeFailure when an output file cannot be read; a store that cannot take
/// them answers with a failed PutResult (the build goes on without caching).
PutResult store_outputs(Store& store, ActionEntry entry, const std::vector<OutputFile>& files);

}  // namespace dgxpx::cache
