#include "reports/html_report.h"

#include <fmt/format.h>

#include "reports/cells.h"
#include "reports/escape.h"
#include "reports/html_detail.h"
#include "reports/render_impl.h"

namespace rigor {
namespace html {

std::vector<std::pair<std::string, std::vector<Column>>> columns_by_suite(const ReportData& data) {
  const bool several = cells::several_runs(data.summaries);
  // A model keeps its colour on every chart and page: styles follow the
  // sorted headings (as history does), not the order a suite lists them in.
  std::map<std::string, int> styles;  // heading -> style
  for (const auto& s : data.summaries) styles[cells::heading(s, several)] = 0;
  int next = 0;
  for (auto& [heading, style] : styles) style = next++;
  std::vector<std::pair<std::string, std::vector<Column>>> out;
  for (const auto& [suite, sums] : cells::by_suite(data.summaries)) {
    std::vector<Column> cols;
    for (const SuiteSummary* s : sums) {
      const std::string heading = cells::heading(*s, several);
      cols.push_back({s, heading, styles.at(heading)});
    }
    out.emplace_back(suite, std::move(cols));
  }
  return out;
}

SampleIndex index_samples(const std::vector<SampleRecord>& samples) {
  SampleIndex idx;
  for (const SampleRecord& s : samples) idx[s.run_id][s.model][s.suite][s.problem_id].push_back(&s);
  for (auto& [r, models] : idx) {
    for (auto& [m, suites] : models) {
      for (auto& [su, problems] : suites) {
        for (auto& [p, v] : problems) {
          std::sort(v.begin(), v.end(), [](auto* a, auto* b) { return a->sample_idx < b->sample_idx; });
        }
      }
    }
  }
  return idx;
}

const std::map<std::string, std::vector<const SampleRecord*>>* problems_of(const SampleIndex& idx, const SuiteSummary& s) {
  auto r = idx.find(s.run_id);
  if (r == idx.end()) return nullptr;
  auto m = r->second.find(s.model);
  if (m == r->second.end()) return nullptr;
  auto su = m->second.find(s.suite);
  return su == m->second.end() ? nullptr : &su->second;
}

}  // namespace html

namespace {

constexpr const char* kStyle = R"(
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:1.5em auto;max-width:1400px;padding:0 1em;color:#222}
h1{margin-bottom:.2em}h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;margin:.8em 0;font-size:13px}
td,th{border:1px solid #ccc;padding:2px 8px;text-align:right;vertical-align:top}
td:first-child,th:first-child{text-align:left}
.table-wrap{overflow-x:auto;max-width:100%}
.simulated{background:#fdd;border:2px solid #c00;padding:8px;font-weight:bold}.incomplete{background:#fff3cd;border:2px solid #b8860b;padding:8px}
.charts{display:flex;flex-wrap:wrap;gap:1em}
figure.chart{margin:.5em 0;border:1px solid #e3e3e3;padding:.5em;background:#fff;break-inside:avoid}
figure.chart figcaption{font-weight:600;margin-bottom:.3em}
svg.plot{max-width:100%;height:auto;font-size:11px}
svg.plot text{fill:#333}svg.plot .axis-label{font-size:12px;fill:#111}
svg.plot .grid{stroke:#eee}svg.plot .frame{fill:none;stroke:#999}
svg.plot .errbar{stroke-width:1.5;opacity:.6}svg.plot .pt-label{font-size:11px}
ul.legend{list-style:none;padding:0;margin:.3em 0;display:flex;flex-wrap:wrap;gap:.2em 1em;font-size:12px;max-width:580px}
ul.legend li{white-space:nowrap}svg.swatch{vertical-align:middle;margin-right:3px}
p.note{font-size:12px;color:#555;margin:.2em 0;max-width:580px}
table.grid td{text-align:center;padding:0;min-width:3.2em}table.grid td a{display:block;padding:1px 4px;color:#000;text-decoration:none}
table.grid th{font-size:11px;max-width:8em;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
table.grid td.pid{text-align:left;padding:1px 6px;font-family:monospace}
.grid-wrap{max-height:36em;overflow:auto;display:inline-block;border:1px solid #ddd}
section.problem{border-top:1px solid #eee;padding:.3em 0}
div.model-samples{margin-left:1em}div.model-samples:target{background:#fff8d0}
pre{white-space:pre-wrap;word-break:break-word;background:#f7f7f7;padding:.4em;max-height:24em;overflow:auto;font-size:12px}
details>summary{cursor:pointer}.ok{color:#176b1a}.bad{color:#a11}.elided{color:#777;font-style:italic}
@media print{.grid-wrap{max-height:none;overflow:visible}pre{max-height:none}details{display:block}}
)";

std::string comparison_tables(const std::vector<std::pair<std::string, std::vector<html::Column>>>& suites) {
  std::string out = "<h2 id=\"comparison\">Comparison</h2>\n";
  for (const auto& [suite, cols] : suites) {
    out += "<h3>" + escape_html(suite) + "</h3>\n";
    std::vector<const SuiteSummary*> sums;
    std::vector<std::vector<std::string>> grid;
    std::vector<std::string> header{"metric"};
    for (const auto& c : cols) {
      header.push_back(escape_html(c.heading));
      sums.push_back(c.summary);
    }
    grid.push_back(std::move(header));
    for (auto& row : cells::metric_rows(sums)) {
      std::vector<std::string> line{escape_html(row.label)};
      for (auto& cell : row.cells) line.push_back(escape_html(cell));
      grid.push_back(std::move(line));
    }
    out += "<div class=\"table-wrap\" data-chart=\"comparison-table\">" + detail::html_table(grid) + "</div>";
  }
  return out;
}

}  // namespace

std::string render_html_report(const ReportData& data, const ReportMeta& meta, const HtmlReportOptions& opt) {
  const auto suites = html::columns_by_suite(data);
  const html::SampleIndex idx = html::index_samples(data.samples);
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  // No script may run even if something slipped through escaping.
  out += "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
         "img-src data:\">\n";
  out += "<title>rigor report</title>\n<style>" + std::string(kStyle) + "</style>\n</head>\n<body>\n";
  out += "<h1>rigor report</h1>\n";
  if (cells::any_simulated(data.summaries)) {
    out += "<p class=\"simulated\">SIMULATED: at least one model in this report was served by rigor's built-in "
           "simulator, not a real model. Its numbers test the harness, not any model.</p>\n";
  }
  if (const auto lines = cells::incomplete_lines(data.summaries); !lines.empty()) {
    out += "<div class=\"incomplete\"><b>INCOMPLETE</b><ul>";
    for (const auto& l : lines) out += "<li>" + escape_html(l) + "</li>";
    out += "</ul>" + escape_html(cells::kIncompleteNote) + "</div>\n";
  }
  std::string runs;
  for (const auto& r : data.runs) runs += (runs.empty() ? "" : ", ") + escape_html(r.id);
  out += fmt::format("<p>Runs {}; rendered by rigor {}. 95% intervals: percentile bootstrap over problems, {} "
                     "resamples, seed {}.</p>\n",
                     runs, escape_html(meta.harness_version), meta.bootstrap_resamples, meta.bootstrap_seed);
  out += "<nav><a href=\"#comparison\">comparison</a> · <a href=\"#charts\">charts</a> · <a href=\"#problems\">"
         "per-problem grid</a> · <a href=\"#metadata\">metadata</a></nav>\n";
  out += comparison_tables(suites);
  out += "<h2 id=\"charts\">Charts</h2>\n";
  int no = 0;
  for (const auto& [suite, cols] : suites) out += html::suite_charts(suite, no++, cols, idx);
  out += "<h2 id=\"problems\">Per-problem results</h2>\n"
         "<p class=\"note\">Each cell: correct / finished samples of that problem, shaded from red (0) to green (all). "
         "Follow a cell to that model's responses and reasoning.</p>\n";
  no = 0;
  for (const auto& [suite, cols] : suites) out += html::problem_grid(suite, no++, cols, idx, opt);
  out += html::metadata(data, meta);
  if (opt.drill_down) {
    out += "<h2 id=\"samples\">Samples</h2>\n";
    no = 0;
    for (const auto& [suite, cols] : suites) out += html::drill_down(suite, no++, cols, idx, opt);
  }
  return out + "</body>\n</html>\n";
}

}  // namespace rigor
