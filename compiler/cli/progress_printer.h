#pragma once
// Renders ninja's "[finished/total] description" lines as one updating line on a terminal (or
// one line each otherwise), with the generation throughput over the last minute and the time
// left for the gen steps once there is a rate to go by.
#include <chrono>
#include <deque>
#include <optional>
#include <string>

namespace dgxpx::cli {

class ProgressPrinter {
 public:
  using Clock = std::chrono::steady_clock;

  /// `quiet`: count progress lines but print none. `gen_expected`: gen steps this build
  /// should run, when known (for the ETA).
  ProgressPrinter(bool quiet, std::optional<int> gen_expected);
  ~ProgressPrinter();

  /// One line of ninja's output; `now` is when it arrived.
  void line(const std::string& text, Clock::time_point now = Clock::now());
  /// Ends an open progress line.
  void finish();
  int progress_lines() const { return progress_lines_; }
  /// What the line shows after the step counts at `now` ("" until two gen steps finished).
  std::string throughput(Clock::time_point now) const {
    return throughput_text(gen_finished_, now, gen_done_, gen_expected_);
  }

  /// "0.8 img/s, gen steps left ~35 s" for gen steps finished at `finished` times (the last
  /// minute of them), `done` of `expected`; "" until two have finished.
  static std::string throughput_text(const std::deque<Clock::time_point>& finished, Clock::time_point now, int done,
                                     std::optional<int> expected);

 private:
  bool tty_, quiet_, open_ = false;
  int progress_lines_ = 0;
  int gen_done_ = 0;
  std::optional<int> gen_expected_;
  std::deque<Clock::time_point> gen_finished_;  // the last minute's
};

}  // namespace dgxpx::cli
