#include "reports/gate.h"

#include <cmath>
#include <map>
#include <stdexcept>

#include <boost/math/distributions/students_t.hpp>
#include <fmt/format.h>

#include "reports/escape.h"

namespace rigor {
namespace {

struct Tally {
  int stored = 0;
  int finished = 0;
  int correct = 0;
  int truncated = 0;
  int extract_failed = 0;
  int errors = 0;
};

// model -> suite -> problem -> tally.
using Tallies = std::map<std::string, std::map<std::string, std::map<std::string, Tally>>>;

Tallies tally(const std::string& run, const std::vector<SampleRecord>& samples) {
  Tallies t;
  for (const SampleRecord& s : samples) {
    if (s.run_id != run) continue;
    Tally& p = t[s.model][s.suite][s.problem_id];
    ++p.stored;
    if (s.status != SampleStatus::kOk) {
      ++p.errors;
      continue;
    }
    ++p.finished;
    p.correct += s.correct ? 1 : 0;
    p.truncated += s.truncated ? 1 : 0;
    p.extract_failed += s.extracted_ok ? 0 : 1;
  }
  return t;
}

// Paired values of one metric: baseline and current per shared problem.
struct Paired {
  std::vector<double> base, cur;
};

GateCheck check(GateMetric metric, const Paired& v, double one_sided_alpha, double threshold) {
  GateCheck c;
  c.metric = metric;
  c.threshold = threshold;
  c.problems = static_cast<int>(v.base.size());
  if (c.problems == 0) return c;
  double sb = 0, sc = 0;
  for (size_t i = 0; i < v.base.size(); ++i) {
    sb += v.base[i];
    sc += v.cur[i];
  }
  c.baseline = sb / c.problems;
  c.current = sc / c.problems;
  c.delta = c.current - c.baseline;
  if (c.problems < 2) return c;
  double ss = 0;
  for (size_t i = 0; i < v.base.size(); ++i) {
    const double dev = (v.cur[i] - v.base[i]) - c.delta;
    ss += dev * dev;
  }
  const double se = std::sqrt(ss / (c.problems - 1) / c.problems);
  const double t = boost::math::quantile(boost::math::students_t(c.problems - 1), 1 - one_sided_alpha);
  c.ci = Interval{c.delta - t * se, c.delta + t * se};
  // A tiny tolerance so that rounding in an all-equal column never alarms.
  constexpr double kEps = 1e-12;
  if (metric == GateMetric::kPass1) {
    c.alarm = c.ci->hi < -kEps && -c.delta > threshold;
  } else {
    c.alarm = c.ci->lo > kEps && c.delta > threshold;
  }
  return c;
}

void validate(const GateOptions& o) {
  if (!(o.alpha > 0 && o.alpha < 0.5)) throw std::invalid_argument(fmt::format("gate alpha {} not in (0, 0.5)", o.alpha));
  for (double x : {o.min_effect, o.max_error_rise, o.max_trunc_rise, o.max_extract_fail_rise}) {
    if (!(x >= 0 && x <= 1)) throw std::invalid_argument(fmt::format("gate threshold {} not in [0, 1]", x));
  }
}

// pass@1 in the unit of every report (a fraction, 3 decimals); rates in percent.
std::string value(GateMetric m, double v) {
  return m == GateMetric::kPass1 ? fmt::format("{:.3f}", v) : fmt::format("{:.1f}%", 100 * v);
}
std::string change(GateMetric m, double v) {
  return m == GateMetric::kPass1 ? fmt::format("{:+.3f}", v) : fmt::format("{:+.1f} pts", 100 * v);
}

// A Markdown code span holding `text` verbatim: nothing is escaped inside
// backticks, so the fence is made longer than any run of backticks in it.
std::string code_span(const std::string& text) {
  std::string flat = text;
  for (char& c : flat) {
    if (c == '\n' || c == '\r' || c == '|') c = c == '|' ? '/' : ' ';  // one table-safe line
  }
  size_t longest = 0, run = 0;
  for (char c : flat) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  const std::string fence(longest + 1, '`');
  const bool pad = !flat.empty() && (flat.front() == '`' || flat.back() == '`');
  return fence + (pad ? " " : "") + flat + (pad ? " " : "") + fence;
}

}  // namespace

const char* to_string(GateMetric m) {
  switch (m) {
    case GateMetric::kPass1: return "pass@1";
    case GateMetric::kErrorRate: return "errors";  // the report's names for the same rates
    case GateMetric::kTruncRate: return "truncated";
    case GateMetric::kExtractFailRate: return "extraction failed";
  }
  return "?";
}

int GateResult::alarms() const {
  int n = static_cast<int>(missing.size());
  for (const GateCheck& c : checks) n += c.alarm ? 1 : 0;
  return n;
}

GateResult run_gate(const std::string& baseline_run, const std::vector<SampleRecord>& baseline,
                    const std::string& current_run, const std::vector<SampleRecord>& current,
                    const GateOptions& opt) {
  validate(opt);
  const Tallies tb = tally(baseline_run, baseline);
  const Tallies tc = tally(current_run, current);
  GateResult r;
  r.baseline_run = baseline_run;
  r.current_run = current_run;
  for (const auto& [model, suites] : tb) {
    auto mc = tc.find(model);
    for (const auto& [suite, problems] : suites) {
      if (mc == tc.end() || !mc->second.count(suite)) {
        r.missing.push_back(model + "/" + suite);
      } else {
        ++r.pairs;
      }
    }
  }
  for (const auto& [model, suites] : tc) {
    auto mb = tb.find(model);
    for (const auto& [suite, problems] : suites) {
      if (mb == tb.end() || !mb->second.count(suite)) r.notes.push_back(fmt::format("{}/{} is new (not gated)", model, suite));
    }
  }
  const double a1 = opt.alpha / std::max(1, r.pairs);
  r.level = 1 - 2 * a1;
  for (const auto& [model, suites] : tb) {
    auto mc = tc.find(model);
    if (mc == tc.end()) continue;
    for (const auto& [suite, pb] : suites) {
      auto sc = mc->second.find(suite);
      if (sc == mc->second.end()) continue;
      Paired pass, trunc, extract, errors;
      for (const auto& [id, b] : pb) {
        auto it = sc->second.find(id);
        if (it == sc->second.end()) continue;
        const Tally& c = it->second;
        errors.base.push_back(static_cast<double>(b.errors) / b.stored);
        errors.cur.push_back(static_cast<double>(c.errors) / c.stored);
        if (b.finished == 0 || c.finished == 0) continue;
        if (b.finished < opt.n_baseline || c.finished < opt.n_current) {
          ++r.partial;
          continue;
        }
        pass.base.push_back(static_cast<double>(b.correct) / b.finished);
        pass.cur.push_back(static_cast<double>(c.correct) / c.finished);
        trunc.base.push_back(static_cast<double>(b.truncated) / b.finished);
        trunc.cur.push_back(static_cast<double>(c.truncated) / c.finished);
        extract.base.push_back(static_cast<double>(b.extract_failed) / b.finished);
        extract.cur.push_back(static_cast<double>(c.extract_failed) / c.finished);
      }
      for (GateCheck c : {check(GateMetric::kPass1, pass, a1, opt.min_effect),
                          check(GateMetric::kErrorRate, errors, a1, opt.max_error_rise),
                          check(GateMetric::kTruncRate, trunc, a1, opt.max_trunc_rise),
                          check(GateMetric::kExtractFailRate, extract, a1, opt.max_extract_fail_rise)}) {
        c.model = model;
        c.suite = suite;
        r.checks.push_back(std::move(c));
      }
    }
  }
  return r;
}

std::string render_gate_markdown(const GateResult& r, const GateOptions& opt) {
  std::string out;
  const int alarms = r.alarms();
  if (alarms > 0) {
    out += fmt::format("## rigor gate: FAIL ({} alarm{})\n\n", alarms, alarms == 1 ? "" : "s");
  } else {
    out += "## rigor gate: PASS\n\n";
  }
  if (!r.simulated.empty()) {
    std::string who;
    for (const auto& m : r.simulated) who += (who.empty() ? "" : ", ") + escape_markdown(m);
    out += fmt::format("> **SIMULATED**: {} served by rigor's simulator, not a real model.\n\n", who);
  }
  out += fmt::format("Current run {} against baseline {}: {} model/suite pair{} checked.\n\n",
                     code_span(r.current_run), code_span(r.baseline_run), r.pairs, r.pairs == 1 ? "" : "s");
  out += fmt::format(
      "Settings: paired t interval per check at {:.2f}% (false-alarm rate {} for the whole gate, Bonferroni over "
      "{} pair{}); min effect {:.3f} (pass@1); max rise: errors {} pts, truncation {} pts, extraction failures {} "
      "pts.\n\n",
      100 * r.level, opt.alpha, r.pairs, r.pairs == 1 ? "" : "s", opt.min_effect, 100 * opt.max_error_rise,
      100 * opt.max_trunc_rise, 100 * opt.max_extract_fail_rise);
  if (opt.n_baseline > 0 || opt.n_current > 0) {
    out += fmt::format("pass@1 and the rates are over the problems both runs finished completely (all n samples){}.\n\n",
                       r.partial > 0 ? fmt::format("; {} problem{} left out as partial", r.partial,
                                                   r.partial == 1 ? "" : "s")
                                     : "");
  }
  for (const auto& m : r.missing) out += fmt::format("- **MISSING**: {} is in the baseline but not in the current run\n", escape_markdown(m));
  for (const auto& n : r.notes) out += fmt::format("- note: {}\n", escape_markdown(n));
  if (!r.missing.empty() || !r.notes.empty()) out += "\n";
  out += "| verdict | model | suite | metric | baseline | current | change | interval | problems |\n";
  out += "|---|---|---|---|---:|---:|---:|---|---:|\n";
  auto row = [&](const GateCheck& c) {
    const std::string ci =
        c.ci ? fmt::format("[{}, {}]", change(c.metric, c.ci->lo), change(c.metric, c.ci->hi))
             : std::string("n/a (< 2 problems)");
    const char* verdict = c.alarm ? (c.metric == GateMetric::kPass1 ? "**REGRESSION**" : "**RATE UP**") : "ok";
    out += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} | {} |\n", verdict, escape_markdown(c.model),
                       escape_markdown(c.suite), to_string(c.metric), value(c.metric, c.baseline),
                       value(c.metric, c.current), change(c.metric, c.delta), ci, c.problems);
  };
  // Alarms first, then every pass@1, then the rates that moved.
  for (const GateCheck& c : r.checks) {
    if (c.alarm) row(c);
  }
  for (const GateCheck& c : r.checks) {
    if (!c.alarm && c.metric == GateMetric::kPass1) row(c);
  }
  for (const GateCheck& c : r.checks) {
    if (!c.alarm && c.metric != GateMetric::kPass1 && (c.baseline != 0 || c.current != 0)) row(c);
  }
  return out;
}

}  // namespace rigor
