// Internal to reports/: the parts of the HTML report, one file each.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "reports/html_report.h"

namespace rigor::html {

// A report column: one summary (run, model, suite), with a stable style index
// per (run, model) so a model keeps its colour and marker in every chart.
struct Column {
  const SuiteSummary* summary = nullptr;
  std::string heading;  // raw text
  int style = 0;
};

// Suites in first-appearance order with their columns.
std::vector<std::pair<std::string, std::vector<Column>>> columns_by_suite(const ReportData& data);

// Samples indexed as run -> model -> suite -> problem -> samples (by sample_idx).
using SampleIndex =
    std::map<std::string, std::map<std::string, std::map<std::string, std::map<std::string, std::vector<const SampleRecord*>>>>>;
SampleIndex index_samples(const std::vector<SampleRecord>& samples);

const std::map<std::string, std::vector<const SampleRecord*>>* problems_of(const SampleIndex& idx, const SuiteSummary& s);

std::string suite_charts(const std::string& suite, int suite_no, const std::vector<Column>& cols, const SampleIndex& idx);
std::string problem_grid(const std::string& suite, int suite_no, const std::vector<Column>& cols, const SampleIndex& idx,
                         const HtmlReportOptions& opt);
std::string drill_down(const std::string& suite, int suite_no, const std::vector<Column>& cols, const SampleIndex& idx,
                       const HtmlReportOptions& opt);
std::string metadata(const ReportData& data, const ReportMeta& meta);

}  // namespace rigor::html
