#include "reports/summary.h"

#include <gtest/gtest.h>

#include "reports/render.h"
#include "tests/reports/sample_builder.h"

namespace rigor {
namespace {

using testing::error_sample;
using testing::ok_sample;
using testing::with_usage;

// Equivalence by string: enough for the summary's plumbing; the voting
// semantics are covered in metrics_test.
class StringScorer : public Scorer {
 public:
  Verdict score(std::string_view, std::string_view) const override { return {}; }
  bool equivalent(std::string_view a, std::string_view b) const override { return a == b; }
  std::string name() const override { return "string"; }
  std::string version() const override { return "1"; }
};

RunRecord run1() {
  RunRecord r;
  r.id = "run1";
  r.seed = 1;
  return r;
}

RunModelRecord model_record(const std::string& name, const std::string& pricing, double wall_s) {
  RunModelRecord m;
  m.run_id = "run1";
  m.model = name;
  m.engine = "openai";
  m.model_id = name + "-id";
  m.server_label = name + "-label";
  m.pricing_json = pricing;
  m.wall_s = wall_s;
  return m;
}

// api-model on "aime", n = 4:
//   p1: 4 finished, 2 correct (one wrong one truncated, one wrong one unextractable)
//   p2: 3 finished, all correct, 1 error
//   p3: 4 errors, nothing finished
std::vector<SampleRecord> api_samples() {
  std::vector<SampleRecord> v;
  auto used = [](SampleRecord s, double ttft, double tps) {
    s = with_usage(std::move(s), 100, 0, 1000, 800);
    s.ttft_s = ttft;
    s.decode_tps = tps;
    return s;
  };
  v.push_back(used(ok_sample("api-model", "aime", "p1", 0, true), 1, 50));
  v.push_back(used(ok_sample("api-model", "aime", "p1", 1, true), 2, 60));
  auto trunc = used(ok_sample("api-model", "aime", "p1", 2, false), 3, 70);
  trunc.truncated = true;
  trunc.finish_reason = "length";
  v.push_back(trunc);
  auto noext = used(ok_sample("api-model", "aime", "p1", 3, false), 4, 80);
  noext.extracted_ok = false;
  noext.extracted = "";
  v.push_back(noext);
  for (int i = 0; i < 3; ++i) v.push_back(used(ok_sample("api-model", "aime", "p2", i, true), 1, 90));
  v.push_back(error_sample("api-model", "aime", "p2", 3));
  for (int i = 0; i < 4; ++i) v.push_back(error_sample("api-model", "aime", "p3", i));
  return v;
}

SummaryOptions options(const Scorer* scorer) {
  SummaryOptions o;
  o.k_values = {1, 2, 4};
  o.n = 4;
  o.scorer_for_suite = [scorer](std::string_view) { return scorer; };
  return o;
}

TEST(Summary, CountsErrorsApartAndUsesEachProblemsOwnN) {
  StringScorer scorer;
  auto samples = api_samples();
  auto other = ok_sample("api-model", "aime", "p1", 9, false);
  other.run_id = "another-run";  // must be ignored
  samples.push_back(other);
  const auto out = summarize(run1(), {model_record("api-model", R"({"input":1,"cached_input":0.5,"output":2})", 100)},
                             samples, options(&scorer));
  ASSERT_EQ(out.size(), 1u);
  const SuiteSummary& s = out[0];
  EXPECT_EQ(s.model, "api-model");
  EXPECT_EQ(s.server_label, "api-model-label");
  EXPECT_EQ(s.problems, 3);
  EXPECT_EQ(s.problems_scored, 2);
  EXPECT_EQ(s.samples_planned, 12);
  EXPECT_EQ(s.samples_ok, 7);
  EXPECT_EQ(s.errors, 5);
  ASSERT_TRUE(s.pass1);
  EXPECT_DOUBLE_EQ(*s.pass1, (2.0 / 4 + 3.0 / 3) / 2);  // c_i / n_i, errors excluded
  EXPECT_LE(s.pass1_ci.lo, *s.pass1);
  EXPECT_GE(s.pass1_ci.hi, *s.pass1);

  ASSERT_EQ(s.pass_at_k.size(), 3u);
  EXPECT_EQ(s.pass_at_k.at(2).problems, 2);
  EXPECT_NEAR(*s.pass_at_k.at(2).value, (5.0 / 6 + 1.0) / 2, 1e-12);
  EXPECT_EQ(s.pass_at_k.at(4).problems, 1);  // p2 has only 3 finished samples
  EXPECT_DOUBLE_EQ(*s.pass_at_k.at(4).value, 1.0);

  ASSERT_TRUE(s.cons_at_n);
  EXPECT_DOUBLE_EQ(*s.cons_at_n, 1.0);  // p1: "42" x2 beats "7" x1 (the unextractable one does not vote)

  EXPECT_EQ(s.truncated, 1);
  EXPECT_DOUBLE_EQ(*s.trunc_rate, 1.0 / 7);
  EXPECT_EQ(s.extract_failed, 1);
  EXPECT_DOUBLE_EQ(*s.extract_fail_rate, 1.0 / 7);
}

TEST(Summary, ShuffledChoicesVoteForTheChoiceNotTheLetter) {
  // Two samples pick the correct choice (original index 0) shown as "C" and
  // "B"; three pick wrong choices under different letters. Choice 0 wins 2-1-1-1.
  auto vote = [](int idx, const char* letter, const char* perm, bool correct) {
    auto s = ok_sample("m", "gpqa", "q1", idx, correct, letter);
    s.permutation = perm;
    return s;
  };
  std::vector<SampleRecord> v{vote(0, "C", "[2,1,0,3]", true), vote(1, "B", "[3,0,1,2]", true),
                              vote(2, "A", "[2,1,0,3]", false), vote(3, "A", "[3,0,1,2]", false),
                              vote(4, "A", "[1,0,2,3]", false)};
  StringScorer scorer;
  SummaryOptions o{{1}, 5, [&scorer](std::string_view) -> const Scorer* { return &scorer; }, {}};
  const auto out = summarize(run1(), {}, v, o);
  EXPECT_DOUBLE_EQ(*out.at(0).cons_at_n, 1.0);  // by displayed letter "A" would have won 3-1-1
}

TEST(Summary, TokensSpeedAndApiCost) {
  const auto out = summarize(run1(), {model_record("api-model", R"({"input":1,"cached_input":0.5,"output":2})", 100)},
                             api_samples(), options(nullptr));
  const SuiteSummary& s = out.at(0);
  EXPECT_FALSE(s.cons_at_n);  // no scorer: not computed
  EXPECT_TRUE(s.usage_known());
  EXPECT_DOUBLE_EQ(*s.mean_reasoning_tokens, 800);
  EXPECT_DOUBLE_EQ(*s.mean_answer_tokens, 200);
  EXPECT_EQ(s.output_tokens, 7000);
  EXPECT_DOUBLE_EQ(*s.ttft_p50, 1.0);  // {1,1,1,1,2,3,4}
  EXPECT_NEAR(*s.ttft_p95, 3.7, 1e-12);
  EXPECT_DOUBLE_EQ(*s.decode_tps_p50, 80);  // {50,60,70,80,90,90,90}
  EXPECT_DOUBLE_EQ(*s.output_tps, 70);      // 7000 tokens / 100 s

  EXPECT_EQ(s.cost_basis, "api");
  const double total = 7 * (100 * 1.0 + 1000 * 2.0) / 1e6;
  EXPECT_NEAR(*s.cost_total, total, 1e-12);
  EXPECT_NEAR(*s.cost_per_problem, total / 3, 1e-12);
  EXPECT_NEAR(*s.cost_per_solved, total / (0.75 * 2), 1e-12);
  EXPECT_NEAR(*s.usd_per_m_output, total / 7000 * 1e6, 1e-9);
}

TEST(Summary, ServerWithoutUsageIsUnknownNotZero) {
  std::vector<SampleRecord> v;
  for (int p = 0; p < 2; ++p) {
    for (int i = 0; i < 2; ++i) v.push_back(ok_sample("quiet", "aime", "p" + std::to_string(p), i, i == 0));
  }
  const auto out = summarize(run1(), {model_record("quiet", R"({"input":1,"cached_input":0.5,"output":2})", 10)}, v,
                             SummaryOptions{{1}, 2, {}, {}});
  const SuiteSummary& s = out.at(0);
  EXPECT_FALSE(s.usage_known());
  EXPECT_FALSE(s.mean_reasoning_tokens);
  EXPECT_FALSE(s.mean_answer_tokens);
  EXPECT_FALSE(s.output_tps);
  EXPECT_FALSE(s.cost_total);
  EXPECT_EQ(s.cost_note, "server reported no usage");
  EXPECT_DOUBLE_EQ(*s.pass1, 0.5);
}

TEST(Summary, GpuHoursApportionedBySuiteOutputTokens) {
  std::vector<SampleRecord> v;
  v.push_back(with_usage(ok_sample("local", "aime", "a1", 0, true), 10, -1, 3000, -1));
  v.push_back(with_usage(ok_sample("local", "math", "m1", 0, false), 10, -1, 1000, -1));
  // 3.6 $/GPU-hour x 2 GPUs x 1000 s = $2, split 3:1 by output tokens.
  const auto out =
      summarize(run1(), {model_record("local", R"({"gpu_hour":3.6,"gpus":2})", 1000)}, v, SummaryOptions{{1}, 1, {}, {}});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].suite, "aime");
  EXPECT_EQ(out[0].cost_basis, "gpu-hour");
  EXPECT_NEAR(*out[0].cost_total, 1.5, 1e-12);
  EXPECT_NEAR(*out[1].cost_total, 0.5, 1e-12);
  EXPECT_NEAR(*out[0].cost_per_solved, 1.5, 1e-12);
  EXPECT_FALSE(out[1].cost_per_solved);  // nothing solved
  EXPECT_NEAR(*out[0].usd_per_m_output, 500, 1e-9);
  EXPECT_FALSE(out[0].mean_reasoning_tokens);  // server gave completion tokens only
}

