#include "reports/compare.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/reports/sample_builder.h"

namespace rigor {
namespace {

using testing::error_sample;
using testing::ok_sample;

// n samples per problem; `correct(problem, idx)` decides each verdict.
template <typename Correct>
std::vector<SampleRecord> run(const std::string& id, const std::string& model, int problems, int n,
                              Correct correct) {
  std::vector<SampleRecord> v;
  for (int p = 0; p < problems; ++p) {
    for (int i = 0; i < n; ++i) {
      auto s = ok_sample(model, "aime", "p" + std::to_string(p), i, correct(p, i));
      s.run_id = id;
      v.push_back(s);
    }
  }
  return v;
}

TEST(Compare, IdenticalRunsShowNoDifference) {
  auto pattern = [](int p, int i) { return (p * 7 + i) % 3 == 0; };
  const auto a = run("A", "m", 40, 4, pattern);
  const auto b = run("B", "m", 40, 4, pattern);
  const auto cs = compare_runs("A", a, "B", b);
  ASSERT_EQ(cs.size(), 1u);
  const auto& c = cs[0];
  EXPECT_EQ(c.problems, 40);
  EXPECT_DOUBLE_EQ(c.diff, 0.0);
  EXPECT_DOUBLE_EQ(c.diff_ci.lo, 0.0);
  EXPECT_DOUBLE_EQ(c.diff_ci.hi, 0.0);
  EXPECT_DOUBLE_EQ(c.p_value, 1.0);
  EXPECT_TRUE(c.a_better.empty());
  EXPECT_TRUE(c.b_better.empty());
}

TEST(Compare, ClearlyBetterRunIsSignificantAndListedByGap) {
  // A solves every problem; B solves problems 0..9 fully, 10..19 half the time, 20..39 never.
  const auto a = run("A", "full", 40, 4, [](int, int) { return true; });
  const auto b = run("B", "distill", 40, 4, [](int p, int i) { return p < 10 || (p < 20 && i % 2 == 0); });
  const auto cs = compare_runs("A", a, "B", b);  // one model each: paired despite different names
  ASSERT_EQ(cs.size(), 1u);
  const auto& c = cs[0];
  EXPECT_EQ(c.model_a, "full");
  EXPECT_EQ(c.model_b, "distill");
  EXPECT_DOUBLE_EQ(c.pass1_a, 1.0);
  EXPECT_DOUBLE_EQ(c.pass1_b, (10 + 5) / 40.0);
  EXPECT_DOUBLE_EQ(c.diff, 1.0 - 15 / 40.0);
  EXPECT_GT(c.diff_ci.lo, 0.4);
  EXPECT_LT(c.diff_ci.hi, 0.85);
  EXPECT_LT(c.p_value, 0.001);
  ASSERT_EQ(c.a_better.size(), 30u);
  EXPECT_TRUE(c.b_better.empty());
  EXPECT_DOUBLE_EQ(c.a_better.front().diff(), 1.0);  // never-solved problems first
  EXPECT_DOUBLE_EQ(c.a_better.back().diff(), 0.5);
}

TEST(Compare, ErrorsAreLeftOutAndUnsharedProblemsCounted) {
  auto a = run("A", "m", 3, 2, [](int, int) { return true; });
  auto b = run("B", "m", 2, 2, [](int, int) { return true; });
  // In B, p1 failed with errors on one sample: its rate is over the one that finished.
  b[3] = error_sample("m", "aime", "p1", 1);
  b[3].run_id = "B";
  const auto c = compare_runs("A", a, "B", b).at(0);
  EXPECT_EQ(c.problems, 2);
  EXPECT_EQ(c.only_a, 1);  // p2
  EXPECT_EQ(c.only_b, 0);
  EXPECT_DOUBLE_EQ(c.diff, 0.0);
}

TEST(Compare, SameSeedSameAnswer) {
  const auto a = run("A", "m", 25, 3, [](int p, int i) { return (p + i) % 2 == 0; });
  const auto b = run("B", "m", 25, 3, [](int p, int i) { return (p * i) % 3 == 0; });
  const auto x = compare_runs("A", a, "B", b).at(0);
  const auto y = compare_runs("A", a, "B", b).at(0);
  EXPECT_EQ(x.diff_ci.lo, y.diff_ci.lo);
  EXPECT_EQ(x.diff_ci.hi, y.diff_ci.hi);
  EXPECT_EQ(x.p_value, y.p_value);
}

TEST(Compare, PairingNeedsNamesWhenAmbiguous) {
  auto a = run("A", "x", 2, 1, [](int, int) { return true; });
  auto a2 = run("A", "y", 2, 1, [](int, int) { return true; });
  a.insert(a.end(), a2.begin(), a2.end());
  const auto b = run("B", "z", 2, 1, [](int, int) { return false; });
  EXPECT_THROW(compare_runs("A", a, "B", b), std::invalid_argument);
  CompareOptions opt;
  opt.pairs = {{"y", "z"}};
  const auto cs = compare_runs("A", a, "B", b, opt);
  ASSERT_EQ(cs.size(), 1u);
  EXPECT_EQ(cs[0].model_a, "y");
  EXPECT_DOUBLE_EQ(cs[0].diff, 1.0);
  opt.pairs = {{"nope", "z"}};
  EXPECT_THROW(compare_runs("A", a, "B", b, opt), std::invalid_argument);
}

TEST(SignFlip, ExactSmallCase) {
  // Three equal positive differences: only the all-plus and all-minus sign
  // patterns are as extreme, 2 of 8; with many resamples p ~ 1/4.
  const double p = sign_flip_p_value({1, 1, 1}, 20000, 3);
  EXPECT_NEAR(p, 0.25, 0.02);
  EXPECT_DOUBLE_EQ(sign_flip_p_value({}, 100, 1), 1.0);
}

TEST(RenderComparison, EscapesProblemIdsAndParsesAsJson) {
  auto a = run("A", "m", 2, 1, [](int, int) { return true; });
  auto b = run("B", "m", 2, 1, [](int, int) { return false; });
  for (auto* v : {&a, &b}) (*v)[0].problem_id = "p|<script>\n";
  const auto cs = compare_runs("A", a, "B", b);
  const ReportMeta meta = make_meta({});
  const std::string md = render_comparison(cs, Format::kMarkdown, meta);
  EXPECT_EQ(md.find("<script>"), std::string::npos);
  EXPECT_NE(md.find("p\\|&lt;script&gt;"), std::string::npos) << md;
  const auto j = nlohmann::json::parse(render_comparison(cs, Format::kJson, meta));
  EXPECT_EQ(j.at("comparisons").at(0).at("a_better").size(), 2u);
  // Equal gaps rank by problem id: "p1" < "p|...".
  EXPECT_EQ(j.at("comparisons").at(0).at("a_better").at(1).at("problem_id"), "p|<script>\n");
  const std::string html = render_comparison(cs, Format::kHtml, meta);
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_NE(html.find("p|&lt;script&gt;"), std::string::npos) << html;
  const std::string table = render_comparison(cs, Format::kTable, meta);
  EXPECT_NE(table.find("p|<script>\\x0a"), std::string::npos) << table;
}

}  // namespace
}  // namespace rigor
