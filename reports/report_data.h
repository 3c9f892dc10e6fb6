// Everything a report of stored runs is drawn from, loaded in one place:
// the run records, their models, samples and per-suite summaries (with the
// n, k and scorers each run's stored config names).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "store/store.h"
#include "reports/summary.h"

namespace rigor {

struct ReportData {
  std::vector<RunRecord> runs;           // in the order asked for
  std::vector<RunModelRecord> models;    // of all runs
  std::vector<SampleRecord> samples;     // of all runs; empty unless asked for
  std::vector<SuiteSummary> summaries;   // run by run, as summarize() orders them
};

// Summary options from a run's stored config: run.n, run.k, suites.*.scorer
// (for cons@n). `scorers` receives the scorer objects the lookup points to
// and must outlive the options.
SummaryOptions summary_options_for(const RunRecord& run, std::vector<std::unique_ptr<Scorer>>& scorers);

// Throws std::runtime_error naming the id and database for an unknown run.
ReportData load_report_data(Store& store, const std::vector<std::string>& run_ids, bool with_samples);

}  // namespace rigor
