// Pricing: the stored pricing_json round trip, and cost_usd(), the one
// function that prices a request's usage.
#include "base/pricing.h"

#include <gtest/gtest.h>

namespace rigor {
namespace {

TEST(Pricing, ParsesApiAndGpuShapes) {
  auto a = parse_pricing(R"({"input": 0.55, "cached_input": 0.14, "output": 2.19})");
  ASSERT_TRUE(a.has_value()) << a.error();
  ASSERT_TRUE(a->has_value());
  EXPECT_TRUE((*a)->is_api());
  EXPECT_DOUBLE_EQ((*a)->input, 0.55);
  EXPECT_DOUBLE_EQ((*a)->cached_input, 0.14);
  EXPECT_DOUBLE_EQ((*a)->output, 2.19);
  EXPECT_LT((*a)->cache_write, 0) << "absent: priced as input";

  auto g = parse_pricing(R"({"gpu_hour": 2.0, "gpus": 8})");
  ASSERT_TRUE(g.has_value()) << g.error();
  EXPECT_TRUE((*g)->is_self_hosted());
  EXPECT_FALSE((*g)->is_api());
  EXPECT_DOUBLE_EQ((*g)->gpu_hour, 2.0);
  EXPECT_EQ((*g)->gpus, 8);
}

// The report could not price Anthropic's cache writes: the stored pricing
// had no cache_write price.
TEST(Pricing, TheStoredJsonKeepsTheCacheWritePrice) {
  for (const Pricing& p : {Pricing::per_token(3, 0.3, 15, 3.75), Pricing::per_token(3, 0.3, 15)}) {
    auto back = parse_pricing(p.to_json().dump());
    ASSERT_TRUE(back.has_value()) << back.error();
    ASSERT_TRUE(back->has_value());
    EXPECT_EQ((*back)->to_json(), p.to_json());
    EXPECT_DOUBLE_EQ((*back)->cache_write, p.cache_write);
  }
  Pricing gpu;
  gpu.gpu_hour = 2.5;
  gpu.gpus = 4;
  auto back = parse_pricing(gpu.to_json().dump());
  ASSERT_TRUE(back.has_value() && back->has_value());
  EXPECT_EQ((*back)->gpus, 4);
  EXPECT_TRUE(Pricing{}.to_json().empty());
}

TEST(Pricing, EmptyMeansNoPricing) {
  for (const char* s : {"", "  ", "{}", "null"}) {
    auto p = parse_pricing(s);
    ASSERT_TRUE(p.has_value()) << s;
    EXPECT_FALSE(p->has_value()) << s;
  }
}

TEST(Pricing, MalformedIsAnErrorNamingTheKey) {
  struct Case {
    const char* json;
    const char* mentions;
  };
  for (const Case& c : {Case{R"({"input": 1, "output": 2})", "cached_input"},
                        Case{R"({"input": 1, "cached_input": 1, "output": 2, "ouput": 3})", "ouput"},
                        Case{R"({"input": "1", "cached_input": 1, "output": 2})", "input"},
                        Case{R"({"input": -1, "cached_input": 1, "output": 2})", "input"},
                        Case{R"({"input": 1, "cached_input": 1, "output": 2, "cache_write": -2})", "cache_write"},
                        Case{R"({"gpu_hour": 2})", "gpus"},
                        Case{R"({"gpu_hour": 2, "gpus": 0})", "gpus"},
                        Case{R"({"gpu_hour": 2, "gpus": 1.5})", "gpus"},
                        Case{R"({"gpu_hour": 2, "gpus": 1, "input": 1})", "input"},
                        Case{R"([1, 2])", "object"},
                        Case{R"({"input": )", "JSON"}}) {
    auto p = parse_pricing(c.json);
    ASSERT_FALSE(p.has_value()) << c.json;
    EXPECT_NE(p.error().find(c.mentions), std::string::npos) << c.json << " -> " << p.error();
  }
}

TEST(CostUsd, PricesCacheReadsWritesAndUncachedInputSeparately) {
  Usage u;
  u.prompt_tokens = 3000;
  u.cached_tokens = 1000;
  u.cache_write_tokens = 1500;
  u.completion_tokens = 200;
  // 500 uncached x 3 + 1000 x 0.3 + 1500 x 3.75 + 200 x 15
  EXPECT_NEAR(cost_usd(Pricing::per_token(3, 0.3, 15, 3.75), u), (1500 + 300 + 5625 + 3000) / 1e6, 1e-12);
  // Without a cache_write price, writes cost what input costs.
  EXPECT_NEAR(cost_usd(Pricing::per_token(3, 0.3, 15), u), (1500 + 300 + 4500 + 3000) / 1e6, 1e-12);
  EXPECT_EQ(cost_usd(Pricing{}, u), -1);
  u.completion_tokens = -1;
  EXPECT_EQ(cost_usd(Pricing::per_token(3, 0.3, 15), u), -1);
}

TEST(CostUsd, UnknownCacheCountsAreUncachedAndCountsNeverExceedThePrompt) {
  Usage u;
  u.prompt_tokens = 1000;
  u.completion_tokens = 10;
  EXPECT_NEAR(cost_usd(Pricing::per_token(2, 0.5, 8), u), (1000 * 2.0 + 10 * 8.0) / 1e6, 1e-15);
  u.cached_tokens = 1500;  // more than the prompt: all of it cached, nothing written
  u.cache_write_tokens = 100;
  EXPECT_NEAR(cost_usd(Pricing::per_token(2, 0.5, 8, 4), u), (1000 * 0.5 + 10 * 8.0) / 1e6, 1e-15);
}

TEST(CostUsd, GpuHourPricing) {
  Pricing p;
  p.gpu_hour = 2.5;
  p.gpus = 4;
  EXPECT_DOUBLE_EQ(gpu_cost_usd(p, 1800), 5.0);  // 2.5 $/h x 4 GPUs x 0.5 h
  EXPECT_DOUBLE_EQ(gpu_cost_usd(p, 0), 0.0);
  EXPECT_EQ(gpu_cost_usd(Pricing::per_token(1, 1, 1), 1800), -1);
}

}  // namespace
}  // namespace rigor
