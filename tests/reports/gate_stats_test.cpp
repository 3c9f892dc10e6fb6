// The gate's statistical promises (issue 6), on synthetic runs (gate_synth.h):
// no more than 4 alarms over 200 same-profile run pairs with different seeds
// (all suites together), and a 10-point MATH-500 drop at n = 4 caught in at
// least 95 of 100 seeded runs. Both use the DEFAULT GateOptions.
#include <gtest/gtest.h>

#include "reports/gate.h"
#include "tests/reports/gate_synth.h"

namespace rigor {
namespace {

using testing::full_profile_suites;
using testing::synth_run;

int alarms_over_pairs(int pairs, uint64_t seed0, const std::string& drop_suite, double drop,
                      const std::vector<testing::SynthSuite>& suites, std::string* first_alarm = nullptr) {
  int failed = 0;
  for (int i = 0; i < pairs; ++i) {
    auto base = synth_run("base", suites, 4, seed0 + 2 * i);
    auto cur = synth_run("cur", suites, 4, seed0 + 2 * i + 1, drop_suite, drop);
    GateResult r = run_gate("base", base, "cur", cur);
    if (r.failed()) {
      ++failed;
      if (first_alarm && first_alarm->empty()) *first_alarm = render_gate_markdown(r, GateOptions{});
    }
  }
  return failed;
}

TEST(GateStats, SameProfileDifferentSeedsRaiseAtMostFourAlarmsIn200Pairs) {
  std::string example;
  const int alarms = alarms_over_pairs(200, 1000, "", 0, full_profile_suites(), &example);
  std::printf("gate false alarms: %d / 200 run pairs (5 suites, n = 4)\n", alarms);
  EXPECT_LE(alarms, 4) << example;
}

TEST(GateStats, TenPointMath500DropAtN4CaughtIn95Of100) {
  const int caught = alarms_over_pairs(100, 50000, "math500", 0.10, full_profile_suites());
  std::printf("gate detections (math500 0.95 -> 0.85): %d / 100\n", caught);
  EXPECT_GE(caught, 95);
}

TEST(GateStats, TenPointDropOfAWeakerProfileIsCaughtToo) {
  // The distill profile's MATH-500 (0.85 -> 0.75): more per-problem noise.
  auto suites = full_profile_suites();
  for (auto& s : suites) {
    if (s.name == "math500") s.accuracy = 0.85;
  }
  const int caught = alarms_over_pairs(100, 90000, "math500", 0.10, suites);
  std::printf("gate detections (math500 0.85 -> 0.75): %d / 100\n", caught);
  EXPECT_GE(caught, 95);
}

}  // namespace
}  // namespace rigor
