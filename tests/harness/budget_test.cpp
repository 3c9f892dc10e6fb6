// The cost guard: the spend estimate and its basis, and the guard's stop
// condition (a sample's cost itself: pricing_test.cpp).
#include "harness/budget.h"

#include <gtest/gtest.h>

namespace rigor {
namespace {

TEST(Budget, EstimateUsesStoredLengthsElseMaxTokensUpperBound) {
  auto upper = estimate_spend(Pricing::per_token(1, 1, 10), 10, 4000, 2000, {});
  EXPECT_EQ(upper.observed, 0);
  EXPECT_EQ(upper.input_tokens, 1000);
  EXPECT_EQ(upper.output_tokens, 20000);
  EXPECT_NEAR(upper.usd, (1000 * 1 + 20000 * 10) / 1e6, 1e-12);
  EXPECT_NE(upper.basis().find("max_tokens"), std::string::npos);

  auto seen = estimate_spend(Pricing::per_token(1, 1, 10), 10, 4000, 2000, {100, 300, -1});
  EXPECT_EQ(seen.observed, 2);
  EXPECT_EQ(seen.output_tokens, 2000);
  EXPECT_NE(seen.basis().find("2 stored samples"), std::string::npos);

  EXPECT_EQ(estimate_spend(Pricing{}, 10, 4000, 2000, {}).usd, -1);
}

TEST(Budget, GuardCountsEarlierSessionsAndStopsAtEitherBudget) {
  BudgetGuard dollars(Budget{1.0, 0}, 0.6, 0);
  EXPECT_FALSE(dollars.exhausted());
  dollars.add(0.3, 100);
  EXPECT_FALSE(dollars.exhausted());
  dollars.add(-1, 100);  // unknown cost is not counted
  EXPECT_FALSE(dollars.exhausted());
  dollars.add(0.15, 100);
  EXPECT_TRUE(dollars.exhausted());
  EXPECT_NE(dollars.describe().find("of the $1.0000 budget"), std::string::npos) << dollars.describe();

  BudgetGuard tokens(Budget{0, 1000}, 0, 900);
  EXPECT_FALSE(tokens.exhausted());
  tokens.add(0, 100);
  EXPECT_TRUE(tokens.exhausted());
}

// Workers: what the run has stored counts, less what this session stored
// itself (already counted as it came back).
TEST(Budget, GuardSharesTheRunsStoredSpendWithoutCountingItsOwnTwice) {
  BudgetGuard guard(Budget{1.0, 10000}, 0.2, 1000);
  guard.add(0.3, 3000);        // this session's samples, 0.1 of them stored
  guard.committed(0.1, 1000);
  EXPECT_DOUBLE_EQ(guard.spent_usd(), 0.5);
  // The store now holds 0.9: 0.1 ours, 0.8 earlier sessions' and the other workers'.
  guard.share([&] {
    EXPECT_FALSE(guard.exhausted());  // the guard's lock is not held while the store is read
    return RunSpend{0.9, 5000};
  });
  EXPECT_DOUBLE_EQ(guard.spent_usd(), 0.8 + 0.3);
  EXPECT_EQ(guard.spent_tokens(), 4000 + 3000);
  EXPECT_TRUE(guard.exhausted());
  // Others never count below zero (a read before this session's commits landed).
  guard.share([] { return RunSpend{0.05, 0}; });
  EXPECT_DOUBLE_EQ(guard.spent_usd(), 0.3);
  EXPECT_EQ(guard.spent_tokens(), 3000);
  EXPECT_FALSE(guard.exhausted());
}

}  // namespace
}  // namespace rigor
