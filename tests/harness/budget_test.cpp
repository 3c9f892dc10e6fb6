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

}  // namespace
}  // namespace rigor
