#pragma once
// Every file dgxpx publishes is written to a temp file in the same folder, fsynced, then renamed
// over the target, so a crash or SIGKILL never leaves a half-written file under the final name.
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace dgxpx::util {

/// Writes `bytes` to `path` atomically (temp + fsync + rename), creating parent folders.
/// Throws RuntimeFailure on I/O errors; the target is then unchanged.
void write_file_atomic(const std::filesystem::path& path, std::string_view bytes);

/// Like write_file_atomic but leaves the file (and its mtime) alone when it already holds
/// exactly `bytes`. Returns true when it wrote.
bool write_file_if_changed(const std::filesystem::path& path, std::string_view bytes);

/// Reads a whole file; nullopt if it does not exist. Throws RuntimeFailure on other errors.
std::optional<std::string> read_file(const std::filesystem::path& path);

/// read_file into `bytes`, reusing its memory (a loop over many files allocates once); false
/// if the file does not exist.
bool read_file_into(const std::filesystem::path& path, std::string& bytes);

/// Reads a whole file; throws RuntimeFailure if it cannot.
std::string read_file_or_throw(const std::filesystem::path& path);

/// Removes the temp files of temp_path_for's naming (".NAME.tmp.PID.N") under `dir`, at any
/// depth, whose writer process is gone (killed mid-write); `skip` (e.g. a cache folder with its
/// own rules) is not entered. Returns how many were removed. Never throws.
int remove_stale_temp_files(const std::filesystem::path& dir, const std::filesystem::path& skip = {});

/// A unique temp path next to `target` (same folder, so rename is atomic).
std::filesystem::path temp_path_for(const std::filesystem::path& target);

/// fsyncs a file that was written by other means (e.g. libpng) before it is renamed.
void fsync_path(const std::filesystem::path& path);

}  // namespace dgxpx::util
