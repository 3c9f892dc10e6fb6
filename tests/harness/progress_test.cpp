// The progress line: counts, errors and a token rate from the first line on.
#include "harness/progress.h"

#include <thread>

#include <gtest/gtest.h>

namespace rigor {
namespace {

TEST(Progress, FirstLineShowsCountsErrorsAndTheRateSoFar) {
  Progress p(false);  // no thread, no printing: line() only
  p.add_model("full", 10, 2);
  p.add_model("distill", 4, 0);
  p.start();
  p.record(0, true, 6000);
  p.record(0, false, 0);
  p.record(1, true, 4000);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const std::string line = p.line();
  EXPECT_NE(line.find("full 4/10 (1 err)"), std::string::npos) << line;
  EXPECT_NE(line.find("distill 1/4"), std::string::npos) << line;
  // 10,000 tokens in ~50 ms: a rate, not "0 tok/s" for want of a window.
  EXPECT_EQ(line.find(" 0 tok/s"), std::string::npos) << line;
  EXPECT_NE(line.find(" tok/s"), std::string::npos) << line;
  p.stop();
}

}  // namespace
}  // namespace rigor
