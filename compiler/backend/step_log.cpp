#include "compiler/backend/step_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <sstream>

#include "compiler/util/atomic_file.h"

namespace dgxpx::backend {

static const char* event_word(StepEvent e) {
  switch (e) {
    case StepEvent::start: return "start";
    case StepEvent::ran: return "ran";
    case StepEvent::from_cache: return "cache";
    case StepEvent::failed: return "failed";
  }
  return "?";
}

void log_step_event(StepEvent event, const std::string& kind, const std::string& name) {
  const char* path = std::getenv(kStepLogEnv);
  if (!path || !*path) return;
  auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch());
  std::string line = std::string(event_word(event)) + " " + kind + " " + std::to_string(now.count()) + " " + name + "\n";
  int fd = ::open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return;
  ssize_t ignored = ::write(fd, line.data(), line.size());
  (void)ignored;
  ::close(fd);
}

std::vector<StepLogLine> read_step_log(const std::filesystem::path& path) {
  std::vector<StepLogLine> lines;
  auto text = util::read_file(path);
  if (!text) return lines;
  std::istringstream in(*text);
  std::string word, kind, name;
  int64_t ns;
  while (in >> word >> kind >> ns) {
    std::getline(in, name);
    if (!name.empty() && name[0] == ' ') name.erase(0, 1);
    StepLogLine l{StepEvent::start, kind, name, ns};
    if (word == "start") l.event = StepEvent::start;
    else if (word == "ran") l.event = StepEvent::ran;
    else if (word == "cache") l.event = StepEvent::from_cache;
    else if (word == "failed") l.event = StepEvent::failed;
    else continue;
    lines.push_back(l);
  }
  return lines;
}

}  // namespace dgxpx::backend
