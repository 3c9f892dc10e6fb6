// Perf results as JSON (what perf_levels stores) and as tables, alone or
// joined with accuracy runs of the same model.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "store/perf_store.h"
#include "reports/perf_metrics.h"

namespace rigor {

// Every field of the summary; times in seconds. Stable keys (stored).
nlohmann::json perf_summary_json(const PerfLevelSummary& s);

// One row per level of each run: load, req/s, output tok/s, TTFT p50/p99,
// TTFAT p50, inter-chunk p99, TPOT p50, e2e p99, dispatch-lag p99, errors,
// goodput, $/M output, SLO. markdown = true gives a GitHub table, else aligned text.
std::string render_perf_levels(const std::vector<PerfRunRecord>& runs,
                               const std::vector<std::vector<PerfLevelRecord>>& levels, bool markdown);

// One accuracy figure to join: a model's pass@1 on a suite in some run.
struct AccuracyPoint {
  std::string model;
  std::string suite;
  std::string run_id;
  double pass_at_1 = 0;
};

// One row per (model, suite) with accuracy and, from that model's latest
// perf run, the level with the highest output tok/s that met its SLO (or the
// highest overall when none had one): accuracy, tok/s and $/M side by side.
std::string render_perf_join(const std::vector<AccuracyPoint>& accuracy, const std::vector<PerfRunRecord>& runs,
                             const std::vector<std::vector<PerfLevelRecord>>& levels, bool markdown);

// `rigor report --perf`: every perf run in the database (level table), then
// the join with the latest accuracy run of each model that has perf results.
// Throws std::runtime_error when the database cannot be read.
std::string render_perf_section(const std::string& db_path, bool markdown);

}  // namespace rigor
