#include "reports/report_data.h"

#include <map>
#include <memory>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "scorers/scorer.h"

namespace rigor {

SummaryOptions summary_options_for(const RunRecord& run, std::vector<std::unique_ptr<Scorer>>& scorers) {
  SummaryOptions opts;
  std::map<std::string, const Scorer*> by_suite;
  nlohmann::json cfg = nlohmann::json::parse(run.config_json, nullptr, false);
  if (cfg.is_object()) {
    const nlohmann::json r = cfg.value("run", nlohmann::json::object());
    opts.n = r.value("n", 0);
    opts.k_values = r.value("k", std::vector<int>{1});
    const nlohmann::json suites = cfg.value("suites", nlohmann::json::object());
    for (const auto& [suite, info] : suites.items()) {
      if (!info.is_object()) continue;
      if (info.contains("problems") && info["problems"].is_number_integer()) {
        opts.suite_problems[suite] = info["problems"].get<int>();
      }
      if (auto s = make_scorer(info.value("scorer", ""))) {
        by_suite[suite] = s.get();
        scorers.push_back(std::move(s));
      }
    }
  }
  opts.scorer_for_suite = [by_suite](std::string_view suite) -> const Scorer* {
    auto it = by_suite.find(std::string(suite));
    return it == by_suite.end() ? nullptr : it->second;
  };
  return opts;
}

ReportData load_report_data(Store& store, const std::vector<std::string>& run_ids, bool with_samples) {
  ReportData d;
  for (const auto& id : run_ids) {
    auto run = store.get_run(id);
    if (!run) throw std::runtime_error(fmt::format("no run \"{}\" in {}", id, store.path()));
    std::vector<std::unique_ptr<Scorer>> scorers;
    SummaryOptions opts = summary_options_for(*run, scorers);
    auto models = store.run_models(id);
    auto samples = store.samples(id);
    auto part = summarize(*run, models, samples, opts);
    d.summaries.insert(d.summaries.end(), part.begin(), part.end());
    d.models.insert(d.models.end(), models.begin(), models.end());
    if (with_samples) d.samples.insert(d.samples.end(), samples.begin(), samples.end());
    d.runs.push_back(*run);
  }
  return d;
}

}  // namespace rigor
