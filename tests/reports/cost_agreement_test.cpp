// Cost was computed in four places that disagreed: the budget guard priced
// Anthropic's cache writes, the report could not (the store kept no
// cache-write count nor price) and the perf report ignored cached input.
// The same usage must cost the same dollars in each.
#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "harness/budget.h"
#include "base/pricing.h"
#include "store/store.h"
#include "reports/metrics.h"
#include "reports/perf_metrics.h"

namespace rigor {
namespace {

TEST(CostAgreement, SameUsageCostsTheSameInRunBudgetReportAndPerf) {
  const Pricing pricing = Pricing::per_token(3, 0.3, 15, 3.75);
  Usage u;
  u.prompt_tokens = 3000;
  u.cached_tokens = 1000;
  u.cache_write_tokens = 1500;
  u.completion_tokens = 200;
  u.reasoning_tokens = 120;
  // 500 uncached x 3 + 1000 cached x 0.3 + 1500 written x 3.75 + 200 x 15
  const double expected = (1500 + 300 + 5625 + 3000) / 1e6;

  // The run stores cost_usd() with the sample and adds it to the budget.
  const double run = cost_usd(pricing, u);
  EXPECT_NEAR(run, expected, 1e-12);
  BudgetGuard guard(Budget{1.0, 0}, 0, 0);
  guard.add(run, u.prompt_tokens + u.completion_tokens);
  EXPECT_NEAR(guard.spent_usd(), expected, 1e-12);

  // The report prices the stored token counts with the stored pricing.
  const auto dir = std::filesystem::temp_directory_path() / ("rigor_cost_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  {
    Store store((dir / "t.db").string());
    RunModelRecord m;
    m.run_id = "r";
    m.model = "claude";
    m.engine = "anthropic";
    m.pricing_json = pricing.to_json().dump();
    store.put_run_model(m);
    SampleRecord s;
    s.run_id = "r";
    s.model = "claude";
    s.suite = "aime24";
    s.problem_id = "p";
    s.prompt_tokens = u.prompt_tokens;
    s.cached_tokens = u.cached_tokens;
    s.cache_write_tokens = u.cache_write_tokens;
    s.completion_tokens = u.completion_tokens;
    s.reasoning_tokens = u.reasoning_tokens;
    store.put_sample(s);
    const auto stored_pricing = parse_pricing(store.run_models("r").at(0).pricing_json);
    ASSERT_TRUE(stored_pricing.has_value() && stored_pricing->has_value());
    const auto report = cost_of(store.samples("r").at(0), **stored_pricing);
    ASSERT_TRUE(report.has_value());
    EXPECT_NEAR(*report, expected, 1e-12);
  }
  std::filesystem::remove_all(dir);

  // The perf report's $ per million output tokens, back to dollars.
  PerfRecord r;
  r.ok = true;
  r.sent_s = 0;
  r.end_s = 1;
  r.completion.usage = u;
  r.completion.ttft_s = 0.1;
  r.completion.last_token_s = 0.9;
  r.completion.total_s = 1;
  const PerfLevelSummary level = summarize_level({r}, 0, PerfSlo{}, pricing, 1, 0);
  ASSERT_TRUE(level.usd_per_m_output.has_value());
  EXPECT_NEAR(*level.usd_per_m_output * static_cast<double>(u.completion_tokens) / 1e6, expected, 1e-12);
}

}  // namespace
}  // namespace rigor