TEST(Summary, NoPricingSaysSo) {
  std::vector<SampleRecord> v{with_usage(ok_sample("free", "aime", "p", 0, true), 1, 0, 1, 0)};
  const auto out = summarize(run1(), {model_record("free", "", 1)}, v, SummaryOptions{{1}, 1, {}, {}});
  EXPECT_FALSE(out.at(0).cost_total);
  EXPECT_EQ(out.at(0).cost_note, "no pricing configured");
}

TEST(Summary, RejectsKAboveNAndMalformedPricing) {
  std::vector<SampleRecord> v{ok_sample("m", "aime", "p", 0, true)};
  EXPECT_THROW(summarize(run1(), {}, v, SummaryOptions{{2}, 1, {}, {}}), std::invalid_argument);
  try {
    summarize(run1(), {model_record("m", R"({"input":1})", 1)}, v, SummaryOptions{{1}, 1, {}, {}});
    FAIL() << "expected a pricing error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("model m"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("cached_input"), std::string::npos) << e.what();
  }
}

TEST(Summary, ModelOrderFollowsRecordsThenNames) {
  std::vector<SampleRecord> v{ok_sample("b", "s", "p", 0, true), ok_sample("a", "s", "p", 0, true),
                              ok_sample("c", "s", "p", 0, true)};
  const auto out = summarize(run1(), {model_record("c", "", 1), model_record("b", "", 1)}, v, SummaryOptions{{1}, 1, {}, {}});
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].model, "c");
  EXPECT_EQ(out[1].model, "b");
  EXPECT_EQ(out[2].model, "a");
  EXPECT_EQ(out[2].cost_note, "no model record stored");
}

}  // namespace
}  // namespace rigor

