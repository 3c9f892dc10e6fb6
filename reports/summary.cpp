#include "reports/summary.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace rigor {
namespace {

using Rows = std::vector<const SampleRecord*>;

bool ok(const SampleRecord* s) { return s->status == SampleStatus::kOk; }

// Code scorers end their reason with "isolation: LEVEL" (scorers/code/).
void note_isolation(const std::string& reason, std::set<std::string>& levels) {
  static constexpr std::string_view kTag = "isolation: ";
  auto at = reason.rfind(kTag);
  if (at == std::string::npos) return;
  auto start = at + kTag.size();
  levels.insert(reason.substr(start, reason.find(';', start) - start));
}

// What the whole model run contributes to each of its suites' rows.
struct ModelTotals {
  const RunModelRecord* record = nullptr;
  std::optional<Pricing> pricing;
  int64_t output_tokens = 0;   // all its samples with reported usage
  bool usage_complete = true;  // every finished sample reported completion tokens
  size_t suites = 0;
};

struct ProblemRows {
  int finished = 0;
  int correct = 0;
  std::vector<Vote> votes;
};

// With shuffled choices (GPQA) the same displayed letter means a different
// choice in each sample, so votes are cast in the unshuffled order: displayed
// letter -> permutation -> the letter of that choice's original position.
std::string vote_answer(const SampleRecord& s) {
  if (s.permutation.empty()) return s.extracted;
  const auto perm = nlohmann::json::parse(s.permutation, nullptr, false);
  if (!perm.is_array()) {
    throw std::runtime_error(fmt::format("sample {}/{}/{}#{}: stored permutation is not a JSON array", s.model,
                                         s.suite, s.problem_id, s.sample_idx));
  }
  if (s.extracted.size() != 1) return s.extracted;
  const int pos = std::toupper(static_cast<unsigned char>(s.extracted[0])) - 'A';
  if (pos < 0 || pos >= static_cast<int>(perm.size()) || !perm[pos].is_number_integer()) return s.extracted;
  return std::string(1, static_cast<char>('A' + perm[pos].get<int>()));
}

void fill_accuracy(SuiteSummary& out, const Rows& rows, const SummaryOptions& opt) {
  std::map<std::string, ProblemRows> problems;
  int max_idx = -1;
  for (const SampleRecord* s : rows) {
    ProblemRows& p = problems[s->problem_id];
    max_idx = std::max(max_idx, s->sample_idx);
    if (!ok(s)) continue;
    ++p.finished;
    p.correct += s->correct ? 1 : 0;
    if (s->extracted_ok) p.votes.push_back({vote_answer(*s), s->correct});
  }
  out.problems = static_cast<int>(problems.size());
  out.n = opt.n > 0 ? opt.n : max_idx + 1;
  out.samples_planned = (out.suite_problems > 0 ? out.suite_problems : out.problems) * out.n;

  std::vector<double> rates;
  std::vector<std::vector<Vote>> votes;
  for (auto& [id, p] : problems) {
    if (p.finished == 0) continue;
    rates.push_back(static_cast<double>(p.correct) / p.finished);
    votes.push_back(std::move(p.votes));
  }
  out.problems_scored = static_cast<int>(rates.size());
  for (const auto& [id, p] : problems) {
    if (p.finished < out.n) continue;
    ++out.problems_complete;
    out.complete_rates[id] = static_cast<double>(p.correct) / p.finished;
  }
  if (!rates.empty()) {
    double sum = 0;
    for (double r : rates) sum += r;
    out.pass1 = sum / rates.size();
    out.pass1_ci = bootstrap_ci(rates, opt.resamples, opt.seed);
  }

  for (int k : opt.k_values) {
    if (k < 1 || k > out.n) {
      throw std::invalid_argument(fmt::format("pass@{} for suite {} of model {}: k must be in [1, n={}]", k,
                                              out.suite, out.model, out.n));
    }
    PassAtK pk;
    pk.k = k;
    std::vector<double> values;
    for (const auto& [id, p] : problems) {
      if (p.finished >= k) values.push_back(pass_at_k(p.finished, p.correct, k));
    }
    pk.problems = static_cast<int>(values.size());
    if (!values.empty()) {
      double sum = 0;
      for (double v : values) sum += v;
      pk.value = sum / values.size();
      pk.ci = bootstrap_ci(values, opt.resamples, opt.seed);
    }
    out.pass_at_k[k] = pk;
  }

  const Scorer* scorer = opt.scorer_for_suite ? opt.scorer_for_suite(out.suite) : nullptr;
  if (scorer && !votes.empty()) {
    out.cons_at_n = cons_at_n(votes, [scorer](std::string_view a, std::string_view b) {
      return scorer->equivalent(a, b);
    });
  }
}

void fill_counts_tokens_speed(SuiteSummary& out, const Rows& rows) {
  int64_t reasoning_sum = 0, answer_sum = 0, output_sum = 0;
  int reasoning_n = 0, answer_n = 0;
  std::set<std::string> isolation_levels;
  std::vector<double> ttft, decode;
  for (const SampleRecord* s : rows) {
    if (s->completion_tokens >= 0) out.output_tokens += s->completion_tokens;
    if (s->limit_wait_s > 0) {
      out.limit_wait_s += s->limit_wait_s;
      ++out.limited_samples;
    }
    if (!ok(s)) {
      ++out.errors;
      continue;
    }
    ++out.samples_ok;
    out.truncated += s->truncated ? 1 : 0;
    out.extract_failed += s->extracted_ok ? 0 : 1;
    note_isolation(s->score_reason, isolation_levels);
    if (s->completion_tokens >= 0) {
      ++out.usage_samples;
      output_sum += s->completion_tokens;
    }
    if (s->reasoning_tokens >= 0) {
      ++reasoning_n;
      reasoning_sum += s->reasoning_tokens;
    }
    if (s->completion_tokens >= 0 && s->reasoning_tokens >= 0) {
      ++answer_n;
      answer_sum += s->completion_tokens - s->reasoning_tokens;
    }
    if (s->ttft_s >= 0) ttft.push_back(s->ttft_s);
    if (s->decode_tps >= 0) decode.push_back(s->decode_tps);
  }
  if (out.samples_ok > 0) {
    out.trunc_rate = static_cast<double>(out.truncated) / out.samples_ok;
    out.extract_fail_rate = static_cast<double>(out.extract_failed) / out.samples_ok;
  }
  if (out.usage_samples > 0) out.mean_output_tokens = static_cast<double>(output_sum) / out.usage_samples;
  if (reasoning_n > 0) out.mean_reasoning_tokens = static_cast<double>(reasoning_sum) / reasoning_n;
  if (answer_n > 0) out.mean_answer_tokens = static_cast<double>(answer_sum) / answer_n;
  out.ttft_p50 = percentile(ttft, 0.5);
  out.ttft_p95 = percentile(ttft, 0.95);
  out.decode_tps_p50 = percentile(std::move(decode), 0.5);
  for (const auto& level : isolation_levels) {
    out.sandbox_isolation += (out.sandbox_isolation.empty() ? "" : ", ") + level;
  }
}

void fill_cost(SuiteSummary& out, const Rows& rows, const ModelTotals& m) {
  if (!m.pricing) {
    out.cost_note = m.record ? "no pricing configured" : "no model record stored";
    return;
  }
  const bool suite_usage_complete = out.usage_samples == out.samples_ok;
  if (m.pricing->is_api()) {
    out.cost_basis = "api";
    if (!suite_usage_complete) {
      out.cost_note = "server reported no usage";
      return;
    }
    double total = 0;
    for (const SampleRecord* s : rows) {
      if (auto c = cost_of(*s, *m.pricing)) total += *c;
      else if (ok(s)) {
        out.cost_note = "server reported no prompt usage";
        return;
      }
    }
    out.cost_total = total;
  } else {
    out.cost_basis = "gpu-hour";
    if (!(m.record->wall_s > 0)) {
      out.cost_note = "no generation wall time recorded";
      return;
    }
    double share = 1.0;
    if (m.suites > 1) {
      if (!m.usage_complete || m.output_tokens <= 0) {
        out.cost_note = "server reported no usage to apportion GPU time by";
        return;
      }
      share = static_cast<double>(out.output_tokens) / m.output_tokens;
    }
    out.cost_total = gpu_cost_usd(*m.pricing, m.record->wall_s) * share;
  }
  const double total = *out.cost_total;
  if (out.problems > 0) out.cost_per_problem = total / out.problems;
  if (out.pass1 && *out.pass1 > 0) out.cost_per_solved = total / (*out.pass1 * out.problems_scored);
  if (out.output_tokens > 0 && suite_usage_complete) out.usd_per_m_output = total / out.output_tokens * 1e6;
}

}  // namespace

