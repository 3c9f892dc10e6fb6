// Speed metrics of one load level of `rigor perf`, from raw per-request
// records (perf/perf_client.h), per DESIGN.md "Definitions":
//   TTFT     send -> first generated token (reasoning included)
//   TTFAT    send -> first answer (non-reasoning) token
//   inter-chunk latency: gaps between consecutive content-bearing chunks
//   TPOT     (last token - first token) / (output tokens - 1), per request
//   decode   1 / TPOT (tokens/s of one request)
//   e2e      send -> stream finished
//   dispatch lag: actual send - scheduled send (open loop only)
// Warm-up: the first `warmup` requests in dispatch order are excluded from
// everything. The measured window runs from the first measured send to the
// last measured end; throughput and request rates are over that window.
//
// Quantile intervals are distribution-free order-statistic intervals (the
// binomial interval on the rank, normal approximation, 95%), not bootstrap:
// with tens of thousands of inter-chunk gaps per level a bootstrap of
// quantiles costs seconds while this costs one sort, and its coverage does
// not depend on the shape of the distribution. Inter-chunk gaps of one
// request are not independent, so that interval is optimistic.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/pricing.h"
#include "store/perf_record.h"
#include "reports/metrics.h"

namespace rigor {

struct Quantiles {
  int n = 0;  // values summarised; the rest are meaningless when 0
  double p50 = 0, p90 = 0, p95 = 0, p99 = 0;
  Interval ci50, ci90, ci95, ci99;  // 95% intervals
  double mean = 0;
};

// Percentiles (type 7, as reports/metrics.h percentile()) and intervals.
Quantiles quantiles_of(std::vector<double> values);

// Limits a level must meet. A negative limit is not checked.
struct PerfSlo {
  double ttft_p99_s = -1;      // p99 TTFT at most this
  double decode_p50_tps = -1;  // p50 per-request decode speed at least this
  double max_error_rate = 0;   // errors / measured requests at most this
  bool any() const { return ttft_p99_s >= 0 || decode_p50_tps >= 0; }
};

struct PerfLevelSummary {
  int concurrency = 0;               // closed loop; 0 for open loop
  double rate = 0;                   // open loop offered req/s; 0 for closed loop
  int measured = 0;                  // requests after warm-up
  int ok = 0;
  int errors = 0;
  std::map<std::string, int> errors_by_kind;  // to_string(ErrorCode) -> count
  double error_rate = 0;             // errors / measured
  double window_s = 0;
  Quantiles ttft, ttfat, inter_chunk, tpot, decode_tps, e2e, dispatch_lag;
  int64_t output_tokens = 0;         // server-reported, measured ok requests
  int64_t input_tokens = 0;
  int usage_missing = 0;             // ok requests whose server reported no usage
  double output_tps = 0;             // output tokens / window
  double total_tps = 0;              // (input + output) tokens / window
  double req_per_s = 0;              // completed ok requests / window
  double goodput_req_per_s = 0;      // ok requests that individually meet the SLO / window
  std::optional<double> usd_per_m_output;  // $ per million output tokens (see perf_cost)
  bool meets_slo = false;            // quantile limits and error rate met (true when no SLO)
};

// Summarises one level. Throws std::invalid_argument when warmup < 0.
PerfLevelSummary summarize_level(const std::vector<PerfRecord>& records, int warmup, const PerfSlo& slo,
                                 const Pricing& pricing, int concurrency, double rate);

// $ per million output tokens. API pricing: api_usd, the measured ok
// requests' summed cost_usd() (cached input and cache writes priced as in a
// run), over their output tokens; -1 when a request's cost is unknown.
// Self-hosted: the GPUs' cost for the time the level needs to produce a
// million tokens at output_tps. nullopt without pricing, tokens or a cost.
std::optional<double> perf_cost(const Pricing& pricing, double api_usd, int64_t output_tokens, double output_tps);

}  // namespace rigor
