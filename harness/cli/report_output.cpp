#include "harness/cli/report_output.h"

#include <map>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "harness/config.h"
#include "reports/render.h"
#include "reports/summary.h"
#include "scorers/scorer.h"

namespace rigor {

std::string render_runs(Store& store, const std::vector<std::string>& run_ids, const std::string& format) {
  auto fmt_kind = parse_format(format);
  if (!fmt_kind) throw ConfigError(fmt_kind.error());
  std::vector<RunRecord> runs;
  std::vector<SuiteSummary> all;
  for (const auto& id : run_ids) {
    auto run = store.get_run(id);
    if (!run) throw ConfigError(fmt::format("no run \"{}\" in {}", id, store.path()));
    nlohmann::json cfg = nlohmann::json::parse(run->config_json, nullptr, false);
    SummaryOptions opts;
    std::map<std::string, std::unique_ptr<Scorer>> scorers;
    if (cfg.is_object()) {
      opts.n = cfg["run"].value("n", 0);
      opts.k_values = cfg["run"].value("k", std::vector<int>{1});
      const nlohmann::json suites = cfg.value("suites", nlohmann::json::object());
      for (const auto& [suite, info] : suites.items()) {
        if (auto s = make_scorer(info.value("scorer", ""))) scorers[suite] = std::move(s);
      }
    }
    opts.scorer_for_suite = [&scorers](std::string_view suite) -> const Scorer* {
      auto it = scorers.find(std::string(suite));
      return it == scorers.end() ? nullptr : it->second.get();
    };
    auto part = summarize(*run, store.run_models(id), store.samples(id), opts);
    all.insert(all.end(), part.begin(), part.end());
    runs.push_back(*run);
  }
  return render(all, *fmt_kind, make_meta(runs));
}

}  // namespace rigor
