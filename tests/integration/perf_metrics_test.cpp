// Level metrics from hand-made records: what is excluded (warm-up), how
// errors, TPOT, goodput, SLO and $/M output are counted.
#include <gtest/gtest.h>

#include "reports/perf_metrics.h"
#include "reports/perf_report.h"

namespace rigor {
namespace {

// A finished request sent at `sent`: first token after ttft, then `tokens`
// output tokens over `decode_s`, in chunks of one token.
PerfRecord ok_record(int64_t index, double sent, double ttft, int tokens, double decode_s) {
  PerfRecord r;
  r.index = index;
  r.sent_s = sent;
  r.ok = true;
  Completion& c = r.completion;
  c.ttft_s = ttft;
  c.ttfat_s = ttft;
  for (int i = 0; i < tokens; ++i) c.chunks.push_back({ttft + decode_s * i / (tokens - 1), false});
  c.last_token_s = ttft + decode_s;
  c.total_s = c.last_token_s + 0.001;
  c.usage.prompt_tokens = 100;
  c.usage.completion_tokens = tokens;
  r.end_s = sent + c.total_s;
  return r;
}

PerfRecord error_record(int64_t index, double sent, ErrorCode code) {
  PerfRecord r;
  r.index = index;
  r.sent_s = sent;
  r.end_s = sent + 0.5;
  r.error.code = code;
  return r;
}

TEST(PerfMetrics, WarmUpIsExcludedAndEveryMetricFollowsItsDefinition) {
  std::vector<PerfRecord> rs;
  rs.push_back(ok_record(0, 0.0, 9.0, 11, 50.0));  // warm-up: absurd values that must not show
  rs.push_back(ok_record(1, 1.0, 0.5, 11, 1.0));   // TPOT 0.1 s -> 10 tok/s
  rs.push_back(ok_record(2, 1.0, 1.5, 11, 0.5));   // TPOT 0.05 s -> 20 tok/s
  rs.push_back(error_record(3, 2.0, ErrorCode::kRateLimited));
  PerfSlo slo;
  slo.ttft_p99_s = 1.0;
  slo.decode_p50_tps = 15;
  slo.max_error_rate = 0.5;
  Pricing api;
  api.input = 1.0;
  api.output = 2.0;
  auto s = summarize_level(rs, 1, slo, api, 4, 0);
  EXPECT_EQ(s.measured, 3);
  EXPECT_EQ(s.ok, 2);
  EXPECT_EQ(s.errors, 1);
  EXPECT_EQ(s.errors_by_kind.at("rate_limited"), 1);
  EXPECT_DOUBLE_EQ(s.error_rate, 1.0 / 3);
  EXPECT_EQ(s.ttft.n, 2);
  EXPECT_DOUBLE_EQ(s.ttft.p50, 1.0);
  EXPECT_NEAR(s.tpot.p50, 0.075, 1e-12);
  EXPECT_NEAR(s.decode_tps.p50, 15.0, 1e-9);
  EXPECT_EQ(s.inter_chunk.n, 20);
  // Window: first measured send (1.0) to the last measured end (request 2 at 3.001).
  EXPECT_NEAR(s.window_s, 2.001, 1e-9);
  EXPECT_EQ(s.output_tokens, 22);
  EXPECT_NEAR(s.output_tps, 22 / 2.001, 1e-9);
  EXPECT_NEAR(s.req_per_s, 2 / 2.001, 1e-9);
  // Neither meets both limits: request 1 decodes at 10 < 15 tok/s, request 2 has TTFT 1.5 > 1 s.
  EXPECT_EQ(s.goodput_req_per_s, 0);
  // p99 TTFT 1.49 > 1 s: the level misses.
  EXPECT_FALSE(s.meets_slo);
  // API: (200 input x $1 + 22 output x $2) / 22 output tokens, per million.
  ASSERT_TRUE(s.usd_per_m_output);
  EXPECT_NEAR(*s.usd_per_m_output, (200 * 1.0 + 22 * 2.0) / 22, 1e-9);
}

TEST(PerfMetrics, SelfHostedCostIsGpuHoursOverMeasuredThroughput) {
  Pricing gpu;
  gpu.gpu_hour = 2.0;
  gpu.gpus = 8;
  // 16 $/h at 1000 tok/s = 3.6M tok/h -> $4.444 per million.
  EXPECT_NEAR(*perf_cost(gpu, -1, 1000, 1000.0), 16.0 / 3.6, 1e-9);
  EXPECT_FALSE(perf_cost(Pricing{}, 0, 1000, 1000.0));
  EXPECT_FALSE(perf_cost(gpu, -1, 0, 0));
}

TEST(PerfMetrics, QuantileIntervalsBracketTheEstimate) {
  std::vector<double> v;
  for (int i = 1; i <= 1000; ++i) v.push_back(i);
  auto q = quantiles_of(v);
  EXPECT_DOUBLE_EQ(q.p50, 500.5);
  EXPECT_NEAR(q.p99, 990.01, 1e-9);
  EXPECT_LE(q.ci50.lo, q.p50);
  EXPECT_GE(q.ci50.hi, q.p50);
  EXPECT_LE(q.ci99.lo, q.p99);
  EXPECT_GE(q.ci99.hi, q.p99);
  EXPECT_LT(q.ci99.hi - q.ci99.lo, 20);  // sd of the rank is sqrt(1000 x .99 x .01) ~ 3.1
  EXPECT_EQ(quantiles_of({}).n, 0);
}

TEST(PerfMetrics, ASummaryRoundTripsThroughItsJsonIntoTheTable) {
  std::vector<PerfRecord> rs = {ok_record(0, 0, 0.25, 5, 0.8), ok_record(1, 0, 0.25, 5, 0.8)};
  auto s = summarize_level(rs, 0, PerfSlo{}, Pricing{}, 2, 0);
  EXPECT_TRUE(s.meets_slo);  // no limits: met when anything was measured
  PerfRunRecord run;
  run.id = "perf-x";
  run.model = "x";
  PerfLevelRecord level;
  level.concurrency = 2;
  level.summary = perf_summary_json(s);
  const std::string text = render_perf_levels({run}, {{level}}, true);
  EXPECT_NE(text.find("perf #1: perf-x (model x)"), std::string::npos) << text;
  EXPECT_NE(text.find("c=2"), std::string::npos) << text;
  EXPECT_NE(text.find("250.0"), std::string::npos) << text;  // TTFT in ms
  EXPECT_NE(text.find("n/a"), std::string::npos) << text;    // no pricing
}

}  // namespace
}  // namespace rigor
