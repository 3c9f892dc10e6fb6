// `rigor compare` on the simulator's full model against its distill, at the
// metrics level: samples come from the simulator's pure generator
// (SimModel::generate, the same function the simulator server answers with),
// so no server is needed. The comparison must list exactly the problems the
// distill loses, and the paired interval must be narrower than the unpaired
// one on the same data (pairing removes the between-problem variance).
#include <gtest/gtest.h>

#include <map>

#include "sim/sim_generate.h"
#include "sim/sim_index.h"
#include "sim/sim_profile.h"
#include "reports/compare.h"
#include "suites/registry.h"

namespace rigor {
namespace {

constexpr int kN = 4;

// One run "r" holding both models on `suite`, n = 4 samples per problem.
std::vector<SampleRecord> simulated_run(const std::string& suite_name) {
  static auto index = std::make_shared<const SimIndex>(bundled_sim_index());
  auto profiles = load_sim_profiles(std::string(RIGOR_SOURCE_DIR) + "/configs/sim_profiles.toml");
  const Suite suite = load_suite(suite_name);
  std::vector<SampleRecord> out;
  for (const std::string model : {"full", "distill"}) {
    SimModel sim(profiles.at(model), index, /*server_seed=*/7);
    for (const Problem& p : suite.problems) {
      for (int k = 0; k < kN; ++k) {
        const uint64_t seed = sample_seed(7, suite_name, p.id, k);
        const std::string prompt = make_prompt(suite, p, seed).user_message;
        SimScript script = sim.generate(prompt, seed, std::nullopt);
        SampleRecord r;
        r.run_id = "r";
        r.model = model;
        r.suite = suite_name;
        r.problem_id = p.id;
        r.sample_idx = k;
        r.correct = script.correct && script.finish_reason == "stop";
        r.extracted_ok = script.answered;
        r.truncated = script.finish_reason == "length";
        out.push_back(std::move(r));
      }
    }
  }
  return out;
}

TEST(CompareDistill, ListsExactlyTheProblemsTheDistillLosesAndPairingNarrowsTheInterval) {
  const auto samples = simulated_run("math500");
  std::map<std::string, int> full, distill;
  for (const auto& s : samples) (s.model == "full" ? full : distill)[s.problem_id] += s.correct ? 1 : 0;

  CompareOptions opt;
  opt.pairs = {{"full", "distill"}};
  auto result = compare_runs("r", samples, "r", samples, opt);
  ASSERT_EQ(result.size(), 1u);
  const PairedComparison& c = result[0];
  EXPECT_EQ(c.problems, 500);

  // Expected from the raw samples: distill loses where full has more correct.
  std::map<std::string, double> expect_lost, expect_won;
  for (const auto& [id, cf] : full) {
    const int cd = distill.at(id);
    if (cf > cd) expect_lost[id] = (cf - cd) / double(kN);
    if (cd > cf) expect_won[id] = (cd - cf) / double(kN);
  }
  ASSERT_GT(expect_lost.size(), 20u);
  ASSERT_EQ(c.a_better.size(), expect_lost.size());
  ASSERT_EQ(c.b_better.size(), expect_won.size());
  for (size_t i = 0; i < c.a_better.size(); ++i) {
    const ProblemDelta& d = c.a_better[i];
    ASSERT_TRUE(expect_lost.count(d.problem_id)) << d.problem_id;
    EXPECT_DOUBLE_EQ(d.diff(), expect_lost.at(d.problem_id));
    if (i > 0) {
      EXPECT_GE(c.a_better[i - 1].diff(), d.diff()) << "ranked by gap";
    }
  }
  // The distill is weaker (profiles: 0.95 vs 0.85) and the interval says so.
  EXPECT_GT(c.diff, 0.05);
  EXPECT_GT(c.diff_ci.lo, 0);
  EXPECT_LT(c.p_value, 0.001);

  // Same data, unpaired: resample each model's problems independently.
  std::vector<double> a, b;
  for (const auto& [id, cf] : full) {
    a.push_back(cf / double(kN));
    b.push_back(distill.at(id) / double(kN));
  }
  const Interval unpaired = unpaired_bootstrap_ci(a, b);
  const double paired_width = c.diff_ci.hi - c.diff_ci.lo;
  const double unpaired_width = unpaired.hi - unpaired.lo;
  std::printf("math500 full - distill: %.3f, paired 95%% CI width %.4f, unpaired %.4f\n", c.diff, paired_width,
              unpaired_width);
  EXPECT_LT(paired_width, unpaired_width);
}

}  // namespace
}  // namespace rigor

namespace rigor {
namespace {

TEST(CompareDistill, PooledComparisonOverAllSuitesAndCostAndSpeedRatios) {
  auto samples = simulated_run("math500");
  auto aime = simulated_run("aime24");
  samples.insert(samples.end(), aime.begin(), aime.end());
  CompareOptions opt;
  opt.pairs = {{"full", "distill"}};
  auto cs = compare_runs("r", samples, "r", samples, opt);
  ASSERT_EQ(cs.size(), 3u);
  EXPECT_EQ(cs[0].suite, "aime24");
  EXPECT_EQ(cs[1].suite, "math500");
  EXPECT_EQ(cs[2].suite, kAllSuites);
  EXPECT_EQ(cs[2].problems, cs[0].problems + cs[1].problems);
  EXPECT_EQ(cs[2].a_better.size(), cs[0].a_better.size() + cs[1].a_better.size());
  EXPECT_NEAR(cs[2].diff, (cs[0].diff * cs[0].problems + cs[1].diff * cs[1].problems) / cs[2].problems, 1e-12);

  auto summary = [](const std::string& model, const std::string& suite, double cost, double problems, double tps) {
    SuiteSummary s;
    s.run_id = "r";
    s.model = model;
    s.suite = suite;
    s.problems = static_cast<int>(problems);
    s.cost_total = cost;
    s.cost_per_problem = cost / problems;
    s.decode_tps_p50 = tps;
    return s;
  };
  std::vector<SuiteSummary> sums{summary("full", "aime24", 3.0, 30, 40), summary("distill", "aime24", 0.3, 30, 160),
                                 summary("full", "math500", 10.0, 500, 50), summary("distill", "math500", 2.0, 500, 100)};
  add_ratios(cs, sums);
  EXPECT_NEAR(*cs[0].cost_ratio, 10.0, 1e-12);
  EXPECT_NEAR(*cs[0].speed_ratio, 0.25, 1e-12);
  EXPECT_NEAR(*cs[1].cost_ratio, 5.0, 1e-12);
  EXPECT_NEAR(*cs[2].cost_ratio, 13.0 / 2.3, 1e-12);
  EXPECT_FALSE(cs[2].speed_ratio);
  const std::string md = render_comparison(cs, Format::kMarkdown, ReportMeta{});
  EXPECT_NE(md.find("10.00x"), std::string::npos) << md;
  EXPECT_EQ(md.find("(all suites): A ="), std::string::npos) << "pooled problems are not listed twice";
}

}  // namespace
}  // namespace rigor
