// The nightly regression gate (`rigor gate`): does the current run do worse
// than the baseline by more than noise allows?
//
// For every model present in both runs (by config name) and every suite both
// scored, problem by problem over the problems finished in both runs (all n
// samples when GateOptions::n_* are set, as compare.h), with per-problem
// values v_i and d_i = cur_i - base_i:
//   pass@1                 v_i = correct / finished
//   truncation rate        v_i = truncated / finished
//   extraction-failure     v_i = (finished without extracted answer) / finished
//   error rate             v_i = errored / stored samples, over problems with
//                          any stored sample in both runs
// delta = mean d_i, and its interval is the paired Student-t interval
// mean(d) +- t(1 - alpha/m, m_problems - 1) * sd(d) / sqrt(m_problems),
// where m is the number of (model, suite) pairs checked (Bonferroni), so
// `alpha` is the one-sided false-alarm rate of the WHOLE gate when nothing
// changed. A t interval and not the bootstrap of compare.h: the gate decides
// at the far tail (alpha/m ~ 0.1%), where a 10000-resample percentile
// bootstrap rests on ~10 resamples and is too narrow for 30-problem suites;
// the t interval is also cheap enough to validate over hundreds of
// simulated run pairs (tests/reports/gate_stats_test.cpp).
//
// Alarms (the gate fails on any):
//   pass@1 regression      interval.hi < 0 and -delta > min_effect
//   rate rise              interval.lo > 0 and delta > max_*_rise
//   missing                a (model, suite) of the baseline absent from the current run
// A check with fewer than 2 shared problems has no interval and never alarms.
// Pure and deterministic; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "store/store.h"
#include "reports/metrics.h"

namespace rigor {

struct GateOptions {
  double alpha = 0.005;                 // one-sided false-alarm rate of the whole gate
  double min_effect = 0;                // a pass@1 drop must also exceed this (0..1)
  double max_error_rise = 0.02;         // absolute rises (0..1) that fail the gate
  double max_trunc_rise = 0.05;
  double max_extract_fail_rise = 0.05;
  int n_baseline = 0;  // samples per problem of each run: > 0 gates pass@1 and the rates only over problems
  int n_current = 0;   // with all n samples finished on both sides (a partial run is never gated as if whole)
};

enum class GateMetric { kPass1, kErrorRate, kTruncRate, kExtractFailRate };
const char* to_string(GateMetric m);

struct GateCheck {
  std::string model;
  std::string suite;
  GateMetric metric = GateMetric::kPass1;
  int problems = 0;                // shared problems the values are over
  double baseline = 0;             // mean v_i in the baseline
  double current = 0;
  double delta = 0;                // current - baseline
  std::optional<Interval> ci;      // nullopt with < 2 problems
  double threshold = 0;            // min_effect or the max rise
  bool alarm = false;
};

struct GateResult {
  std::string baseline_run;
  std::string current_run;
  int pairs = 0;                   // (model, suite) pairs checked: the Bonferroni m
  double level = 0;                // two-sided level of each interval: 1 - 2 alpha / m
  std::vector<GateCheck> checks;   // per pair: pass@1, error, truncation, extraction
  std::vector<std::string> missing;  // "model/suite" (or "model") in baseline, absent from current
  std::vector<std::string> notes;    // informational (new models or suites)
  int partial = 0;                   // problems left out: not all n samples finished on a side
  std::vector<std::string> simulated;  // "model @run" served by rigor's simulator (set by the caller)
  int alarms() const;
  bool failed() const { return alarms() > 0; }
};

// Throws std::invalid_argument when an option is out of range (alpha not in
// (0, 0.5), a threshold < 0). Samples of other runs are ignored.
GateResult run_gate(const std::string& baseline_run, const std::vector<SampleRecord>& baseline,
                    const std::string& current_run, const std::vector<SampleRecord>& current,
                    const GateOptions& options = {});

// Markdown for a CI comment: verdict line, the settings, the alarms first,
// then every pass@1 check and every rate that moved. Names are escaped.
std::string render_gate_markdown(const GateResult& result, const GateOptions& options);

}  // namespace rigor
