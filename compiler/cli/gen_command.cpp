// `dgxpx gen ...`: one-off generation. The SDXL stack lives in dgxpx-sdxl (the only binary
// that links libtorch), so this hands the arguments to the dgxpx-sdxl next to dgxpx.
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "compiler/cli/command.h"
#include "compiler/cli/project_context.h"
#include "compiler/util/error.h"

namespace dgxpx::cli {

int run_gen(const GlobalOptions&, const std::vector<std::string>& args) {
  std::string sdxl = (std::filesystem::path(self_command()).parent_path() / "dgxpx-sdxl").string();
  std::vector<std::string> argv_strings = {sdxl, "gen"};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& s : argv_strings) argv.push_back(s.data());
  argv.push_back(nullptr);
  ::execv(sdxl.c_str(), argv.data());
  throw util::RuntimeFailure("cannot run " + sdxl + " (build it with the SDXL stack): " + std::strerror(errno));
}

}  // namespace dgxpx::cli
