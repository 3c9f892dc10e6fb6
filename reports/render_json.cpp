// JSON: stable keys; an unknown value is null, never 0.
#include <nlohmann/json.hpp>

#include "reports/cells.h"
#include "reports/render_impl.h"

namespace rigor::detail {
namespace {

using Json = nlohmann::json;

Json opt(std::optional<double> v) { return v ? Json(*v) : Json(nullptr); }

Json summary_json(const SuiteSummary& s) {
  Json pk = Json::array();
  for (const auto& [k, p] : s.pass_at_k) {
    pk.push_back({{"k", k},
                  {"problems", p.problems},
                  {"value", opt(p.value)},
                  {"lo", p.value ? Json(p.ci.lo) : Json(nullptr)},
                  {"hi", p.value ? Json(p.ci.hi) : Json(nullptr)}});
  }
  return {
      {"run_id", s.run_id},
      {"model", s.model},
      {"suite", s.suite},
      {"engine", s.engine},
      {"model_id", s.model_id},
      {"server_label", s.server_label},
      {"simulated", s.simulated},
      {"problems", s.problems},
      {"problems_scored", s.problems_scored},
      {"problems_complete", s.problems_complete},
      {"suite_problems", s.suite_problems},
      {"complete", s.complete()},
      {"incomplete", s.complete() ? Json(nullptr) : Json(s.incomplete_label())},
      {"n", s.n},
      {"samples_planned", s.samples_planned},
      {"samples_ok", s.samples_ok},
      {"errors", s.errors},
      {"pass1", opt(s.pass1)},
      {"pass1_lo", s.pass1 ? Json(s.pass1_ci.lo) : Json(nullptr)},
      {"pass1_hi", s.pass1 ? Json(s.pass1_ci.hi) : Json(nullptr)},
      {"pass_at_k", pk},
      {"cons_at_n", opt(s.cons_at_n)},
      {"truncated", s.truncated},
      {"trunc_rate", opt(s.trunc_rate)},
      {"extract_failed", s.extract_failed},
      {"extract_fail_rate", opt(s.extract_fail_rate)},
      {"usage_known", s.usage_known()},
      {"usage_samples", s.usage_samples},
      {"mean_output_tokens", opt(s.mean_output_tokens)},
      {"mean_reasoning_tokens", opt(s.mean_reasoning_tokens)},
      {"mean_answer_tokens", opt(s.mean_answer_tokens)},
      {"output_tokens", s.usage_known() ? Json(s.output_tokens) : Json(nullptr)},
      {"ttft_p50_s", opt(s.ttft_p50)},
      {"ttft_p95_s", opt(s.ttft_p95)},
      {"decode_tps_p50", opt(s.decode_tps_p50)},
      {"output_tps", opt(s.output_tps)},
      {"limit_wait_s", s.limit_wait_s},
      {"limited_samples", s.limited_samples},
      {"cost_basis", s.cost_basis.empty() ? Json(nullptr) : Json(s.cost_basis)},
      {"cost_total_usd", opt(s.cost_total)},
      {"cost_per_problem_usd", opt(s.cost_per_problem)},
      {"cost_per_solved_usd", opt(s.cost_per_solved)},
      {"usd_per_m_output", opt(s.usd_per_m_output)},
      {"cost_note", s.cost_note},
      {"sandbox_isolation", s.sandbox_isolation.empty() ? Json(nullptr) : Json(s.sandbox_isolation)},
  };
}

}  // namespace

Json meta_json(const ReportMeta& meta) {
  Json runs = Json::array();
  for (const auto& r : meta.runs) {
    runs.push_back({{"id", r.id},
                    {"version", r.version},
                    {"seed", r.seed},
                    {"config_hash", r.config_hash},
                    {"started_at", r.started_at},
                    {"finished_at", r.finished_at.empty() ? Json(nullptr) : Json(r.finished_at)},
                    {"tag", r.tag}});
  }
  return {{"rigor_version", meta.harness_version},
          {"bootstrap", {{"resamples", meta.bootstrap_resamples}, {"seed", meta.bootstrap_seed}, {"level", 0.95}}},
          {"runs", runs}};
}

std::string dump_json(const Json& j) {
  // Model-derived strings may be invalid UTF-8; replace rather than throw.
  return j.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

std::string render_json(const std::vector<SuiteSummary>& summaries, const ReportMeta& meta) {
  Json root = meta_json(meta);
  bool simulated = false;
  Json arr = Json::array();
  for (const auto& s : summaries) {
    simulated = simulated || s.simulated;
    arr.push_back(summary_json(s));
  }
  root["simulated"] = simulated;
  root["incomplete"] = cells::incomplete_lines(summaries);
  root["summaries"] = arr;
  return dump_json(root);
}

}  // namespace rigor::detail
