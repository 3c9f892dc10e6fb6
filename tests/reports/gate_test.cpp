// What the gate decides on small hand-built runs, and what its CI comment says.
#include <gtest/gtest.h>

#include <sstream>

#include "reports/gate.h"
#include "tests/case_table.h"
#include "tests/reports/sample_builder.h"

namespace rigor {
namespace {

using testing::error_sample;
using testing::ok_sample;

// `problems` problems x `n` samples; problem i has correct[i] correct samples.
std::vector<SampleRecord> run_of(const std::string& run, const std::string& model, const std::string& suite,
                                 const std::vector<int>& correct, int n) {
  std::vector<SampleRecord> out;
  for (size_t i = 0; i < correct.size(); ++i) {
    for (int k = 0; k < n; ++k) {
      auto s = ok_sample(model, suite, "p" + std::to_string(i), k, k < correct[i]);
      s.run_id = run;
      out.push_back(s);
    }
  }
  return out;
}

const GateCheck& find(const GateResult& r, GateMetric m, const std::string& suite = "math500") {
  for (const auto& c : r.checks) {
    if (c.metric == m && c.suite == suite) return c;
  }
  throw std::runtime_error("no check");
}

TEST(Gate, IdenticalRunsPass) {
  std::vector<int> c(40, 3);
  for (size_t i = 0; i < c.size(); i += 3) c[i] = 1;
  auto base = run_of("b", "m", "math500", c, 4);
  auto cur = run_of("c", "m", "math500", c, 4);
  GateResult r = run_gate("b", base, "c", cur);
  EXPECT_FALSE(r.failed());
  EXPECT_EQ(r.pairs, 1);
  EXPECT_EQ(find(r, GateMetric::kPass1).problems, 40);
  EXPECT_DOUBLE_EQ(find(r, GateMetric::kPass1).delta, 0);
  EXPECT_NE(render_gate_markdown(r, {}).find("## rigor gate: PASS"), std::string::npos);
}

TEST(Gate, ClearDropIsARegressionAndNamedInTheComment) {
  std::vector<int> before(60, 4), after(60, 4);
  for (size_t i = 0; i < after.size(); i += 2) after[i] = 2;  // -25 points
  GateResult r = run_gate("b", run_of("b", "m", "math500", before, 4), "c", run_of("c", "m", "math500", after, 4));
  ASSERT_TRUE(r.failed());
  const GateCheck& p = find(r, GateMetric::kPass1);
  EXPECT_TRUE(p.alarm);
  EXPECT_NEAR(p.delta, -0.25, 1e-12);
  ASSERT_TRUE(p.ci);
  EXPECT_LT(p.ci->hi, 0);
  const std::string md = render_gate_markdown(r, {});
  EXPECT_NE(md.find("FAIL (1 alarm)"), std::string::npos) << md;
  EXPECT_NE(md.find("**REGRESSION**"), std::string::npos) << md;
}

TEST(Gate, MinEffectSparesASmallButCertainDrop) {
  std::vector<int> before(200, 4), after(200, 4);
  for (size_t i = 0; i < after.size(); i += 5) after[i] = 3;  // -5 points, certain
  auto b = run_of("b", "m", "math500", before, 4);
  auto c = run_of("c", "m", "math500", after, 4);
  EXPECT_TRUE(run_gate("b", b, "c", c).failed());
  GateOptions o;
  o.min_effect = 0.06;
  EXPECT_FALSE(run_gate("b", b, "c", c, o).failed());
}

TEST(Gate, NoisyDropOnFewProblemsDoesNotAlarm) {
  std::vector<int> before{4, 0, 4, 0, 2}, after{3, 0, 4, 0, 2};
  GateResult r = run_gate("b", run_of("b", "m", "aime24", before, 4), "c", run_of("c", "m", "aime24", after, 4));
  EXPECT_FALSE(r.failed());
}

TEST(Gate, TruncationRiseBeyondThresholdAlarms) {
  std::vector<int> c(50, 2);
  auto base = run_of("b", "m", "math500", c, 4);
  auto cur = run_of("c", "m", "math500", c, 4);
  for (auto& s : cur) {
    if (!s.correct && s.sample_idx == 2) {  // a quarter of all samples now truncated
      s.truncated = true;
      s.extracted_ok = false;
    }
  }
  GateResult r = run_gate("b", base, "c", cur);
  EXPECT_TRUE(find(r, GateMetric::kTruncRate).alarm);
  EXPECT_TRUE(find(r, GateMetric::kExtractFailRate).alarm);
  EXPECT_FALSE(find(r, GateMetric::kPass1).alarm);
  GateOptions lax;
  lax.max_trunc_rise = 0.3;
  lax.max_extract_fail_rise = 0.3;
  EXPECT_FALSE(run_gate("b", base, "c", cur, lax).failed());
}

TEST(Gate, ErrorRiseAlarmsEvenWhenAProblemHasNoFinishedSample) {
  std::vector<int> c(50, 2);
  auto base = run_of("b", "m", "math500", c, 4);
  std::vector<SampleRecord> cur;
  for (const auto& s : base) {
    SampleRecord x = s;
    x.run_id = "c";
    if (x.problem_id < "p3") {  // p0-p2, p10-p29: every sample errored
      x = error_sample("m", "math500", s.problem_id, s.sample_idx);
      x.run_id = "c";
    }
    cur.push_back(x);
  }
  GateResult r = run_gate("b", base, "c", cur);
  const GateCheck& e = find(r, GateMetric::kErrorRate);
  EXPECT_TRUE(e.alarm);
  EXPECT_EQ(e.problems, 50);
  EXPECT_GT(e.delta, 0.2);
}

TEST(Gate, SuiteMissingFromCurrentRunFails) {
  std::vector<int> c(10, 2);
  auto base = run_of("b", "m", "math500", c, 4);
  auto more = run_of("b", "m", "aime24", c, 4);
  base.insert(base.end(), more.begin(), more.end());
  GateResult r = run_gate("b", base, "c", run_of("c", "m", "math500", c, 4));
  ASSERT_EQ(r.missing.size(), 1u);
  EXPECT_EQ(r.missing[0], "m/aime24");
  EXPECT_TRUE(r.failed());
  EXPECT_NE(render_gate_markdown(r, {}).find("MISSING"), std::string::npos);
}

TEST(Gate, BonferroniLevelFollowsThePairsChecked) {
  std::vector<int> c(10, 2);
  auto base = run_of("b", "m", "math500", c, 4);
  auto more = run_of("b", "m", "aime24", c, 4);
  base.insert(base.end(), more.begin(), more.end());
  auto cur = base;
  for (auto& s : cur) s.run_id = "c";
  GateResult r = run_gate("b", base, "c", cur);
  EXPECT_EQ(r.pairs, 2);
  EXPECT_NEAR(r.level, 1 - 2 * 0.005 / 2, 1e-12);
}

TEST(Gate, CommentEscapesModelNames) {
  std::vector<int> c(10, 2);
  auto base = run_of("b", "<img src=x onerror=alert(1)>|", "math500", c, 4);
  auto cur = base;
  for (auto& s : cur) s.run_id = "c";
  const std::string md = render_gate_markdown(run_gate("b", base, "c", cur), {});
  EXPECT_EQ(md.find("<img"), std::string::npos) << md;
}

// "4x30,0x2" -> thirty 4s then two 0s.
std::vector<int> expand(const std::string& spec) {
  std::vector<int> out;
  std::stringstream ss(spec);
  std::string part;
  while (std::getline(ss, part, ',')) {
    const auto x = part.find('x');
    if (x == std::string::npos) throw std::runtime_error("bad segment " + part);
    out.insert(out.end(), std::stoi(part.substr(x + 1)), std::stoi(part.substr(0, x)));
  }
  return out;
}

TEST(Gate, DecisionTable) {
  int cases = 0;
  for (const auto& c : testing::read_cases("gate_decisions.tsv", 6)) {
    const std::string &name = c[0], &n = c[1], &base = c[2], &cur = c[3], &min_effect = c[4], &expected = c[5];
    GateOptions o;
    o.min_effect = std::stod(min_effect);
    GateResult r = run_gate("b", run_of("b", "m", "math500", expand(base), std::stoi(n)), "c",
                            run_of("c", "m", "math500", expand(cur), std::stoi(n)), o);
    EXPECT_EQ(r.failed() ? "regression" : "pass", expected) << name << "\n" << render_gate_markdown(r, o);
    ++cases;
  }
  EXPECT_GE(cases, 9);
}

TEST(Gate, RejectsOutOfRangeOptions) {
  GateOptions o;
  o.alpha = 0;
  EXPECT_THROW(run_gate("b", {}, "c", {}, o), std::invalid_argument);
  o = {};
  o.min_effect = -0.1;
  EXPECT_THROW(run_gate("b", {}, "c", {}, o), std::invalid_argument);
}

}  // namespace
}  // namespace rigor
