// HTML: one standalone page, no scripts, no external resources; every text
// node is escaped, so a model name cannot inject markup.
#include <fmt/format.h>

#include "reports/cells.h"
#include "reports/escape.h"
#include "reports/render_impl.h"

namespace rigor::detail {

const char* const kHtmlClose = "</body>\n</html>\n";

std::string html_open(const std::string& title) {
  return "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n<title>" + escape_html(title) +
         "</title>\n<style>\nbody{font-family:sans-serif}table{border-collapse:collapse;margin:1em 0}"
         "td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}td:first-child,th:first-child{text-align:left}"
         ".simulated{background:#fdd;border:2px solid #c00;padding:8px;font-weight:bold}.incomplete{background:#fff3cd;border:2px solid #b8860b;padding:8px}\n</style>\n</head>\n<body>\n";
}

std::string html_table(const std::vector<std::vector<std::string>>& rows) {
  std::string out = "<table>\n";
  for (size_t r = 0; r < rows.size(); ++r) {
    const char* tag = r == 0 ? "th" : "td";
    out += "<tr>";
    for (const auto& c : rows[r]) out += fmt::format("<{0}>{1}</{0}>", tag, c);
    out += "</tr>\n";
  }
  return out + "</table>\n";
}

std::string render_html(const std::vector<SuiteSummary>& summaries, const ReportMeta& meta) {
  std::string out = html_open("rigor report");
  out += "<h1>rigor report</h1>\n";
  if (cells::any_simulated(summaries)) {
    out += "<p class=\"simulated\">SIMULATED: at least one model in this report was served by rigor's built-in "
           "simulator, not a real model. Its numbers test the harness, not any model.</p>\n";
  }
  if (const auto lines = cells::incomplete_lines(summaries); !lines.empty()) {
    out += "<div class=\"incomplete\"><b>INCOMPLETE</b><ul>";
    for (const auto& l : lines) out += "<li>" + escape_html(l) + "</li>";
    out += "</ul>" + escape_html(cells::kIncompleteNote) + "</div>\n";
  }
  out += fmt::format("<p>harness version {}; 95% confidence intervals: percentile bootstrap over problems, {} "
                     "resamples, seed {}</p>\n",
                     escape_html(meta.harness_version), meta.bootstrap_resamples, meta.bootstrap_seed);
  if (!meta.runs.empty()) {
    std::vector<std::vector<std::string>> runs{{"run", "version", "seed", "config hash", "started", "finished", "tag"}};
    for (const auto& r : meta.runs) {
      runs.push_back({escape_html(r.id), escape_html(r.version), std::to_string(r.seed), escape_html(r.config_hash),
                      escape_html(r.started_at), r.finished_at.empty() ? "(unfinished)" : escape_html(r.finished_at),
                      escape_html(r.tag)});
    }
    out += html_table(runs);
  }
  const bool several = cells::several_runs(summaries);
  for (const auto& [suite, cols] : cells::by_suite(summaries)) {
    out += "<h2>" + escape_html(suite) + "</h2>\n";
    std::vector<std::vector<std::string>> grid;
    std::vector<std::string> header{"metric"};
    for (const auto* s : cols) header.push_back(escape_html(cells::heading(*s, several)));
    grid.push_back(std::move(header));
    for (auto& row : cells::metric_rows(cols)) {
      std::vector<std::string> line{escape_html(row.label)};
      for (auto& c : row.cells) line.push_back(escape_html(c));
      grid.push_back(std::move(line));
    }
    out += html_table(grid);
  }
  return out + kHtmlClose;
}

}  // namespace rigor::detail