namespace rigor {
namespace {

// A code suite's report says how isolated the sandbox was, and flags a run
// whose model code ran with rlimits only.
TEST(Summary, CodeSuitesReportTheSandboxIsolationAchieved) {
  std::vector<SampleRecord> v;
  auto a = testing::ok_sample("m", "humaneval", "HumanEval/0", 0, true);
  a.score_reason = "accepted: all tests passed; code: last fenced block (python); isolation: namespaces+seccomp+rlimits";
  auto b = testing::ok_sample("m", "humaneval", "HumanEval/1", 0, false);
  b.score_reason = "wrong answer: test 2 failed; isolation: rlimits-only";
  auto c = testing::ok_sample("m", "aime24", "aime24/60", 0, true);
  c.score_reason = "boxed";
  v = {a, b, c};
  SummaryOptions o;
  o.k_values = {1};
  o.n = 1;
  RunRecord run;
  run.id = "run1";
  const auto out = summarize(run, {}, v, o);
  ASSERT_EQ(out.size(), 2u);
  for (const auto& s : out) {
    if (s.suite == "humaneval") {
      EXPECT_EQ(s.sandbox_isolation, "namespaces+seccomp+rlimits, rlimits-only");
    } else {
      EXPECT_EQ(s.sandbox_isolation, "");
    }
  }
  std::string table = render(out, Format::kTable, make_meta({run}));
  EXPECT_NE(table.find("sandbox isolation"), std::string::npos);
  EXPECT_NE(table.find("rlimits-only"), std::string::npos);
}

}  // namespace
}  // namespace rigor
