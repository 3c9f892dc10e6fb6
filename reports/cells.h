// Internal to reports/: turns summaries into labelled rows of display text,
// shared by the table and Markdown renderers. Cells are NOT escaped; each
// renderer escapes for its own format.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "reports/summary.h"

namespace rigor::cells {

inline constexpr const char* kNoUsage = "n/a (server reported no usage)";

std::string number(std::optional<double> v, int decimals);  // "n/a" when nullopt
std::string with_ci(std::optional<double> v, const Interval& ci);  // "0.533 [0.410, 0.660]"
std::string usd(std::optional<double> v);                    // "$0.0123", "n/a"

struct Row {
  std::string label;
  std::vector<std::string> cells;  // one per column (summary)
};

// Column heading for a summary: the model name, plus " @run" when the report
// spans several runs.
std::string heading(const SuiteSummary& s, bool several_runs);

// The metric rows for one suite, one column per summary.
std::vector<Row> metric_rows(const std::vector<const SuiteSummary*>& columns);

// Suites in first-appearance order, with their summaries.
std::vector<std::pair<std::string, std::vector<const SuiteSummary*>>> by_suite(
    const std::vector<SuiteSummary>& summaries);

bool several_runs(const std::vector<SuiteSummary>& summaries);
bool any_simulated(const std::vector<SuiteSummary>& summaries);

}  // namespace rigor::cells
