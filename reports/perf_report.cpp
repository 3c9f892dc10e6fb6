#include "reports/perf_report.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "store/store.h"
#include "reports/escape.h"
#include "reports/report_data.h"

namespace rigor {

namespace {

nlohmann::json quantiles_json(const Quantiles& q) {
  if (q.n == 0) return {{"n", 0}};
  auto ci = [](const Interval& i) { return nlohmann::json::array({i.lo, i.hi}); };
  return {{"n", q.n},         {"mean", q.mean},        {"p50", q.p50},          {"p90", q.p90},
          {"p95", q.p95},     {"p99", q.p99},          {"p50_ci", ci(q.ci50)},  {"p90_ci", ci(q.ci90)},
          {"p95_ci", ci(q.ci95)}, {"p99_ci", ci(q.ci99)}};
}

using Row = std::vector<std::string>;

std::string table(const Row& head, const std::vector<Row>& rows, bool markdown) {
  std::vector<size_t> width(head.size());
  for (size_t i = 0; i < head.size(); ++i) width[i] = display_width(head[i]);
  for (const auto& r : rows)
    for (size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], display_width(r[i]));
  std::string out;
  auto line = [&](const Row& r) {
    for (size_t i = 0; i < r.size(); ++i) {
      if (markdown) out += "| ";
      out += r[i] + std::string(width[i] - display_width(r[i]), ' ');
      out += markdown ? " " : (i + 1 < r.size() ? "  " : "");
    }
    out += markdown ? "|\n" : "\n";
  };
  line(head);
  if (markdown) {
    Row sep;
    for (size_t w : width) sep.push_back(std::string(std::max<size_t>(3, w), '-'));
    line(sep);
  }
  for (const auto& r : rows) line(r);
  return out;
}

std::string ms(const nlohmann::json& q, const char* key) {
  if (!q.is_object() || !q.contains(key)) return "-";
  return fmt::format("{:.1f}", q[key].get<double>() * 1e3);
}

std::string load_of(const PerfLevelRecord& l) {
  return l.concurrency > 0 ? fmt::format("c={}", l.concurrency) : fmt::format("{:g}/s", l.rate);
}

std::string usd(const nlohmann::json& s) {
  if (!s.contains("usd_per_m_output") || s["usd_per_m_output"].is_null()) return "n/a";
  return fmt::format("{:.3f}", s["usd_per_m_output"].get<double>());
}

std::string errors_of(const nlohmann::json& s) {
  const int errors = s.value("errors", 0);
  if (errors == 0) return "0";
  std::string kinds;
  for (const auto& [k, v] : s["errors_by_kind"].items()) kinds += fmt::format("{}{} {}", kinds.empty() ? "" : ", ", v.get<int>(), k);
  return fmt::format("{} ({})", errors, kinds);
}

}  // namespace

nlohmann::json perf_summary_json(const PerfLevelSummary& s) {
  nlohmann::json j = {{"concurrency", s.concurrency},
                      {"rate", s.rate},
                      {"measured", s.measured},
                      {"ok", s.ok},
                      {"errors", s.errors},
                      {"errors_by_kind", s.errors_by_kind},
                      {"error_rate", s.error_rate},
                      {"window_s", s.window_s},
                      {"ttft_s", quantiles_json(s.ttft)},
                      {"ttfat_s", quantiles_json(s.ttfat)},
                      {"inter_chunk_s", quantiles_json(s.inter_chunk)},
                      {"tpot_s", quantiles_json(s.tpot)},
                      {"decode_tps", quantiles_json(s.decode_tps)},
                      {"e2e_s", quantiles_json(s.e2e)},
                      {"dispatch_lag_s", quantiles_json(s.dispatch_lag)},
                      {"output_tokens", s.output_tokens},
                      {"input_tokens", s.input_tokens},
                      {"usage_missing", s.usage_missing},
                      {"output_tps", s.output_tps},
                      {"total_tps", s.total_tps},
                      {"req_per_s", s.req_per_s},
                      {"goodput_req_per_s", s.goodput_req_per_s},
                      {"meets_slo", s.meets_slo}};
  j["usd_per_m_output"] = s.usd_per_m_output ? nlohmann::json(*s.usd_per_m_output) : nlohmann::json();
  return j;
}

