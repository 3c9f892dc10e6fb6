#include "reports/perf_metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

namespace rigor {

namespace {

constexpr double kZ95 = 1.959963984540054;

double type7(const std::vector<double>& sorted, double q) {
  const double h = (static_cast<double>(sorted.size()) - 1) * q;
  const auto lo = static_cast<size_t>(std::floor(h));
  const size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (h - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

// Ranks nq -/+ z sqrt(nq(1-q)), clamped: the sample quantile's rank is
// binomial(n, q), whatever the distribution.
Interval rank_interval(const std::vector<double>& sorted, double q) {
  const double n = static_cast<double>(sorted.size());
  const double sd = std::sqrt(n * q * (1 - q));
  const double lo_rank = std::floor(n * q - kZ95 * sd);
  const double hi_rank = std::ceil(n * q + kZ95 * sd);
  const auto clamp = [&](double r) {
    return static_cast<size_t>(std::clamp(r, 1.0, n)) - 1;  // 1-based rank -> index
  };
  return Interval{sorted[clamp(lo_rank)], sorted[clamp(hi_rank)]};
}

}  // namespace

Quantiles quantiles_of(std::vector<double> values) {
  Quantiles q;
  q.n = static_cast<int>(values.size());
  if (values.empty()) return q;
  std::sort(values.begin(), values.end());
  q.p50 = type7(values, 0.50);
  q.p90 = type7(values, 0.90);
  q.p95 = type7(values, 0.95);
  q.p99 = type7(values, 0.99);
  q.ci50 = rank_interval(values, 0.50);
  q.ci90 = rank_interval(values, 0.90);
  q.ci95 = rank_interval(values, 0.95);
  q.ci99 = rank_interval(values, 0.99);
  q.mean = std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
  return q;
}

std::optional<double> perf_cost(const Pricing& pricing, double api_usd, int64_t output_tokens, double output_tps) {
  if (output_tokens <= 0) return std::nullopt;
  if (pricing.is_api()) {
    if (api_usd < 0) return std::nullopt;
    return api_usd / static_cast<double>(output_tokens) * 1e6;
  }
  // The GPUs' cost over the time the level takes to produce a million tokens.
  if (pricing.is_self_hosted() && output_tps > 0) return gpu_cost_usd(pricing, 1e6 / output_tps);
  return std::nullopt;
}

PerfLevelSummary summarize_level(const std::vector<PerfRecord>& records, int warmup, const PerfSlo& slo,
                                 const Pricing& pricing, int concurrency, double rate) {
  if (warmup < 0) throw std::invalid_argument("perf: warmup must be >= 0");
  PerfLevelSummary s;
  s.concurrency = concurrency;
  s.rate = rate;
  std::vector<double> ttft, ttfat, gaps, tpot, decode, e2e, lag;
  double first_send = std::numeric_limits<double>::max();
  double last_end = 0;
  int good = 0;
  double api_usd = 0;  // -1 once a request's cost is unknown
  for (const PerfRecord& r : records) {
    if (r.index < warmup) continue;
    ++s.measured;
    first_send = std::min(first_send, r.sent_s);
    last_end = std::max(last_end, r.end_s);
    if (r.scheduled_s >= 0) lag.push_back(r.dispatch_lag_s);
    if (!r.ok) {
      ++s.errors;
      ++s.errors_by_kind[to_string(r.error.code)];
      continue;
    }
    ++s.ok;
    const Completion& c = r.completion;
    if (c.ttft_s >= 0) ttft.push_back(c.ttft_s);
    if (c.ttfat_s >= 0) ttfat.push_back(c.ttfat_s);
    for (size_t i = 1; i < c.chunks.size(); ++i) gaps.push_back(c.chunks[i].t_s - c.chunks[i - 1].t_s);
    e2e.push_back(c.total_s);
    std::optional<double> req_decode;
    if (c.usage.completion_tokens > 1 && c.ttft_s >= 0 && c.last_token_s > c.ttft_s) {
      const double t = (c.last_token_s - c.ttft_s) / static_cast<double>(c.usage.completion_tokens - 1);
      tpot.push_back(t);
      req_decode = 1.0 / t;
      decode.push_back(*req_decode);
    }
    const double usd = cost_usd(pricing, c.usage);
    api_usd = usd < 0 || api_usd < 0 ? -1 : api_usd + usd;
    if (c.usage.completion_tokens >= 0) {
      s.output_tokens += c.usage.completion_tokens;
      s.input_tokens += std::max<int64_t>(0, c.usage.prompt_tokens);
    } else {
      ++s.usage_missing;
    }
    const bool ttft_ok = slo.ttft_p99_s < 0 || (c.ttft_s >= 0 && c.ttft_s <= slo.ttft_p99_s);
    const bool decode_ok = slo.decode_p50_tps < 0 || (req_decode && *req_decode >= slo.decode_p50_tps);
    if (ttft_ok && decode_ok) ++good;
  }
  s.ttft = quantiles_of(std::move(ttft));
  s.ttfat = quantiles_of(std::move(ttfat));
  s.inter_chunk = quantiles_of(std::move(gaps));
  s.tpot = quantiles_of(std::move(tpot));
  s.decode_tps = quantiles_of(std::move(decode));
  s.e2e = quantiles_of(std::move(e2e));
  s.dispatch_lag = quantiles_of(std::move(lag));
  if (s.measured > 0) {
    s.error_rate = static_cast<double>(s.errors) / s.measured;
    s.window_s = std::max(0.0, last_end - first_send);
  }
  if (s.window_s > 0) {
    s.output_tps = static_cast<double>(s.output_tokens) / s.window_s;
    s.total_tps = static_cast<double>(s.output_tokens + s.input_tokens) / s.window_s;
    s.req_per_s = s.ok / s.window_s;
    s.goodput_req_per_s = good / s.window_s;
  }
  s.usd_per_m_output = perf_cost(pricing, api_usd, s.output_tokens, s.output_tps);
  bool meets = s.measured > 0 && s.error_rate <= slo.max_error_rate;
  if (slo.ttft_p99_s >= 0) meets = meets && s.ttft.n > 0 && s.ttft.p99 <= slo.ttft_p99_s;
  if (slo.decode_p50_tps >= 0) meets = meets && s.decode_tps.n > 0 && s.decode_tps.p50 >= slo.decode_p50_tps;
  s.meets_slo = meets;
  return s;
}

}  // namespace rigor
