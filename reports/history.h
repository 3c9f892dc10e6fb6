// `rigor report --history TAG`: each metric over time for the runs carrying
// one tag (oldest first), per suite and model. Table and Markdown give one
// row per run; HTML draws one line chart per (suite, metric) with a line per
// model, x = the run's position (the run list maps positions to ids/dates).
#pragma once

#include <string>
#include <vector>

#include "store/store.h"
#include "reports/render.h"
#include "reports/summary.h"

namespace rigor {

// `runs` oldest first; `summaries` of those runs. Throws std::invalid_argument
// for a format other than table, md or html.
std::string render_history(const std::string& tag, const std::vector<RunRecord>& runs,
                           const std::vector<SuiteSummary>& summaries, Format format, const ReportMeta& meta);

}  // namespace rigor
