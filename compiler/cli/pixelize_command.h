#pragma once
// `dgxpx pixelize IN.png -o OUT.png [options]`: the pixel stage on one file, outside any build.
#include <string>
#include <vector>

namespace dgxpx::cli {

/// Runs `dgxpx pixelize` with the arguments after the word "pixelize", parsed as the command
/// line parses them. Returns the exit status (0 on success; --help prints the usage and
/// returns 0). Throws util::InputError for usage
/// errors and bad input files (nothing is written then), util::RuntimeFailure for I/O failures.
int run_pixelize_command(const std::vector<std::string>& args);

}  // namespace dgxpx::cli
