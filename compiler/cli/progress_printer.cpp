#include "compiler/cli/progress_printer.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>

namespace dgxpx::cli {

namespace {

constexpr auto kRateWindow = std::chrono::seconds(60);

std::string duration_text(double seconds) {
  char buffer[32];
  if (seconds < 90) std::snprintf(buffer, sizeof buffer, "%.0f s", std::ceil(seconds));
  else if (seconds < 5400) std::snprintf(buffer, sizeof buffer, "%.0f min", std::ceil(seconds / 60));
  else std::snprintf(buffer, sizeof buffer, "%.1f h", seconds / 3600);
  return buffer;
}

}  // namespace

ProgressPrinter::ProgressPrinter(bool quiet, std::optional<int> gen_expected)
    : tty_(::isatty(STDERR_FILENO)), quiet_(quiet), gen_expected_(gen_expected) {}

ProgressPrinter::~ProgressPrinter() { finish(); }

std::string ProgressPrinter::throughput_text(const std::deque<Clock::time_point>& finished, Clock::time_point now,
                                             int done, std::optional<int> expected) {
  if (finished.size() < 2) return "";
  // Rate over the window the samples span (up to a minute), counting the intervals between them.
  const double span = std::chrono::duration<double>(now - finished.front()).count();
  if (span <= 0) return "";
  const double rate = static_cast<double>(finished.size() - 1) / span;
  char buffer[48];
  std::snprintf(buffer, sizeof buffer, rate >= 10 ? "%.0f img/s" : rate >= 1 ? "%.1f img/s" : "%.2f img/s", rate);
  std::string text = buffer;
  if (expected && *expected > done) text += ", gen ~" + duration_text((*expected - done) / rate) + " left";
  return text;
}

void ProgressPrinter::line(const std::string& text, Clock::time_point now) {
  const size_t close = text.find("] ");
  if (text.empty() || text[0] != '[' || close == std::string::npos) {
    if (text == "ninja: no work to do." || text.rfind("ninja: Entering directory", 0) == 0) return;
    finish();
    std::fprintf(stderr, "%s\n", text.c_str());
    return;
  }
  ++progress_lines_;
  // Piped, ninja prints an edge's line when it finishes.
  if (text.compare(close + 2, 4, "gen ") == 0) {
    ++gen_done_;
    gen_finished_.push_back(now);
    while (gen_finished_.size() > 2 && now - gen_finished_.front() > kRateWindow) gen_finished_.pop_front();
  }
  if (quiet_) return;
  std::string shown = text;
  const std::string rate = throughput(now);
  if (!rate.empty()) shown += " · " + rate;
  if (tty_) {
    std::fprintf(stderr, "\r%s\033[K", shown.c_str());
    open_ = true;
  } else {
    std::fprintf(stderr, "%s\n", shown.c_str());
  }
}

void ProgressPrinter::finish() {
  if (open_) std::fprintf(stderr, "\n");
  open_ = false;
}

}  // namespace dgxpx::cli
