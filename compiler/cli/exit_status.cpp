#include <cstdio>
#include <exception>

#include "compiler/cli/command.h"
#include "compiler/util/error.h"

namespace dgxpx::cli {

int run_reporting_errors(const std::function<int()>& body) {
  try {
    return body();
  } catch (const util::InputError& e) {
    std::fprintf(stderr, "%s\n", e.diagnostic().c_str());
    return kExitBadInput;
  } catch (const std::exception& e) {  // util::RuntimeFailure and anything else
    std::fprintf(stderr, "error: %s\n", e.what());
    return kExitBuildFailed;
  }
}

}  // namespace dgxpx::cli
