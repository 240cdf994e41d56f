// The build's progress line: images per second over the last minute of gen steps, and the time
// left for the gen steps still to run.
#include <catch2/catch.hpp>

#include "compiler/cli/progress_printer.h"

using dgxpx::cli::ProgressPrinter;
using Clock = ProgressPrinter::Clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

TEST_CASE("throughput is images per second over the samples, ETA from what is left", "[cli][progress]") {
  const Clock::time_point t0{};
  std::deque<Clock::time_point> finished;
  CHECK(ProgressPrinter::throughput_text(finished, t0, 0, 10).empty());
  finished.push_back(t0);
  CHECK(ProgressPrinter::throughput_text(finished, t0, 1, 10).empty());  // one sample: no rate yet
  // 5 images 2 s apart: 4 intervals over 8 s = 0.5 img/s; 6 of 11 done, 5 left = 10 s
  for (int i = 1; i < 5; ++i) finished.push_back(t0 + seconds(2 * i));
  CHECK(ProgressPrinter::throughput_text(finished, t0 + seconds(8), 5, 10) == "0.50 img/s, gen ~10 s left");
  // without a known total there is no ETA
  CHECK(ProgressPrinter::throughput_text(finished, t0 + seconds(8), 5, std::nullopt) == "0.50 img/s");
  // all done: no ETA
  CHECK(ProgressPrinter::throughput_text(finished, t0 + seconds(8), 10, 10) == "0.50 img/s");
}

TEST_CASE("the rate covers the last minute of gen steps only", "[cli][progress]") {
  ProgressPrinter printer(/*quiet=*/true, 1000);
  const Clock::time_point t0{};
  // A slow start (1 image/10 s for 10 minutes), then fast (10 images/s).
  for (int i = 0; i < 60; ++i) printer.line("[" + std::to_string(i + 1) + "/2000] gen hero/" + std::to_string(i), t0 + seconds(10 * i));
  const Clock::time_point fast = t0 + seconds(600);
  for (int i = 0; i < 700; ++i)
    printer.line("[" + std::to_string(61 + i) + "/2000] gen hero/f" + std::to_string(i), fast + milliseconds(100 * i));
  CHECK(printer.progress_lines() == 760);
  // The last minute held 600 intervals of 0.1 s: 10 img/s, not the average since the start;
  // 240 of the 1,000 expected gen steps left.
  const Clock::time_point last = fast + milliseconds(100 * 699);
  CHECK(printer.throughput(last) == "10 img/s, gen ~24 s left");
  // Pixel and pack lines are progress, not gen work.
  printer.line("[761/2000] pixel hero/0", last + seconds(1));
  CHECK(printer.progress_lines() == 761);
  CHECK(printer.throughput(last) == "10 img/s, gen ~24 s left");
}

TEST_CASE("the ETA grows to minutes and hours", "[cli][progress]") {
  const Clock::time_point t0{};
  std::deque<Clock::time_point> finished = {t0, t0 + seconds(10)};  // 0.1 img/s
  CHECK(ProgressPrinter::throughput_text(finished, t0 + seconds(10), 2, 62) == "0.10 img/s, gen ~10 min left");
  CHECK(ProgressPrinter::throughput_text(finished, t0 + seconds(10), 2, 1002) == "0.10 img/s, gen ~2.8 h left");
}