std::string SuiteSummary::incomplete_label() const {
  if (complete()) return "";
  return fmt::format("{} of {} problems — incomplete", problems_complete, suite_problems > 0 ? suite_problems : problems);
}

std::vector<SuiteSummary> summarize(const RunRecord& run, const std::vector<RunModelRecord>& models,
                                    const std::vector<SampleRecord>& samples,
                                    const SummaryOptions& opt) {
  std::map<std::string, std::map<std::string, Rows>> by_model;
  for (const SampleRecord& s : samples) {
    if (s.run_id == run.id) by_model[s.model][s.suite].push_back(&s);
  }

  // A model that has no sample of a planned suite still gets its (empty,
  // incomplete) row: leaving it out would make the report look whole.
  for (const RunModelRecord& m : models) {
    if (m.run_id != run.id) continue;
    for (const auto& [suite, count] : opt.suite_problems) by_model[m.model][suite];
  }
  std::vector<std::string> order;
  std::set<std::string> seen;
  for (const RunModelRecord& m : models) {
    if (m.run_id == run.id && by_model.count(m.model) && seen.insert(m.model).second) order.push_back(m.model);
  }
  for (const auto& [name, suites] : by_model) {
    if (seen.insert(name).second) order.push_back(name);
  }

  std::vector<SuiteSummary> out;
  for (const std::string& name : order) {
    const auto& suites = by_model.at(name);
    ModelTotals totals;
    for (const RunModelRecord& m : models) {
      if (m.run_id == run.id && m.model == name) totals.record = &m;
    }
    if (totals.record) {
      auto pricing = parse_pricing(totals.record->pricing_json);
      if (!pricing) {
        throw std::runtime_error(fmt::format("run {} model {}: {}", run.id, name, pricing.error()));
      }
      totals.pricing = *pricing;
    }
    totals.suites = suites.size();
    for (const auto& [suite, rows] : suites) {
      for (const SampleRecord* s : rows) {
        if (s->completion_tokens >= 0) totals.output_tokens += s->completion_tokens;
        else if (ok(s)) totals.usage_complete = false;
      }
    }

    for (const auto& [suite, rows] : suites) {
      SuiteSummary sum;
      sum.run_id = run.id;
      sum.model = name;
      sum.suite = suite;
      if (totals.record) {
        sum.engine = totals.record->engine;
        sum.model_id = totals.record->model_id;
        sum.server_label = totals.record->server_label;
        sum.simulated = totals.record->simulated;
        if (totals.usage_complete && totals.record->wall_s > 0) {
          sum.output_tps = totals.output_tokens / totals.record->wall_s;
        }
      }
      if (auto it = opt.suite_problems.find(suite); it != opt.suite_problems.end()) sum.suite_problems = it->second;
      fill_accuracy(sum, rows, opt);
      fill_counts_tokens_speed(sum, rows);
      fill_cost(sum, rows, totals);
      out.push_back(std::move(sum));
    }
  }
  return out;
}

}  // namespace rigor
