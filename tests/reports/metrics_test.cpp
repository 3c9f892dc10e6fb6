#include "reports/metrics.h"

#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/case_table.h"
#include "tests/reports/sample_builder.h"

namespace rigor {
namespace {

TEST(PassAtK, MatchesExactValuesFromTable) {
  const auto rows = testing::read_cases("reports_pass_at_k.tsv", 4);
  ASSERT_GE(rows.size(), 10u);
  for (const auto& r : rows) {
    const int n = std::stoi(r[0]), c = std::stoi(r[1]), k = std::stoi(r[2]);
    EXPECT_NEAR(pass_at_k(n, c, k), std::stod(r[3]), 1e-12) << "n=" << n << " c=" << c << " k=" << k;
  }
}

TEST(PassAtK, EdgesAreExact) {
  EXPECT_EQ(pass_at_k(16, 0, 4), 0.0);
  EXPECT_EQ(pass_at_k(16, 16, 4), 1.0);
  EXPECT_EQ(pass_at_k(16, 1, 16), 1.0);  // k == n: any correct sample is drawn
  EXPECT_DOUBLE_EQ(pass_at_k(16, 5, 1), 5.0 / 16);
}

TEST(PassAtK, RejectsImpossibleArguments) {
  EXPECT_THROW(pass_at_k(4, 2, 5), std::invalid_argument);  // k > n
  EXPECT_THROW(pass_at_k(4, 2, 0), std::invalid_argument);
  EXPECT_THROW(pass_at_k(4, 5, 1), std::invalid_argument);
  EXPECT_THROW(pass_at_k(4, -1, 1), std::invalid_argument);
  EXPECT_THROW(pass_at_k(0, 0, 1), std::invalid_argument);
}

// Equivalence that is not string equality: "0.5" and "1/2" are the same answer.
bool same_number(std::string_view a, std::string_view b) {
  auto value = [](std::string_view s) {
    auto slash = s.find('/');
    if (slash == std::string_view::npos) return std::stod(std::string(s));
    return std::stod(std::string(s.substr(0, slash))) / std::stod(std::string(s.substr(slash + 1)));
  };
  return value(a) == value(b);
}

TEST(ConsAtN, MajorityUsesScorerEquivalenceNotStrings) {
  // "1/2" and "0.5" together outnumber "3" although each string alone does not.
  std::vector<Vote> votes{{"3", false}, {"3", false}, {"1/2", true}, {"0.5", true}, {"2/4", true}};
  EXPECT_EQ(cons_credit(votes, same_number), 1.0);
}

TEST(ConsAtN, WrongMajorityGetsNoCredit) {
  std::vector<Vote> votes{{"3", false}, {"3", false}, {"3", false}, {"1/2", true}};
  EXPECT_EQ(cons_credit(votes, same_number), 0.0);
}

TEST(ConsAtN, TieCreditIsFractionOfTiedAnswersThatAreCorrect) {
  // Three classes of two votes each, one of them correct; a singleton does not tie.
  std::vector<Vote> votes{{"1", true}, {"1", true}, {"2", false}, {"2", false}, {"3", false}, {"3", false},
                          {"4", false}};
  EXPECT_DOUBLE_EQ(cons_credit(votes, same_number), 1.0 / 3);
  std::vector<Vote> two{{"1", true}, {"2", false}};
  EXPECT_DOUBLE_EQ(cons_credit(two, same_number), 0.5);
}

TEST(ConsAtN, NoVotesGivesZeroAndMeanIsOverProblems) {
  EXPECT_EQ(cons_credit({}, same_number), 0.0);
  // Problem 1: correct majority; problem 2: nobody voted (all extractions failed).
  std::vector<std::vector<Vote>> per_problem{{{"1", true}, {"1", true}, {"2", false}}, {}};
  EXPECT_DOUBLE_EQ(cons_at_n(per_problem, same_number), 0.5);
}

TEST(Percentile, LinearInterpolationTable) {
  for (const auto& r : testing::read_cases("reports_percentile.tsv", 3)) {
    std::vector<double> values;
    std::stringstream ss(r[0]);
    std::string v;
    while (std::getline(ss, v, ',')) values.push_back(std::stod(v));
    auto got = percentile(values, std::stod(r[1]));
    ASSERT_TRUE(got.has_value());
    EXPECT_NEAR(*got, std::stod(r[2]), 1e-12) << r[0] << " q=" << r[1];
  }
}

TEST(Percentile, EmptyIsUnknownAndBadQuantileThrows) {
  EXPECT_FALSE(percentile({}, 0.5).has_value());
  EXPECT_THROW(percentile({1.0}, 1.5), std::invalid_argument);
  EXPECT_THROW(percentile({1.0}, -0.1), std::invalid_argument);
}

std::vector<double> coin_values(int m, int every) {
  std::vector<double> v;
  for (int i = 0; i < m; ++i) v.push_back(i % every == 0 ? 1.0 : 0.0);
  return v;
}

double mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s / v.size();
}

TEST(Bootstrap, SameSeedSameIntervalDifferentSeedDiffers) {
  std::vector<double> v;
  for (int i = 0; i < 40; ++i) v.push_back((i * i % 17) / 17.0 + i * 1e-3);
  const Interval a = bootstrap_ci(v, 2000, 7);
  const Interval b = bootstrap_ci(v, 2000, 7);
  EXPECT_EQ(a.lo, b.lo);
  EXPECT_EQ(a.hi, b.hi);
  const Interval c = bootstrap_ci(v, 2000, 8);
  EXPECT_TRUE(a.lo != c.lo || a.hi != c.hi);
}

TEST(Bootstrap, ContainsTheMeanAndNarrowsWithMoreProblems) {
  const auto small = coin_values(30, 3);
  const auto large = coin_values(300, 3);
  const Interval s = bootstrap_ci(small);
  const Interval l = bootstrap_ci(large);
  EXPECT_LT(s.lo, mean(small));
  EXPECT_GT(s.hi, mean(small));
  EXPECT_LT(l.lo, mean(large));
  EXPECT_GT(l.hi, mean(large));
  EXPECT_LT(l.hi - l.lo, (s.hi - s.lo) * 0.6);  // ~ 1/sqrt(10) in theory
  EXPECT_GE(s.lo, 0.0);
  EXPECT_LE(s.hi, 1.0);
}

TEST(Bootstrap, ConstantValuesGiveAPointInterval) {
  const Interval i = bootstrap_ci(std::vector<double>(20, 0.25));
  EXPECT_DOUBLE_EQ(i.lo, 0.25);
  EXPECT_DOUBLE_EQ(i.hi, 0.25);
}

TEST(Bootstrap, RefusesTooFewResamplesOrNoValues) {
  EXPECT_THROW(bootstrap_ci({1.0, 0.0}, 1999), std::invalid_argument);
  EXPECT_THROW(bootstrap_ci({}), std::invalid_argument);
}

TEST(Cost, ApiPricesCachedUncachedAndOutputSeparately) {
  // 600 uncached, 400 cached, 2000 output (reasoning included) tokens.
  auto s = testing::with_usage(testing::ok_sample("m", "s", "p", 0, true), 1000, 400, 2000, 1500);
  auto c = cost_of(s, Pricing::per_token(1.0, 0.25, 4.0));
  ASSERT_TRUE(c.has_value());
  EXPECT_NEAR(*c, (600 * 1.0 + 400 * 0.25 + 2000 * 4.0) / 1e6, 1e-15);
}

TEST(Cost, UnknownCachedCountsAsUncachedUnknownTokensMeanUnknownCost) {
  auto s = testing::with_usage(testing::ok_sample("m", "s", "p", 0, true), 1000, -1, 10, -1);
  EXPECT_NEAR(*cost_of(s, Pricing::per_token(2.0, 0.5, 8.0)), (1000 * 2.0 + 10 * 8.0) / 1e6, 1e-15);
  s.completion_tokens = -1;
  EXPECT_FALSE(cost_of(s, Pricing::per_token(2.0, 0.5, 8.0)).has_value());
  s.completion_tokens = 10;
  s.prompt_tokens = -1;
  EXPECT_FALSE(cost_of(s, Pricing::per_token(2.0, 0.5, 8.0)).has_value());
}

}  // namespace
}  // namespace rigor
