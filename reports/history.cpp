#include "reports/history.h"

#include <functional>
#include <map>
#include <optional>
#include <stdexcept>

#include <fmt/format.h>

#include "reports/cells.h"
#include "reports/escape.h"
#include "reports/render_impl.h"
#include "reports/svg.h"

namespace rigor {
namespace {

struct Metric {
  const char* name;
  bool percent;
  std::function<std::optional<double>(const SuiteSummary&)> value;
};

std::optional<double> error_rate(const SuiteSummary& s) {
  if (s.samples_ok + s.errors == 0) return std::nullopt;
  return static_cast<double>(s.errors) / (s.samples_ok + s.errors);
}

const std::vector<Metric>& metrics() {
  static const std::vector<Metric> kMetrics{
      // pass@1 and cons@n as fractions, as in every report; rates in percent.
      {"pass@1 [95% CI]", false, [](const SuiteSummary& s) { return s.pass1; }},
      {"cons@n", false, [](const SuiteSummary& s) { return s.cons_at_n; }},
      {"errors", true, error_rate},
      {"truncated", true, [](const SuiteSummary& s) { return s.trunc_rate; }},
      {"extraction failed", true, [](const SuiteSummary& s) { return s.extract_fail_rate; }},
      {"mean output tokens", false, [](const SuiteSummary& s) { return s.mean_output_tokens; }},
      {"decode tok/s p50", false, [](const SuiteSummary& s) { return s.decode_tps_p50; }},
      {"$ / problem", false, [](const SuiteSummary& s) { return s.cost_per_problem; }},
  };
  return kMetrics;
}

bool is_pass1(const Metric& m) { return std::string(m.name).rfind("pass@1", 0) == 0; }

// "name (SIMULATED)" for a model served by the simulator.
std::string model_label(const std::string& model, const std::map<size_t, const SuiteSummary*>& by_run) {
  for (const auto& [i, s] : by_run) {
    if (s->simulated) return model + " (SIMULATED)";
  }
  return model;
}

std::string cell(const Metric& m, const SuiteSummary& s) {
  auto v = m.value(s);
  if (!v) return "n/a";
  if (is_pass1(m)) return cells::with_ci(v, s.pass1_ci);
  if (std::string(m.name) == "cons@n") return cells::number(v, 3);
  if (m.percent) return fmt::format("{:.1f}%", 100 * *v);
  if (std::string(m.name) == "$ / problem") return cells::usd(v);
  return fmt::format("{:.1f}", *v);
}

// suite -> model -> run position -> summary
using Series = std::map<std::string, std::map<std::string, std::map<size_t, const SuiteSummary*>>>;

Series arrange(const std::vector<RunRecord>& runs, const std::vector<SuiteSummary>& summaries) {
  std::map<std::string, size_t> pos;
  for (size_t i = 0; i < runs.size(); ++i) pos[runs[i].id] = i;
  Series out;
  for (const auto& s : summaries) {
    auto it = pos.find(s.run_id);
    if (it != pos.end()) out[s.suite][s.model][it->second] = &s;
  }
  return out;
}

std::string text_history(const std::string& tag, const std::vector<RunRecord>& runs, const Series& series, bool md) {
  std::string out = md ? fmt::format("# rigor history: tag {}\n\n", escape_markdown(tag))
                       : fmt::format("rigor history: tag {} ({} runs, oldest first)\n", escape_terminal(tag), runs.size());
  auto esc = [md](const std::string& s) { return md ? escape_markdown(s) : escape_terminal(s); };
  // Runs are numbered once here, so the tables below stay narrow.
  std::vector<std::vector<std::string>> list{{"#", "run", "started", "finished"}};
  for (size_t i = 0; i < runs.size(); ++i) {
    list.push_back({std::to_string(i + 1), esc(runs[i].id), esc(runs[i].started_at),
                    runs[i].finished_at.empty() ? "(unfinished)" : esc(runs[i].finished_at)});
  }
  out += md ? detail::md_table(list) : detail::aligned(list);
  bool simulated = false;
  for (const auto& [suite, models] : series) {
    for (const auto& [model, by_run] : models) simulated |= model_label(model, by_run) != model;
  }
  if (simulated) {
    out += md ? "\n> **SIMULATED**: a model marked (SIMULATED) was served by rigor's simulator, not a real model.\n"
              : "*** SIMULATED: a model marked (SIMULATED) was served by rigor's simulator, not a real model ***\n";
  }
  for (const auto& [suite, models] : series) {
    for (const auto& [model, by_run] : models) {
      const std::string name = esc(model_label(model, by_run));
      out += md ? fmt::format("\n## {} / {}\n\n", esc(suite), name) : fmt::format("\n{} / {}\n", esc(suite), name);
      // Accuracy, then tokens, speed and cost: two narrow tables, not one wide one.
      const std::pair<size_t, size_t> groups[] = {{0, 5}, {5, metrics().size()}};
      for (const auto& [first, last] : groups) {
        std::vector<std::vector<std::string>> rows;
        std::vector<std::string> header{"#"};
        for (size_t mi = first; mi < last; ++mi) header.push_back(metrics()[mi].name);
        rows.push_back(header);
        for (const auto& [i, s] : by_run) {
          std::vector<std::string> row{std::to_string(i + 1) + (s->complete() ? "" : "*")};
          for (size_t mi = first; mi < last; ++mi) row.push_back(esc(cell(metrics()[mi], *s)));
          rows.push_back(std::move(row));
        }
        out += (first > 0 ? "\n" : "") + (md ? detail::md_table(rows) : detail::aligned(rows));
      }
      for (const auto& [i, s] : by_run) {
        if (!s->complete()) out += fmt::format("{}* run {}: {}\n", md ? "\n" : "", i + 1, esc(s->incomplete_label()));
      }
    }
  }
  return out;
}

std::string html_history(const std::string& tag, const std::vector<RunRecord>& runs, const Series& series,
                         const ReportMeta& meta) {
  std::string out = detail::html_open("rigor history: " + tag);
  out += "<style>.charts{display:flex;flex-wrap:wrap;gap:1em}figure.chart{border:1px solid #e3e3e3;padding:.5em;margin:0}"
         "svg.plot{font-size:11px;max-width:100%;height:auto}svg.plot .grid{stroke:#eee}svg.plot .frame{fill:none;stroke:#999}"
         "ul.legend{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.2em 1em;font-size:12px;max-width:560px}"
         "p.note{font-size:12px;color:#555;max-width:560px}</style>\n";
  out += "<h1>rigor history: tag " + escape_html(tag) + "</h1>\n";
  out += fmt::format("<p>Rendered by rigor {}; {} runs, oldest first.</p>\n", escape_html(meta.harness_version), runs.size());
  std::vector<std::vector<std::string>> list{{"#", "run", "started", "finished", "version", "seed"}};
  for (size_t i = 0; i < runs.size(); ++i) {
    list.push_back({std::to_string(i + 1), escape_html(runs[i].id), escape_html(runs[i].started_at),
                    runs[i].finished_at.empty() ? "(unfinished)" : escape_html(runs[i].finished_at),
                    escape_html(runs[i].version), std::to_string(runs[i].seed)});
  }
  out += detail::html_table(list);
  // A model keeps its colour on every chart: styles follow the sorted model names.
  std::map<std::string, int> styles;
  for (const auto& [suite, models] : series) {
    for (const auto& [model, by_run] : models) {
      styles[model] = 0;
      if (model_label(model, by_run) != model && out.find("class=\"simulated\"") == std::string::npos) {
        out += "<p class=\"simulated\">SIMULATED: a model marked (SIMULATED) was served by rigor's simulator, not a "
               "real model.</p>\n";
      }
    }
  }
  int next_style = 0;
  for (auto& [model, style] : styles) style = next_style++;
  int chart_no = 0;
  for (const auto& [suite, models] : series) {
    out += "<h2>" + escape_html(suite) + "</h2>\n<div class=\"charts\">\n";
    for (const auto& m : metrics()) {
      svg::Chart c;
      c.id = fmt::format("history-{}", chart_no++);
      c.kind = "history";
      c.title = suite + ": " + m.name;
      c.x = {.label = "run # (oldest first)", .integer = true};
      c.y = {.label = m.name, .percent = m.percent};
      c.width = 560;
      c.height = 300;
      for (const auto& [model, by_run] : models) {
        svg::Series s{model_label(model, by_run), {}, styles.at(model), true};
        for (const auto& [i, sum] : by_run) {
          auto v = m.value(*sum);
          if (!v) continue;
          svg::Point p{.x = static_cast<double>(i + 1), .y = *v};
          if (is_pass1(m)) {
            p.y_lo = sum->pass1_ci.lo;
            p.y_hi = sum->pass1_ci.hi;
          }
          p.tooltip = fmt::format("{} run {} ({}): {}", model, runs[i].id, runs[i].started_at, cell(m, *sum));
          s.points.push_back(std::move(p));
        }
        c.series.push_back(std::move(s));
      }
      out += svg::render_chart(c);
    }
    out += "</div>\n";
  }
  return out + detail::kHtmlClose;
}

}  // namespace

std::string render_history(const std::string& tag, const std::vector<RunRecord>& runs,
                           const std::vector<SuiteSummary>& summaries, Format format, const ReportMeta& meta) {
  const Series series = arrange(runs, summaries);
  switch (format) {
    case Format::kTable: return text_history(tag, runs, series, false);
    case Format::kMarkdown: return text_history(tag, runs, series, true);
    case Format::kHtml: return html_history(tag, runs, series, meta);
    default: throw std::invalid_argument("--history renders as table, md or html");
  }
}

}  // namespace rigor
