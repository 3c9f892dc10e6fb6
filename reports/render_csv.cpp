// CSV: one row per (run, model, suite); an unknown value is an empty field so
// spreadsheets and pandas read it as missing, never as zero.
#include <set>

#include <fmt/format.h>

#include "reports/escape.h"
#include "reports/render_impl.h"

namespace rigor::detail {
namespace {

std::string num(std::optional<double> v) { return v ? fmt::format("{}", *v) : std::string(); }

}  // namespace

std::string render_csv(const std::vector<SuiteSummary>& summaries, const ReportMeta& meta) {
  std::set<int> ks;
  for (const auto& s : summaries) {
    for (const auto& [k, v] : s.pass_at_k) {
      if (k != 1) ks.insert(k);  // pass@1 has its own columns
    }
  }
  std::vector<std::string> header{"run_id", "model", "suite", "engine", "model_id", "server_label", "simulated",
                                  "problems", "problems_scored", "problems_complete", "suite_problems", "complete", "n", "samples_planned", "samples_ok", "errors",
                                  "pass1", "pass1_lo", "pass1_hi"};
  for (int k : ks) {
    for (const char* part : {"", "_lo", "_hi", "_problems"}) header.push_back(fmt::format("pass{}{}", k, part));
  }
  for (const char* h : {"cons_at_n", "trunc_rate", "extract_fail_rate", "usage_samples", "mean_output_tokens",
                        "mean_reasoning_tokens", "mean_answer_tokens", "output_tokens", "ttft_p50_s",
                        "ttft_p95_s", "decode_tps_p50", "output_tps", "limit_wait_s", "limited_samples", "cost_basis", "cost_total_usd",
                        "cost_per_problem_usd", "cost_per_solved_usd", "usd_per_m_output", "cost_note"}) {
    header.push_back(h);
  }

  std::string out;
  auto emit = [&out](const std::vector<std::string>& fields) {
    for (size_t i = 0; i < fields.size(); ++i) {
      if (i) out += ',';
      out += csv_field(fields[i]);
    }
    out += "\r\n";  // RFC 4180 line ending
  };
  emit(header);
  for (const auto& s : summaries) {
    std::vector<std::string> f{s.run_id, s.model, s.suite, s.engine, s.model_id, s.server_label,
                               s.simulated ? "true" : "false", std::to_string(s.problems),
                               std::to_string(s.problems_scored), std::to_string(s.problems_complete),
                               std::to_string(s.suite_problems), s.complete() ? "true" : "false", std::to_string(s.n),
                               std::to_string(s.samples_planned), std::to_string(s.samples_ok),
                               std::to_string(s.errors), num(s.pass1), s.pass1 ? num(s.pass1_ci.lo) : "",
                               s.pass1 ? num(s.pass1_ci.hi) : ""};
    for (int k : ks) {
      auto it = s.pass_at_k.find(k);
      const bool has = it != s.pass_at_k.end() && it->second.value;
      f.push_back(has ? num(it->second.value) : "");
      f.push_back(has ? num(it->second.ci.lo) : "");
      f.push_back(has ? num(it->second.ci.hi) : "");
      f.push_back(it != s.pass_at_k.end() ? std::to_string(it->second.problems) : "");
    }
    for (auto v : {s.cons_at_n, s.trunc_rate, s.extract_fail_rate}) f.push_back(num(v));
    f.push_back(std::to_string(s.usage_samples));
    for (auto v : {s.mean_output_tokens, s.mean_reasoning_tokens, s.mean_answer_tokens}) f.push_back(num(v));
    f.push_back(s.usage_known() ? std::to_string(s.output_tokens) : "");
    for (auto v : {s.ttft_p50, s.ttft_p95, s.decode_tps_p50, s.output_tps}) f.push_back(num(v));
    f.push_back(num(s.limit_wait_s));
    f.push_back(std::to_string(s.limited_samples));
    f.push_back(s.cost_basis);
    for (auto v : {s.cost_total, s.cost_per_problem, s.cost_per_solved, s.usd_per_m_output}) f.push_back(num(v));
    f.push_back(s.cost_note);
    emit(f);
  }
  return out;
}

}  // namespace rigor::detail
