// rigor gate: the nightly regression gate. Exit 0 pass, 1 regression, 2 usage.
#include <fstream>

#include <fmt/format.h>

#include "cli/commands.h"
#include "harness/config.h"
#include "store/store.h"
#include "reports/comparability.h"
#include "reports/gate.h"
#include "reports/report_data.h"
#include "scorers/scorer.h"

namespace rigor {
namespace {

struct GateArgs {
  std::string db = "rigor.db";
  std::string baseline;
  std::string current;
  GateOptions options;
  bool force = false;
  std::string out;
};

// A run id, else the latest FINISHED run with that tag other than `current`.
RunRecord resolve_baseline(Store& store, const std::string& name, const std::string& current) {
  if (auto r = store.get_run(name)) return *r;
  std::optional<RunRecord> best;
  for (const RunRecord& r : store.list_runs()) {  // oldest first
    if (r.tag == name && r.id != current && !r.finished_at.empty()) best = r;
  }
  if (!best) {
    throw ConfigError(fmt::format("--baseline {}: no such run, and no finished run tagged \"{}\" other than {} in {}",
                                  name, name, current, store.path()));
  }
  return *best;
}

int gate_command(const GateArgs& a) {
  Store store(a.db, StoreMode::kReadOnly);
  auto cur = store.get_run(a.current);
  if (!cur) throw ConfigError(fmt::format("--current {}: no such run in {}", a.current, a.db));
  RunRecord base = resolve_baseline(store, a.baseline, a.current);
  if (base.id == cur->id) throw ConfigError("--baseline and --current name the same run");
  const auto base_samples = store.samples(base.id);
  const auto cur_samples = store.samples(cur->id);
  GateOptions options = a.options;
  {
    std::vector<std::unique_ptr<Scorer>> scorers;
    options.n_baseline = summary_options_for(base, scorers).n;
    options.n_current = summary_options_for(*cur, scorers).n;
  }
  GateResult result;
  try {
    result = run_gate(base.id, base_samples, cur->id, cur_samples, options);
  } catch (const std::invalid_argument& e) {
    throw ConfigError(e.what());
  }
  std::vector<ModelPair> pairs;
  for (const auto& c : result.checks) {
    if (pairs.empty() || pairs.back().a != c.model) pairs.push_back({c.model, c.model});
  }
  const auto diffs = config_differences(base, *cur, pairs);
  if (!diffs.empty() && !a.force) {
    throw ConfigError(fmt::format("runs {} and {} are not comparable:\n{}pass --force to gate across these differences",
                                  base.id, cur->id, describe(diffs)));
  }
  for (const auto& id : {base.id, cur->id}) {
    for (const auto& m : store.run_models(id)) {
      if (m.simulated) result.simulated.push_back(m.model + " @" + id);
    }
  }
  std::string md = render_gate_markdown(result, options);
  if (!diffs.empty()) md += "\n**Forced across configuration differences:**\n\n" + describe(diffs);
  if (cur->finished_at.empty()) md += "\nNote: the current run is unfinished; only its stored samples were gated.\n";
  write_output(md, a.out, "gate summary");
  fmt::print(stderr, "rigor: gate {}: {} against baseline {} ({} alarm{})\n", result.failed() ? "FAILED" : "passed",
             cur->id, base.id, result.alarms(), result.alarms() == 1 ? "" : "s");
  return result.failed() ? 1 : 0;
}

}  // namespace

void add_gate_command(CLI::App& app, Action& action) {
  auto a = std::make_shared<GateArgs>();
  auto* c = app.add_subcommand("gate", "Regression gate: exit 1 when the current run is worse than the baseline.");
  c->footer(
      "Per model and suite: a pass@1 drop beyond its paired interval (and beyond --min-effect), or an error,\n"
      "truncation or extraction-failure rate rising past its threshold, fails the gate (exit 1). The Markdown\n"
      "summary on stdout suits a CI comment. --baseline TAG means the latest finished run tagged TAG\n"
      "(rigor run --tag TAG) other than the current one.");
  c->add_option("--db", a->db, "results store: a SQLite file or postgresql://user@host[:port]/dbname")->capture_default_str();
  c->add_option("--baseline", a->baseline, "baseline run id, or a tag")->required();
  c->add_option("--current", a->current, "the run to judge")->required();
  c->add_option("--alpha", a->options.alpha, "false-alarm rate of the whole gate (one-sided)")
      ->capture_default_str()->check(CLI::Range(1e-9, 0.5));
  c->add_option("--min-effect", a->options.min_effect, "a pass@1 drop must also exceed this (0..1)")
      ->capture_default_str()->check(CLI::Range(0.0, 1.0));
  c->add_option("--max-error-rise", a->options.max_error_rise, "error-rate rise that fails (0..1)")
      ->capture_default_str()->check(CLI::Range(0.0, 1.0));
  c->add_option("--max-trunc-rise", a->options.max_trunc_rise, "truncation-rate rise that fails (0..1)")
      ->capture_default_str()->check(CLI::Range(0.0, 1.0));
  c->add_option("--max-extract-fail-rise", a->options.max_extract_fail_rise,
                "extraction-failure-rate rise that fails (0..1)")
      ->capture_default_str()->check(CLI::Range(0.0, 1.0));
  c->add_flag("--force", a->force, "gate even when prompt, scorer, data, sampling or n differ");
  c->add_option("-o,--output", a->out, "write the Markdown summary to this file instead of stdout");
  c->callback([a, &action] { action = [a] { return gate_command(*a); }; });
}

}  // namespace rigor
