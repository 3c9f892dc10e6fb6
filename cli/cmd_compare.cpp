#include <fstream>

#include <fmt/format.h>

#include "cli/commands.h"
#include "harness/config.h"
#include "store/store.h"
#include "reports/comparability.h"
#include "reports/compare.h"
#include "reports/report_data.h"
#include "scorers/scorer.h"

namespace rigor {
namespace {

struct CompareArgs {
  std::string db = "rigor.db";
  std::string run_a, run_b;
  std::vector<std::string> pairs;
  std::string format = "table";
  size_t max_listed = 20;
  bool force = false;
  std::string out;
};

int compare_command(const CompareArgs& a) {
  Store store(a.db, StoreMode::kReadOnly);
  std::vector<RunRecord> runs;
  for (const auto& id : {a.run_a, a.run_b}) {
    auto r = store.get_run(id);
    if (!r) throw ConfigError(fmt::format("no run \"{}\" in {}", id, a.db));
    runs.push_back(*r);
  }
  auto format = parse_format(a.format);
  if (!format || *format == Format::kCsv) {
    throw ConfigError(fmt::format("--format {}: use table, md, json or html", a.format));
  }
  CompareOptions opts;
  {
    // Only problems with all n samples finished on both sides are compared.
    std::vector<std::unique_ptr<Scorer>> scorers;
    opts.n_a = summary_options_for(runs[0], scorers).n;
    opts.n_b = summary_options_for(runs[1], scorers).n;
  }
  for (const auto& p : split_list(a.pairs)) {
    auto colon = p.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == p.size()) {
      throw ConfigError(fmt::format("--pair {}: expected MODEL_A:MODEL_B", p));
    }
    opts.pairs.push_back({p.substr(0, colon), p.substr(colon + 1)});
  }
  if (a.run_a == a.run_b && opts.pairs.empty()) {
    throw ConfigError("comparing a run with itself needs --pair MODEL_A:MODEL_B (e.g. the full model against its distill)");
  }
  std::vector<PairedComparison> result;
  try {
    result = compare_runs(a.run_a, store.samples(a.run_a), a.run_b, store.samples(a.run_b), opts);
  } catch (const std::invalid_argument& e) {
    throw ConfigError(fmt::format("{} (name the models with --pair MODEL_A:MODEL_B)", e.what()));
  }
  // Comparability: the pairs actually compared, over the suites both runs hold.
  std::vector<ModelPair> compared;
  for (const auto& c : result) {
    if (compared.empty() || compared.back().a != c.model_a || compared.back().b != c.model_b) {
      compared.push_back({c.model_a, c.model_b});
    }
  }
  const auto diffs = config_differences(runs[0], runs[1], compared);
  if (!diffs.empty()) {
    if (!a.force) {
      throw ConfigError(fmt::format("{} and {} are not comparable:\n{}pass --force to compare across these differences",
                                    a.run_a, a.run_b, describe(diffs)));
    }
    fmt::print(stderr, "rigor: warning: comparing across configuration differences (--force):\n{}", describe(diffs));
  }
  if (a.run_a == a.run_b) runs.pop_back();
  {
    std::vector<std::string> ids;
    for (const auto& r : runs) ids.push_back(r.id);
    add_ratios(result, load_report_data(store, ids, false).summaries);
  }
  std::string text = render_comparison(result, *format, make_meta(runs), a.max_listed);
  write_output(text, a.out, "comparison");
  return 0;
}

}  // namespace

void add_compare_command(CLI::App& app, Action& action) {
  auto a = std::make_shared<CompareArgs>();
  auto* c = app.add_subcommand("compare", "Paired comparison of two runs (or two models), problem by problem.");
  c->footer(
      "pass@1 difference on the same problems, its 95% paired-bootstrap interval and a sign-flip p-value,\n"
      "and the problems where one side passes and the other fails. To compare two models of one run:\n"
      "  rigor compare RUN RUN --pair r1-full:distill-7b");
  c->add_option("--db", a->db, "results store: a SQLite file or postgresql://user@host[:port]/dbname")->capture_default_str();
  c->add_option("run_a", a->run_a, "run A")->required();
  c->add_option("run_b", a->run_b, "run B")->required();
  c->add_option("--pair", a->pairs, "MODEL_A:MODEL_B (repeatable); default: same-named models");
  c->add_option("--format", a->format, "table | md | json | html")->capture_default_str();
  c->add_flag("--force", a->force, "compare even when prompt, scorer, data, sampling settings or n differ");
  c->add_option("-o,--output", a->out, "write to this file instead of stdout");
  c->add_option("--list", a->max_listed, "problems listed per side")->capture_default_str();
  c->callback([a, &action] { action = [a] { return compare_command(*a); }; });
}

}  // namespace rigor
