// The per-suite charts of the HTML report.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "reports/escape.h"
#include "reports/html_detail.h"
#include "reports/metrics.h"
#include "reports/svg.h"

namespace rigor::html {
namespace {

svg::Point pass1_point(double x, const SuiteSummary& s, const std::string& heading, const std::string& x_text) {
  svg::Point p;
  p.x = x;
  p.y = *s.pass1;
  p.y_lo = s.pass1_ci.lo;
  p.y_hi = s.pass1_ci.hi;
  p.tooltip = fmt::format("{}: pass@1 {:.3f} [{:.3f}, {:.3f}], {}", heading, *s.pass1, s.pass1_ci.lo, s.pass1_ci.hi, x_text);
  return p;
}

// The Pareto frontier: points no other point beats on both cost (lower) and
// accuracy (higher), in order of cost.
std::vector<svg::Point> pareto(std::vector<svg::Point> pts) {
  std::sort(pts.begin(), pts.end(), [](const svg::Point& a, const svg::Point& b) {
    return a.x != b.x ? a.x < b.x : a.y > b.y;
  });
  std::vector<svg::Point> out;
  for (const auto& p : pts) {
    if (out.empty() || p.y > out.back().y) {
      svg::Point q{.x = p.x, .y = p.y};
      q.tooltip = "on the Pareto frontier";
      out.push_back(q);
    }
  }
  return out;
}

std::string accuracy_cost(const std::string& suite, int no, const std::vector<Column>& cols) {
  svg::Chart c;
  c.id = fmt::format("chart-cost-{}", no);
  c.kind = "accuracy-cost";
  c.title = suite + ": accuracy against cost";
  c.x = {"US$ per problem", true};
  c.y = {.label = "pass@1", .percent = true};
  std::vector<svg::Point> all;
  int unknown = 0;
  for (const Column& col : cols) {
    svg::Series s{col.heading, {}, col.style};
    const SuiteSummary& m = *col.summary;
    if (m.pass1 && m.cost_per_problem && *m.cost_per_problem > 0) {
      s.points.push_back(pass1_point(*m.cost_per_problem, m, col.heading, fmt::format("${:.4g} per problem", *m.cost_per_problem)));
      all.push_back(s.points.back());
    } else {
      ++unknown;
    }
    c.series.push_back(std::move(s));
  }
  if (all.size() > 1) c.series.push_back({"Pareto frontier", pareto(all), -1, false, true, true});
  c.note = "Bars: 95% bootstrap interval. Dashed: the Pareto frontier (no model is both cheaper and more accurate).";
  if (unknown > 0) c.note += fmt::format(" {} model(s) without a known cost are not drawn.", unknown);
  return svg::render_chart(c);
}

std::string accuracy_speed(const std::string& suite, int no, const std::vector<Column>& cols) {
  svg::Chart c;
  c.id = fmt::format("chart-speed-{}", no);
  c.kind = "accuracy-speed";
  c.title = suite + ": accuracy against decode speed";
  c.x = {"median decode tokens/s per request"};
  c.y = {.label = "pass@1", .percent = true};
  for (const Column& col : cols) {
    svg::Series s{col.heading, {}, col.style};
    const SuiteSummary& m = *col.summary;
    if (m.pass1 && m.decode_tps_p50) {
      s.points.push_back(pass1_point(*m.decode_tps_p50, m, col.heading, fmt::format("{:.1f} tok/s", *m.decode_tps_p50)));
    }
    c.series.push_back(std::move(s));
  }
  c.note = "Decode speed: (output tokens - 1) / (last token - first token time), median over requests.";
  return svg::render_chart(c);
}

std::string pass_at_k_curves(const std::string& suite, int no, const std::vector<Column>& cols, const SampleIndex& idx) {
  svg::Chart c;
  c.id = fmt::format("chart-passk-{}", no);
  c.kind = "pass-at-k";
  c.title = suite + ": pass@k";
  c.x = {.label = "k (samples drawn of n)", .min = 1.0, .integer = true};
  c.y = {.label = "pass@k", .percent = true};
  for (const Column& col : cols) {
    svg::Series s{col.heading, {}, col.style, true};
    if (const auto* problems = problems_of(idx, *col.summary)) {
      std::vector<std::pair<int, int>> nc;  // finished, correct per problem
      int n_max = 0;
      for (const auto& [pid, samples] : *problems) {
        int n = 0, k = 0;
        for (const auto* r : samples) {
          if (r->status != SampleStatus::kOk) continue;
          ++n;
          k += r->correct ? 1 : 0;
        }
        if (n > 0) nc.emplace_back(n, k);
        n_max = std::max(n_max, n);
      }
      for (int k = 1; k <= n_max; ++k) {
        double sum = 0;
        int m = 0;
        for (auto [n, correct] : nc) {
          if (n < k) continue;
          sum += pass_at_k(n, correct, k);
          ++m;
        }
        if (m == 0) continue;
        svg::Point p{.x = static_cast<double>(k), .y = sum / m};
        p.tooltip = fmt::format("{}: pass@{} = {:.3f} over {} problems", col.heading, k, sum / m, m);
        s.points.push_back(p);
      }
    }
    c.series.push_back(std::move(s));
  }
  c.note = "Unbiased estimator 1 - C(n-c,k)/C(n,k) per problem, averaged over problems with at least k finished samples.";
  return svg::render_chart(c);
}

svg::Box box_of(std::vector<double> v) {
  svg::Box b;
  b.count = static_cast<int>(v.size());
  if (v.empty()) return b;
  b.p10 = *percentile(v, 0.10);
  b.p25 = *percentile(v, 0.25);
  b.p50 = *percentile(v, 0.50);
  b.p75 = *percentile(v, 0.75);
  b.p90 = *percentile(v, 0.90);
  return b;
}

std::string output_lengths(const std::string& suite, int no, const std::vector<Column>& cols, const SampleIndex& idx) {
  svg::BoxChart c;
  c.id = fmt::format("chart-length-{}", no);
  c.kind = "output-length";
  c.title = suite + ": output length (completion tokens, reasoning included)";
  c.x = {"completion tokens", true};
  c.box_names = {"correct", "wrong"};
  int unreported = 0;
  for (const Column& col : cols) {
    std::vector<double> right, wrong;
    int finished = 0, truncated = 0;
    if (const auto* problems = problems_of(idx, *col.summary)) {
      for (const auto& [pid, samples] : *problems) {
        for (const auto* r : samples) {
          if (r->status != SampleStatus::kOk) continue;
          ++finished;
          truncated += r->truncated ? 1 : 0;
          if (r->completion_tokens < 0) {
            ++unreported;
            continue;
          }
          (r->correct ? right : wrong).push_back(static_cast<double>(r->completion_tokens));
        }
      }
    }
    svg::BoxRow row{col.heading, {box_of(right), box_of(wrong)}, ""};
    row.note = finished == 0 ? "no finished samples"
                             : fmt::format("truncated {:.1f}% ({}/{})", 100.0 * truncated / finished, truncated, finished);
    c.rows.push_back(std::move(row));
  }
  c.note = "Boxes: 25th-75th percentile, tick: median, whiskers: 10th-90th percentile. Truncated: finished samples "
           "cut at max_tokens or with an unclosed <think>.";
  if (unreported > 0) c.note += fmt::format(" {} samples without a reported token count are left out.", unreported);
  return svg::render_box_chart(c);
}

}  // namespace

std::string suite_charts(const std::string& suite, int no, const std::vector<Column>& cols, const SampleIndex& idx) {
  std::string out = "<h3>" + escape_html(suite) + "</h3>\n<div class=\"charts\">\n";
  out += accuracy_cost(suite, no, cols);
  out += accuracy_speed(suite, no, cols);
  out += pass_at_k_curves(suite, no, cols, idx);
  out += output_lengths(suite, no, cols, idx);
  return out + "</div>\n";
}

}  // namespace rigor::html