std::string render_perf_levels(const std::vector<PerfRunRecord>& runs,
                               const std::vector<std::vector<PerfLevelRecord>>& levels, bool markdown) {
  // Per run: a heading, then latency and throughput as two tables (one table
  // of 16 columns is 190 wide; these fit 100).
  const Row latency_head = {"load", "TTFT p50 ms", "TTFT p99 ms", "TTFAT p50 ms", "ICL p99 ms", "TPOT p50 ms",
                            "e2e p99 ms", "lag p99 ms"};
  const Row rate_head = {"load", "req/s", "out tok/s", "errors", "goodput/s", "$/M out", "SLO"};
  std::string out;
  for (size_t i = 0; i < runs.size() && i < levels.size(); ++i) {
    out += fmt::format("{}perf #{}: {} (model {}{})\n{}", i ? "\n" : "", i + 1, runs[i].id, runs[i].model,
                       runs[i].engine == "sim" ? ", SIMULATED" : "", markdown ? "\n" : "");
    std::vector<Row> latency, rate;
    for (const auto& l : levels[i]) {
      const auto& s = l.summary;
      latency.push_back({load_of(l), ms(s["ttft_s"], "p50"), ms(s["ttft_s"], "p99"), ms(s["ttfat_s"], "p50"),
                         ms(s["inter_chunk_s"], "p99"), ms(s["tpot_s"], "p50"), ms(s["e2e_s"], "p99"),
                         ms(s["dispatch_lag_s"], "p99")});
      rate.push_back({load_of(l), fmt::format("{:.2f}", s.value("req_per_s", 0.0)),
                      fmt::format("{:.1f}", s.value("output_tps", 0.0)), errors_of(s),
                      fmt::format("{:.2f}", s.value("goodput_req_per_s", 0.0)), usd(s),
                      s.value("meets_slo", false) ? "met" : "missed"});
    }
    out += table(latency_head, latency, markdown) + "\n" + table(rate_head, rate, markdown);
  }
  return out;
}

std::string render_perf_join(const std::vector<AccuracyPoint>& accuracy, const std::vector<PerfRunRecord>& runs,
                             const std::vector<std::vector<PerfLevelRecord>>& levels, bool markdown) {
  // The latest perf run per model (runs come oldest first).
  std::map<std::string, size_t> latest;
  for (size_t i = 0; i < runs.size(); ++i) latest[runs[i].model] = i;
  // "perf #N" as numbered above: the run ids would not fit beside the numbers.
  const Row head = {"model", "suite", "pass@1", "accuracy run", "perf", "load", "out tok/s", "TTFT p99 ms", "$/M out"};
  std::vector<Row> rows;
  for (const auto& a : accuracy) {
    Row r = {a.model, a.suite, fmt::format("{:.3f}", a.pass_at_1), a.run_id, "-", "-", "-", "-", "-"};
    auto it = latest.find(a.model);
    if (it != latest.end() && it->second < levels.size() && !levels[it->second].empty()) {
      const auto& ls = levels[it->second];
      const PerfLevelRecord* best = nullptr;
      bool best_met = false;
      for (const auto& l : ls) {
        const bool met = l.summary.value("meets_slo", false);
        const double tps = l.summary.value("output_tps", 0.0);
        if (!best || (met && !best_met) || (met == best_met && tps > best->summary.value("output_tps", 0.0))) {
          best = &l;
          best_met = met;
        }
      }
      r[4] = fmt::format("#{}", it->second + 1);
      r[5] = load_of(*best);
      r[6] = fmt::format("{:.1f}", best->summary.value("output_tps", 0.0));
      r[7] = ms(best->summary["ttft_s"], "p99");
      r[8] = usd(best->summary);
    }
    rows.push_back(std::move(r));
  }
  return table(head, rows, markdown);
}

std::string render_perf_section(const std::string& db_path, bool markdown) {
  PerfStore perf(db_path, StoreMode::kReadOnly);
  const auto runs = perf.runs();
  if (runs.empty()) return fmt::format("{} holds no perf runs yet; measure with rigor perf -c CONFIG --model NAME\n", db_path);
  std::vector<std::vector<PerfLevelRecord>> levels;
  for (const auto& r : runs) levels.push_back(perf.levels(r.id));
  std::string out = render_perf_levels(runs, levels, markdown);

  // Accuracy: for each model with perf results, its latest accuracy run.
  Store store(db_path, StoreMode::kReadOnly);
  std::map<std::string, std::string> latest_run;  // model -> run id
  for (const auto& run : store.list_runs()) {     // oldest first
    for (const auto& m : store.run_models(run.id)) latest_run[m.model] = run.id;
  }
  std::vector<AccuracyPoint> points;
  std::map<std::string, bool> done;
  for (const auto& r : runs) {
    auto it = latest_run.find(r.model);
    if (it == latest_run.end() || done[r.model]) continue;
    done[r.model] = true;
    const ReportData d = load_report_data(store, {it->second}, false);
    for (const auto& s : d.summaries) {
      if (s.model != r.model) continue;
      auto k1 = s.pass_at_k.find(1);
      if (k1 == s.pass_at_k.end() || !k1->second.value) continue;
      points.push_back({s.model, s.suite, s.run_id, *k1->second.value});
    }
  }
  if (!points.empty()) out += "\n" + render_perf_join(points, runs, levels, markdown);
  return out;
}

}  // namespace rigor
