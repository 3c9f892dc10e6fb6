#include "reports/pricing.h"

#include <gtest/gtest.h>

namespace rigor {
namespace {

TEST(Pricing, ParsesApiAndGpuShapes) {
  auto api = parse_pricing(R"({"input": 0.55, "cached_input": 0.14, "output": 2.19})");
  ASSERT_TRUE(api.has_value()) << api.error();
  ASSERT_TRUE(api->has_value());
  const auto& a = std::get<ApiPricing>(**api);
  EXPECT_DOUBLE_EQ(a.input, 0.55);
  EXPECT_DOUBLE_EQ(a.cached_input, 0.14);
  EXPECT_DOUBLE_EQ(a.output, 2.19);

  auto gpu = parse_pricing(R"({"gpu_hour": 2.0, "gpus": 8})");
  ASSERT_TRUE(gpu.has_value()) << gpu.error();
  const auto& g = std::get<GpuPricing>(**gpu);
  EXPECT_DOUBLE_EQ(g.gpu_hour, 2.0);
  EXPECT_EQ(g.gpus, 8);
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

}  // namespace
}  // namespace rigor
