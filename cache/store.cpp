#include "cache/store.h"

namespace dgxpx::cache {

const char* to_string(GetStatus status) {
  switch (status) {
    case GetStatus::hit: return "hit";
    case GetStatus::miss: return "miss";
    case GetStatus::corrupt: return "corrupt";
    case GetStatus::failure: return "failure";
  }
  return "unknown";
}

}  // namespace dgxpx::cache
