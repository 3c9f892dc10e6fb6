// The HTML report (`rigor report --format html`): one self-contained page,
// no script, no external resource, printable. It holds
//   - the comparison table per suite (models side by side, with intervals,
//     tokens, speed, cost), as the Markdown report;
//   - charts (svg.h), each a <figure data-chart=KIND>:
//       accuracy-cost    per suite: pass@1 (95% CI bars) against $ per problem,
//                        log scale, the Pareto frontier dashed
//       accuracy-speed   per suite: pass@1 against median decode tok/s
//       pass-at-k        per suite: pass@k for k = 1..n, one line per model
//       output-length    per suite: completion tokens of correct and of wrong
//                        answers (p10/p25/median/p75/p90), truncation rate
//   - the per-problem grid (<table data-chart="problem-grid">): problems x
//     models, shaded by pass rate, each cell linking to that model's samples
//     of that problem (response and reasoning, in <details>);
//   - metadata: harness version, runs (seed, config hash, tag), dataset
//     hashes, templates and scorer versions, engines and server labels, and
//     each run's resolved config.
// All model output and every name is HTML-escaped: a response containing
// <script>, </textarea> or javascript: renders as text. Long responses are
// cut to the options' limits, saying how much was left out.
#pragma once

#include <cstddef>
#include <string>

#include "reports/render.h"
#include "reports/report_data.h"

namespace rigor {

struct HtmlReportOptions {
  size_t max_response_chars = 2000;   // per sample; the rest is elided with a note
  size_t max_reasoning_chars = 1200;  // per sample; head and tail are kept
  bool drill_down = true;             // the per-sample sections (and grid links)
};

// `data.samples` must hold the runs' samples for the grid and the charts
// built from samples (pass@k curves, length distributions).
std::string render_html_report(const ReportData& data, const ReportMeta& meta, const HtmlReportOptions& options = {});

}  // namespace rigor
