// The per-problem grid, the per-sample drill-down and the metadata section
// of the HTML report. Every model output and name goes through escape_html.
#include <algorithm>
#include <set>
#include <string_view>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "reports/escape.h"
#include "reports/html_detail.h"
#include "reports/render_impl.h"

namespace rigor::html {
namespace {

std::string anchor(int suite_no, size_t problem_no, size_t col_no) {
  return fmt::format("s{}-p{}-m{}", suite_no, problem_no, col_no);
}

// "2024-I-2" before "2024-I-10": digit runs compare as numbers.
bool natural_less(const std::string& a, const std::string& b) {
  size_t i = 0, j = 0;
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  while (i < a.size() && j < b.size()) {
    if (digit(a[i]) && digit(b[j])) {
      size_t ie = i, je = j;
      while (ie < a.size() && digit(a[ie])) ++ie;
      while (je < b.size() && digit(b[je])) ++je;
      std::string_view x(a.data() + i, ie - i), y(b.data() + j, je - j);
      while (x.size() > 1 && x[0] == '0') x.remove_prefix(1);
      while (y.size() > 1 && y[0] == '0') y.remove_prefix(1);
      if (x.size() != y.size()) return x.size() < y.size();
      if (x != y) return x < y;
      i = ie;
      j = je;
    } else {
      if (a[i] != b[j]) return a[i] < b[j];
      ++i;
      ++j;
    }
  }
  return a.size() - i < b.size() - j || (a.size() - i == b.size() - j && a < b);
}

// Problem ids of a suite over all columns, in natural order.
std::vector<std::string> problem_ids(const std::vector<Column>& cols, const SampleIndex& idx) {
  std::set<std::string> seen;
  for (const Column& c : cols) {
    if (const auto* problems = problems_of(idx, *c.summary)) {
      for (const auto& [pid, samples] : *problems) seen.insert(pid);
    }
  }
  std::vector<std::string> ids(seen.begin(), seen.end());
  std::stable_sort(ids.begin(), ids.end(), natural_less);
  return ids;
}

// Red (0) through yellow to green (1).
std::string shade(double rate) {
  const int hue = static_cast<int>(rate * 120 + 0.5);
  return fmt::format("hsl({},70%,{}%)", hue, 78 - static_cast<int>(rate * 8));
}

// Text cut to `limit` bytes at a UTF-8 boundary: head only, or head and tail.
std::string elide(const std::string& s, size_t limit, bool keep_tail) {
  if (s.size() <= limit) return escape_html(s);
  auto boundary = [&](size_t i) {
    while (i > 0 && i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) --i;
    return i;
  };
  const size_t head = boundary(keep_tail ? limit / 2 : limit);
  const size_t tail = keep_tail ? boundary(s.size() - limit / 2) : s.size();
  std::string out = escape_html(s.substr(0, head));
  out += fmt::format("\n<span class=\"elided\">[… {} characters left out; the full text is in the database]</span>\n",
                     tail - head);
  if (keep_tail) out += escape_html(s.substr(tail));
  return out;
}

}  // namespace

std::string problem_grid(const std::string& suite, int no, const std::vector<Column>& cols, const SampleIndex& idx,
                         const HtmlReportOptions& opt) {
  const auto ids = problem_ids(cols, idx);
  std::string out = "<h3>" + escape_html(suite) + "</h3>\n";
  if (ids.empty()) return out + "<p class=\"note\">No stored samples.</p>\n";
  out += fmt::format("<div class=\"grid-wrap\"><table class=\"grid\" id=\"grid-{}\" data-chart=\"problem-grid\">\n<tr><th>problem</th>", no);
  for (const Column& c : cols) out += "<th title=\"" + escape_html(c.heading) + "\">" + escape_html(c.heading) + "</th>";
  out += "</tr>\n";
  for (size_t p = 0; p < ids.size(); ++p) {
    out += "<tr><td class=\"pid\">" + escape_html(ids[p]) + "</td>";
    for (size_t c = 0; c < cols.size(); ++c) {
      const auto* problems = problems_of(idx, *cols[c].summary);
      const std::vector<const SampleRecord*>* samples = nullptr;
      if (problems) {
        auto it = problems->find(ids[p]);
        if (it != problems->end()) samples = &it->second;
      }
      if (!samples) {
        out += "<td title=\"not run\">–</td>";
        continue;
      }
      int finished = 0, correct = 0, errors = 0;
      for (const auto* s : *samples) {
        if (s->status != SampleStatus::kOk) {
          ++errors;
          continue;
        }
        ++finished;
        correct += s->correct ? 1 : 0;
      }
      const std::string text = fmt::format("{}/{}", correct, finished);
      const std::string bg = finished == 0 ? "#ddd" : shade(static_cast<double>(correct) / finished);
      const std::string title = escape_html(fmt::format("{} on {}: {} of {} correct{}", cols[c].heading, ids[p], correct,
                                                        finished, errors ? fmt::format(", {} errors", errors) : ""));
      if (opt.drill_down) {
        out += fmt::format("<td style=\"background:{}\" title=\"{}\"><a href=\"#{}\">{}</a></td>", bg, title,
                           anchor(no, p, c), text);
      } else {
        out += fmt::format("<td style=\"background:{}\" title=\"{}\">{}</td>", bg, title, text);
      }
    }
    out += "</tr>\n";
  }
  return out + "</table></div>\n";
}

std::string drill_down(const std::string& suite, int no, const std::vector<Column>& cols, const SampleIndex& idx,
                       const HtmlReportOptions& opt) {
  const auto ids = problem_ids(cols, idx);
  std::string out = "<h3>" + escape_html(suite) + "</h3>\n";
  for (size_t p = 0; p < ids.size(); ++p) {
    out += "<section class=\"problem\"><h4>" + escape_html(suite) + " / " + escape_html(ids[p]) + "</h4>\n";
    bool prompt_shown = false;
    for (size_t c = 0; c < cols.size(); ++c) {
      const auto* problems = problems_of(idx, *cols[c].summary);
      if (!problems) continue;
      auto it = problems->find(ids[p]);
      if (it == problems->end()) continue;
      if (!prompt_shown && !it->second.empty()) {
        const SampleRecord& first = *it->second.front();
        out += "<details><summary>prompt and reference answer</summary><pre>" +
               elide(first.prompt, opt.max_response_chars, false) + "</pre><p>reference: <code>" +
               elide(first.gold, 400, false) + "</code></p></details>\n";
        prompt_shown = true;
      }
      out += fmt::format("<div class=\"model-samples\" id=\"{}\"><h5>{}</h5>\n", anchor(no, p, c), escape_html(cols[c].heading));
      for (const SampleRecord* s : it->second) {
        if (s->status != SampleStatus::kOk) {
          out += fmt::format("<p class=\"bad\">sample {}: error after {} attempt(s): {}</p>\n", s->sample_idx, s->attempts,
                             escape_html(s->error));
          continue;
        }
        out += fmt::format(
            "<details><summary><span class=\"{}\">sample {}: {}</span>; extracted: <code>{}</code>{}{}</summary>\n",
            s->correct ? "ok" : "bad", s->sample_idx, s->correct ? "correct" : "wrong",
            s->extracted_ok ? escape_html(s->extracted) : "(none)", s->truncated ? "; TRUNCATED" : "",
            s->completion_tokens >= 0 ? fmt::format("; {} tokens", s->completion_tokens) : "");
        out += "<p>response</p><pre class=\"response\">" + elide(s->response, opt.max_response_chars, false) + "</pre>\n";
        if (!s->reasoning.empty()) {
          out += "<p>reasoning</p><pre class=\"reasoning\">" + elide(s->reasoning, opt.max_reasoning_chars, true) + "</pre>\n";
        }
        out += "<p class=\"note\">scorer: " + escape_html(s->score_reason) + "; finish: " + escape_html(s->finish_reason) +
               "</p></details>\n";
      }
      out += "</div>\n";
    }
    out += "</section>\n";
  }
  return out;
}

std::string metadata(const ReportData& data, const ReportMeta& meta) {
  std::string out = "<h2 id=\"metadata\">Metadata</h2>\n";
  out += fmt::format("<p>Rendered by rigor {}; bootstrap {} resamples, seed {}.</p>\n", escape_html(meta.harness_version),
                     meta.bootstrap_resamples, meta.bootstrap_seed);
  std::vector<std::vector<std::string>> runs{{"run", "rigor version", "seed", "config hash", "started", "finished", "tag"}};
  for (const auto& r : data.runs) {
    runs.push_back({escape_html(r.id), escape_html(r.version), std::to_string(r.seed), escape_html(r.config_hash),
                    escape_html(r.started_at), r.finished_at.empty() ? "(unfinished)" : escape_html(r.finished_at),
                    escape_html(r.tag)});
  }
  out += "<h3>Runs</h3>\n" + detail::html_table(runs);
  std::vector<std::vector<std::string>> suites{{"run", "suite", "problems", "dataset SHA-256", "template", "scorer", "source"}};
  for (const auto& r : data.runs) {
    nlohmann::json cfg = nlohmann::json::parse(r.config_json, nullptr, false);
    if (!cfg.is_object() || !cfg.contains("suites") || !cfg["suites"].is_object()) continue;
    for (const auto& [name, s] : cfg["suites"].items()) {
      auto str = [&](const char* k) { return s.contains(k) ? escape_html(s[k].is_string() ? s[k].get<std::string>() : s[k].dump()) : ""; };
      suites.push_back({escape_html(r.id), escape_html(name), str("problems"), str("data_hash"), str("template"),
                        str("scorer") + " " + str("scorer_version"), str("source")});
    }
  }
  out += "<h3>Datasets</h3>\n" + detail::html_table(suites);
  std::vector<std::vector<std::string>> engines{{"run", "model", "engine", "model id", "server label", "simulated"}};
  for (const auto& m : data.models) {
    engines.push_back({escape_html(m.run_id), escape_html(m.model), escape_html(m.engine), escape_html(m.model_id),
                       escape_html(m.server_label), m.simulated ? "SIMULATED" : "no"});
  }
  out += "<h3>Engines</h3>\n" + detail::html_table(engines);
  out += "<h3>Resolved configuration</h3>\n";
  for (const auto& r : data.runs) {
    nlohmann::json cfg = nlohmann::json::parse(r.config_json, nullptr, false);
    const std::string text = cfg.is_discarded() ? r.config_json : cfg.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
    out += "<details><summary>run " + escape_html(r.id) + "</summary><pre class=\"config\">" + escape_html(text) +
           "</pre></details>\n";
  }
  return out;
}

}  // namespace rigor::html
