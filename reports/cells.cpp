#include "reports/cells.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>

namespace rigor::cells {

std::string number(std::optional<double> v, int decimals) {
  if (!v) return "n/a";
  return fmt::format("{:.{}f}", *v, decimals);
}

std::string with_ci(std::optional<double> v, const Interval& ci) {
  if (!v) return "n/a";
  return fmt::format("{:.3f} [{:.3f}, {:.3f}]", *v, ci.lo, ci.hi);
}

std::string usd(std::optional<double> v) {
  if (!v) return "n/a";
  if (*v >= 1000) return fmt::format("${:.0f}", *v);
  if (*v >= 1) return fmt::format("${:.2f}", *v);
  return fmt::format("${:.4g}", *v);
}

std::string server(const SuiteSummary& s) {
  std::string label = s.server_label.empty() ? s.model_id : s.server_label;
  return s.simulated ? label + " (SIMULATED)" : label;
}

std::string heading(const SuiteSummary& s, bool several) {
  return several ? s.model + " @" + s.run_id : s.model;
}

namespace {

// Token cells: say plainly when the server gave no usage at all, and how
// many samples a mean rests on when only some reported it.
std::string tokens(const SuiteSummary& s, std::optional<double> mean) {
  if (s.samples_ok == 0) return "n/a";
  if (s.usage_samples == 0) return kNoUsage;
  if (!mean) return "n/a (not reported)";
  std::string out = fmt::format("{:.0f}", *mean);
  if (s.usage_samples < s.samples_ok) out += fmt::format(" ({}/{} reported)", s.usage_samples, s.samples_ok);
  return out;
}

std::string rate(std::optional<double> r, int count) {
  if (!r) return "n/a";
  return fmt::format("{:.1f}% ({})", *r * 100, count);
}

std::string cost(const SuiteSummary& s, std::optional<double> v) {
  if (v) return usd(v);
  if (!s.cost_note.empty()) return "n/a (" + s.cost_note + ")";
  return "n/a";
}

}  // namespace

std::vector<Row> metric_rows(const std::vector<const SuiteSummary*>& cols, bool with_server) {
  std::set<int> ks;
  for (const auto* s : cols) {
    for (const auto& [k, v] : s->pass_at_k) ks.insert(k);
  }
  std::vector<Row> rows;
  auto add = [&](std::string label, auto cell) {
    Row r{std::move(label), {}};
    for (const auto* s : cols) r.cells.push_back(cell(*s));
    rows.push_back(std::move(r));
  };
  if (with_server) add("server", [](const SuiteSummary& s) { return server(s); });
  add("problems complete", [](const SuiteSummary& s) {
    return s.complete() ? fmt::format("{} of {}", s.problems_complete, s.problems_complete) : s.incomplete_label();
  });
  add("samples ok / planned", [](const SuiteSummary& s) { return fmt::format("{} / {} (n={})", s.samples_ok, s.samples_planned, s.n); });
  add("errors", [](const SuiteSummary& s) { return std::to_string(s.errors); });
  add("pass@1 [95% CI]", [](const SuiteSummary& s) { return with_ci(s.pass1, s.pass1_ci); });
  bool all_complete = true;
  for (const auto* s : cols) all_complete = all_complete && s->complete();
  if (!all_complete && cols.size() > 1) {
    // Side by side on the same problems: those every column finished.
    std::vector<std::string> shared;
    for (const auto& [id, r] : cols.front()->complete_rates) {
      bool everywhere = true;
      for (const auto* s : cols) everywhere = everywhere && s->complete_rates.count(id);
      if (everywhere) shared.push_back(id);
    }
    add(fmt::format("pass@1, shared problems ({})", shared.size()), [shared](const SuiteSummary& s) {
      if (shared.empty()) return std::string("n/a");
      double sum = 0;
      for (const auto& id : shared) sum += s.complete_rates.at(id);
      return fmt::format("{:.3f}", sum / shared.size());
    });
  }
  for (int k : ks) {
    if (k == 1) continue;
    add(fmt::format("pass@{} [95% CI]", k), [k](const SuiteSummary& s) {
      auto it = s.pass_at_k.find(k);
      if (it == s.pass_at_k.end()) return std::string("n/a");
      return with_ci(it->second.value, it->second.ci);
    });
  }
  add("cons@n", [](const SuiteSummary& s) { return number(s.cons_at_n, 3); });
  add("truncated", [](const SuiteSummary& s) { return rate(s.trunc_rate, s.truncated); });
  add("extraction failed", [](const SuiteSummary& s) { return rate(s.extract_fail_rate, s.extract_failed); });
  bool runs_code = false;
  for (const auto* s : cols) runs_code |= !s->sandbox_isolation.empty();
  if (runs_code) {
    // Says so when model code ran with less than full isolation (rlimits-only).
    add("sandbox isolation", [](const SuiteSummary& s) {
      return s.sandbox_isolation.empty() ? std::string("n/a") : s.sandbox_isolation;
    });
  }
  add("mean reasoning tokens", [](const SuiteSummary& s) { return tokens(s, s.mean_reasoning_tokens); });
  add("mean answer tokens", [](const SuiteSummary& s) { return tokens(s, s.mean_answer_tokens); });
  add("TTFT p50 / p95 (s)", [](const SuiteSummary& s) {
    return number(s.ttft_p50, 2) + " / " + number(s.ttft_p95, 2);
  });
  add("decode tok/s p50", [](const SuiteSummary& s) { return number(s.decode_tps_p50, 1); });
  add("output tok/s (model)", [](const SuiteSummary& s) {
    if (!s.output_tps && s.usage_samples == 0 && s.samples_ok > 0) return std::string(kNoUsage);
    return number(s.output_tps, 1);
  });
  bool limited = false;
  for (const auto* s : cols) limited |= s->limited_samples > 0;
  if (limited) {
    // Time held back by rate limits is the client's or the provider's
    // policy, not the server's speed: shown apart from TTFT and latency.
    add("waited on rate limits", [](const SuiteSummary& s) {
      if (s.limited_samples == 0) return std::string("none");
      return fmt::format("{:.1f} s over {} samples", s.limit_wait_s, s.limited_samples);
    });
  }
  add("cost total", [](const SuiteSummary& s) {
    std::string c = cost(s, s.cost_total);
    return s.cost_total && s.cost_basis == "gpu-hour" ? c + " (GPU-hours)" : c;
  });
  add("$ / problem", [](const SuiteSummary& s) { return s.cost_total ? usd(s.cost_per_problem) : "n/a"; });
  add("$ / solved problem", [](const SuiteSummary& s) { return s.cost_total ? usd(s.cost_per_solved) : "n/a"; });
  add("$ / M output tokens", [](const SuiteSummary& s) { return s.cost_total ? usd(s.usd_per_m_output) : "n/a"; });
  return rows;
}

std::vector<std::pair<std::string, std::vector<const SuiteSummary*>>> by_suite(
    const std::vector<SuiteSummary>& summaries) {
  std::vector<std::pair<std::string, std::vector<const SuiteSummary*>>> out;
  for (const SuiteSummary& s : summaries) {
    auto it = std::find_if(out.begin(), out.end(), [&](const auto& p) { return p.first == s.suite; });
    if (it == out.end()) {
      out.push_back({s.suite, {}});
      it = out.end() - 1;
    }
    it->second.push_back(&s);
  }
  return out;
}

std::vector<std::string> model_legend(const std::vector<SuiteSummary>& summaries) {
  const bool several = several_runs(summaries);
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const auto& s : summaries) {
    const std::string name = heading(s, several);
    if (seen.insert(name).second) out.push_back(name + ": " + server(s));
  }
  return out;
}

std::vector<std::string> incomplete_lines(const std::vector<SuiteSummary>& summaries) {
  const bool several = several_runs(summaries);
  std::vector<std::string> out;
  for (const auto& s : summaries) {
    if (!s.complete()) out.push_back(fmt::format("{} on {}: {}", heading(s, several), s.suite, s.incomplete_label()));
  }
  return out;
}

bool several_runs(const std::vector<SuiteSummary>& summaries) {
  std::set<std::string> ids;
  for (const auto& s : summaries) ids.insert(s.run_id);
  return ids.size() > 1;
}

bool any_simulated(const std::vector<SuiteSummary>& summaries) {
  for (const auto& s : summaries) {
    if (s.simulated) return true;
  }
  return false;
}

}  // namespace rigor::cells
