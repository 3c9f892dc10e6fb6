// The cost guard: sample cost (with cache writes), the estimate and its
// basis, and the guard's stop condition.
#include "harness/budget.h"

#include <gtest/gtest.h>

namespace rigor {
namespace {

ModelPricing api(double in, double cached, double out, double write = -1) {
  ModelPricing p;
  p.input = in;
  p.cached_input = cached;
  p.output = out;
  p.cache_write = write;
  return p;
}

TEST(Budget, CostPricesCacheReadsWritesAndUncachedInputSeparately) {
  Usage u;
  u.prompt_tokens = 3000;
  u.cached_tokens = 1000;
  u.cache_write_tokens = 1500;
  u.completion_tokens = 200;
  // 500 uncached x 3 + 1000 x 0.3 + 1500 x 3.75 + 200 x 15
  EXPECT_NEAR(usage_cost_usd(api(3, 0.3, 15, 3.75), u), (1500 + 300 + 5625 + 3000) / 1e6, 1e-12);
  // Without a cache_write price, writes cost what input costs.
  EXPECT_NEAR(usage_cost_usd(api(3, 0.3, 15), u), (1500 + 300 + 4500 + 3000) / 1e6, 1e-12);
  EXPECT_EQ(usage_cost_usd(ModelPricing{}, u), -1);
  u.completion_tokens = -1;
  EXPECT_EQ(usage_cost_usd(api(3, 0.3, 15), u), -1);
}

TEST(Budget, EstimateUsesStoredLengthsElseMaxTokensUpperBound) {
  auto upper = estimate_spend(api(1, 1, 10), 10, 4000, 2000, {});
  EXPECT_EQ(upper.observed, 0);
  EXPECT_EQ(upper.input_tokens, 1000);
  EXPECT_EQ(upper.output_tokens, 20000);
  EXPECT_NEAR(upper.usd, (1000 * 1 + 20000 * 10) / 1e6, 1e-12);
  EXPECT_NE(upper.basis().find("max_tokens"), std::string::npos);

  auto seen = estimate_spend(api(1, 1, 10), 10, 4000, 2000, {100, 300, -1});
  EXPECT_EQ(seen.observed, 2);
  EXPECT_EQ(seen.output_tokens, 2000);
  EXPECT_NE(seen.basis().find("2 stored samples"), std::string::npos);

  EXPECT_EQ(estimate_spend(ModelPricing{}, 10, 4000, 2000, {}).usd, -1);
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
