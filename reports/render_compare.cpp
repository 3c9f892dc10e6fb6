// Renders paired comparisons. Problem ids, model names and run ids are
// untrusted text and escaped like everything else.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "reports/compare.h"
#include "reports/escape.h"
#include "reports/render_impl.h"

namespace rigor {
namespace {

using Json = nlohmann::json;

std::string signed3(double v) { return fmt::format("{:+.3f}", v); }

std::string p_text(double p) { return p < 0.001 ? "< 0.001" : fmt::format("{:.3f}", p); }

std::string side_a(const PairedComparison& c) { return c.model_a + " @" + c.run_a + (c.simulated_a ? " (SIMULATED)" : ""); }
std::string side_b(const PairedComparison& c) { return c.model_b + " @" + c.run_b + (c.simulated_b ? " (SIMULATED)" : ""); }

// What a comparison rests on: the problems both sides finished completely.
std::string basis(const PairedComparison& c) {
  std::string out = fmt::format("{} problems finished completely on both sides", c.problems);
  if (c.partial > 0) out += fmt::format("; {} left out (not all samples finished on a side)", c.partial);
  if (c.only_a + c.only_b > 0) out += fmt::format("; {} only in A, {} only in B", c.only_a, c.only_b);
  if (!c.incomplete_a.empty()) out += "; A: " + c.incomplete_a;
  if (!c.incomplete_b.empty()) out += "; B: " + c.incomplete_b;
  return out;
}

bool any_simulated(const std::vector<PairedComparison>& cs) {
  for (const auto& c : cs) {
    if (c.simulated_a || c.simulated_b) return true;
  }
  return false;
}

constexpr const char* kSimulatedLine =
    "SIMULATED: at least one side was served by rigor's simulator, not a real model";

template <typename Escape>
std::vector<std::vector<std::string>> summary_grid(const std::vector<PairedComparison>& cs, Escape esc) {
  std::vector<std::vector<std::string>> g{{"suite", "A", "B", "problems", "pass@1 A", "pass@1 B", "A - B",
                                           "95% CI", "p (paired)", "A>B", "B>A", "only A/B", "$/problem A/B",
                                           "decode tok/s A/B"}};
  auto times = [](std::optional<double> r) { return r ? fmt::format("{:.2f}x", *r) : std::string("n/a"); };
  for (const auto& c : cs) {
    g.push_back({esc(c.suite), esc(side_a(c)), esc(side_b(c)),
                 std::to_string(c.problems), fmt::format("{:.3f}", c.pass1_a), fmt::format("{:.3f}", c.pass1_b),
                 signed3(c.diff), fmt::format("[{}, {}]", signed3(c.diff_ci.lo), signed3(c.diff_ci.hi)),
                 p_text(c.p_value), std::to_string(c.a_better.size()), std::to_string(c.b_better.size()),
                 fmt::format("{}/{}", c.only_a, c.only_b), times(c.cost_ratio), times(c.speed_ratio)});
  }
  return g;
}

template <typename Escape>
std::vector<std::vector<std::string>> delta_grid(const std::vector<ProblemDelta>& ds, size_t max, Escape esc) {
  std::vector<std::vector<std::string>> g{{"problem", "rate A", "rate B", "A - B"}};
  for (size_t i = 0; i < ds.size() && i < max; ++i) {
    const auto& d = ds[i];
    g.push_back({esc(d.problem_id), fmt::format("{:.2f} ({})", d.rate_a, d.n_a),
                 fmt::format("{:.2f} ({})", d.rate_b, d.n_b), signed3(d.diff())});
  }
  return g;
}

std::string more(size_t total, size_t max) {
  return total > max ? fmt::format("... and {} more\n", total - max) : std::string();
}

// A Markdown table runs until a blank line, so the note needs one before it.
std::string md_more(size_t total, size_t max) {
  return total > max ? "\n" + more(total, max) : std::string();
}

const char* kMethod =
    "A - B: difference in pass@1 over the problems both runs finished completely (all n samples); 95% CI by "
    "paired bootstrap "
    "(same resampled problems for both); p: two-sided paired sign-flip permutation test";

// The terminal layout: one stacked block per comparison (a 14-column grid
// is twice as wide as a terminal).
std::string text(const std::vector<PairedComparison>& cs, const ReportMeta& meta, size_t max) {
  auto esc = [](const std::string& s) { return escape_terminal(s); };
  std::string out = fmt::format("rigor {} compare\n", esc(meta.harness_version));
  out += wrap_row("", fmt::format("{} ({} resamples, seed {})", kMethod, meta.bootstrap_resamples, meta.bootstrap_seed),
                  0, 100);
  if (any_simulated(cs)) out += std::string("*** ") + kSimulatedLine + " ***\n";
  auto times = [](std::optional<double> r) { return r ? fmt::format("{:.2f}x", *r) : std::string("n/a"); };
  for (const auto& c : cs) {
    out += fmt::format("\n== {} ==\n", esc(c.suite));
    std::vector<std::vector<std::string>> g{{"A", esc(side_a(c))}, {"B", esc(side_b(c))}};
    g.push_back({"compared on", esc(basis(c))});
    g.push_back({"pass@1 A / B", fmt::format("{:.3f} / {:.3f}", c.pass1_a, c.pass1_b)});
    g.push_back({"A - B [95% CI]", fmt::format("{} [{}, {}]   p (paired) {}", signed3(c.diff), signed3(c.diff_ci.lo),
                                                signed3(c.diff_ci.hi), p_text(c.p_value))});
    g.push_back({"problems A>B / B>A", fmt::format("{} / {}", c.a_better.size(), c.b_better.size())});
    g.push_back({"$/problem A/B", times(c.cost_ratio)});
    g.push_back({"decode tok/s A/B", times(c.speed_ratio)});
    for (auto& row : g) {
      // Long cells (run ids, the basis) wrap under their column.
      out += wrap_row(row[0], row[1], 20, 98);
    }
  }
  for (const auto& c : cs) {
    if (c.suite == kAllSuites) continue;  // its problems are listed under their suites
    const std::string head = esc(c.suite) + ": A = " + esc(c.model_a) + ", B = " + esc(c.model_b);
    if (!c.a_better.empty()) {
      out += "\n" + head + " - problems where A beats B\n" + detail::aligned(delta_grid(c.a_better, max, esc));
      out += more(c.a_better.size(), max);
    }
    if (!c.b_better.empty()) {
      out += "\n" + head + " - problems where B beats A\n" + detail::aligned(delta_grid(c.b_better, max, esc));
      out += more(c.b_better.size(), max);
    }
  }
  return out;
}

std::string markdown(const std::vector<PairedComparison>& cs, const ReportMeta& meta, size_t max) {
  auto esc = [](const std::string& s) { return escape_markdown(s); };
  std::string out = "# rigor compare\n\n";
  if (any_simulated(cs)) out += std::string("> **") + kSimulatedLine + "**\n\n";
  out += fmt::format("- harness version: {}\n- {} ({} resamples, seed {})\n", esc(meta.harness_version), kMethod,
                     meta.bootstrap_resamples, meta.bootstrap_seed);
  for (const auto& c : cs) out += "- " + esc(c.suite) + ": " + esc(basis(c)) + "\n";
  out += "\n" + detail::md_table(summary_grid(cs, esc));
  for (const auto& c : cs) {
    if (c.suite == kAllSuites) continue;  // its problems are listed under their suites
    const std::string head = esc(c.suite) + ": A = " + esc(c.model_a + " @" + c.run_a) + ", B = " +
                             esc(c.model_b + " @" + c.run_b);
    if (!c.a_better.empty()) {
      out += "\n### " + head + " — A beats B\n\n" + detail::md_table(delta_grid(c.a_better, max, esc));
      out += md_more(c.a_better.size(), max);
    }
    if (!c.b_better.empty()) {
      out += "\n### " + head + " — B beats A\n\n" + detail::md_table(delta_grid(c.b_better, max, esc));
      out += md_more(c.b_better.size(), max);
    }
  }
  return out;
}

std::string html(const std::vector<PairedComparison>& cs, const ReportMeta& meta, size_t max) {
  auto esc = [](const std::string& s) { return escape_html(s); };
  std::string out = detail::html_open("rigor compare") + "<h1>rigor compare</h1>\n";
  if (any_simulated(cs)) out += std::string("<p class=\"simulated\">") + kSimulatedLine + "</p>\n";
  out += fmt::format("<p>harness version {}; {} ({} resamples, seed {})</p>\n<ul>", esc(meta.harness_version),
                     esc(kMethod), meta.bootstrap_resamples, meta.bootstrap_seed);
  for (const auto& c : cs) out += "<li>" + esc(c.suite) + ": " + esc(basis(c)) + "</li>";
  out += "</ul>\n";
  out += detail::html_table(summary_grid(cs, esc));
  for (const auto& c : cs) {
    if (c.suite == kAllSuites) continue;  // its problems are listed under their suites
    const std::string head = esc(c.suite) + ": A = " + esc(c.model_a + " @" + c.run_a) + ", B = " +
                             esc(c.model_b + " @" + c.run_b);
    if (!c.a_better.empty()) {
      out += "<h3>" + head + " &mdash; A beats B</h3>\n" + detail::html_table(delta_grid(c.a_better, max, esc));
      if (c.a_better.size() > max) out += "<p>" + more(c.a_better.size(), max) + "</p>\n";
    }
    if (!c.b_better.empty()) {
      out += "<h3>" + head + " &mdash; B beats A</h3>\n" + detail::html_table(delta_grid(c.b_better, max, esc));
      if (c.b_better.size() > max) out += "<p>" + more(c.b_better.size(), max) + "</p>\n";
    }
  }
  return out + detail::kHtmlClose;
}

Json deltas_json(const std::vector<ProblemDelta>& ds) {
  Json arr = Json::array();
  for (const auto& d : ds) {
    arr.push_back({{"problem_id", d.problem_id}, {"rate_a", d.rate_a}, {"rate_b", d.rate_b}, {"n_a", d.n_a},
                   {"n_b", d.n_b}, {"diff", d.diff()}});
  }
  return arr;
}

std::string json(const std::vector<PairedComparison>& cs, const ReportMeta& meta) {
  Json root = detail::meta_json(meta);
  root["p_value_method"] = "paired sign-flip permutation, two-sided";
  root["ci_method"] = "paired percentile bootstrap over problems";
  root["basis"] = "problems finished completely (all n samples) on both sides";
  root["simulated"] = any_simulated(cs);
  Json arr = Json::array();
  for (const auto& c : cs) {
    arr.push_back({{"suite", c.suite}, {"run_a", c.run_a}, {"model_a", c.model_a}, {"run_b", c.run_b},
                   {"model_b", c.model_b}, {"problems", c.problems}, {"only_a", c.only_a}, {"only_b", c.only_b},
                   {"partial", c.partial}, {"simulated_a", c.simulated_a}, {"simulated_b", c.simulated_b},
                   {"incomplete_a", c.incomplete_a.empty() ? Json() : Json(c.incomplete_a)},
                   {"incomplete_b", c.incomplete_b.empty() ? Json() : Json(c.incomplete_b)},
                   {"pass1_a", c.pass1_a}, {"pass1_b", c.pass1_b}, {"diff", c.diff}, {"diff_lo", c.diff_ci.lo},
                   {"diff_hi", c.diff_ci.hi}, {"p_value", c.p_value}, {"a_better", deltas_json(c.a_better)},
                   {"b_better", deltas_json(c.b_better)},
                   {"cost_ratio", c.cost_ratio ? Json(*c.cost_ratio) : Json()},
                   {"speed_ratio", c.speed_ratio ? Json(*c.speed_ratio) : Json()}});
  }
  root["comparisons"] = arr;
  return detail::dump_json(root);
}

std::string csv(const std::vector<PairedComparison>& cs) {
  std::string out = "suite,run_a,model_a,run_b,model_b,problems,only_a,only_b,partial,simulated_a,simulated_b,"
                    "pass1_a,pass1_b,diff,diff_lo,diff_hi,p_value,a_better,b_better\r\n";
  for (const auto& c : cs) {
    out += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\r\n", csv_field(c.suite),
                       csv_field(c.run_a), csv_field(c.model_a), csv_field(c.run_b), csv_field(c.model_b), c.problems,
                       c.only_a, c.only_b, c.partial, c.simulated_a, c.simulated_b, c.pass1_a, c.pass1_b, c.diff, c.diff_ci.lo, c.diff_ci.hi, c.p_value,
                       c.a_better.size(), c.b_better.size());
  }
  return out;
}

}  // namespace

std::string render_comparison(const std::vector<PairedComparison>& cs, Format format, const ReportMeta& meta,
                              size_t max_listed) {
  switch (format) {
    case Format::kTable: return text(cs, meta, max_listed);
    case Format::kMarkdown: return markdown(cs, meta, max_listed);
    case Format::kJson: return json(cs, meta);
    case Format::kCsv: return csv(cs);
    case Format::kHtml: return html(cs, meta, max_listed);
  }
  throw std::logic_error("render_comparison: unknown Format value");
}

}  // namespace rigor
