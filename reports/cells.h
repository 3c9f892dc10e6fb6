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

// The metric rows for one suite, one column per summary. The server label
// row is left out with with_server false (terminal tables print
// model_legend() instead: a long label would widen every column).
std::vector<Row> metric_rows(const std::vector<const SuiteSummary*>& columns, bool with_server = true);

// One line per model of the report: "name: server label", "(SIMULATED)" for
// a simulated one; " @run" added when the report spans several runs.
std::vector<std::string> model_legend(const std::vector<SuiteSummary>& summaries);

// One line per incomplete (model, suite): "model on suite: 74 of 500
// problems — incomplete"; empty when every summary is complete.
std::vector<std::string> incomplete_lines(const std::vector<SuiteSummary>& summaries);
inline constexpr const char* kIncompleteNote =
    "numbers of an incomplete model cover only the problems it finished; where a suite's columns differ, the row "
    "\"pass@1, shared problems\" compares them on the problems every column finished";

// Suites in first-appearance order, with their summaries.
std::vector<std::pair<std::string, std::vector<const SuiteSummary*>>> by_suite(
    const std::vector<SuiteSummary>& summaries);

bool several_runs(const std::vector<SuiteSummary>& summaries);
bool any_simulated(const std::vector<SuiteSummary>& summaries);

}  // namespace rigor::cells
