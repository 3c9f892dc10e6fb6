// Paired comparison of two runs (`rigor compare A B`), problem by problem.
//
// For each suite both runs scored, and each pair of models compared, the
// per-problem pass rate is c_i / n_i over finished samples (errors left out,
// as in summary.h). Only problems finished in BOTH runs are compared: with
// CompareOptions::n_a / n_b set, a problem counts as finished only with all
// its n samples (a budget-stopped or errored run is never compared as if
// whole); those finished on one side only are counted in only_a / only_b,
// those with some but not all samples on a side in `partial`.
//   diff      = pass@1(A) - pass@1(B) over the shared problems
//   diff_ci   = 95% percentile interval from a paired bootstrap: each
//               resample draws problems with replacement and uses the SAME
//               problems for A and B (i.e. bootstraps d_i = a_i - b_i)
//   p_value   = two-sided paired sign-flip permutation test: under "no
//               difference" each d_i is equally likely to be +d_i or -d_i;
//               p = (1 + #{resamples with |mean(+-d_i)| >= |mean d_i|}) /
//               (1 + resamples), Rng(seed). Identical runs give p = 1.
// Both are deterministic for a given seed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/store.h"
#include "reports/metrics.h"
#include "reports/render.h"
#include "reports/summary.h"

namespace rigor {

struct ProblemDelta {
  std::string problem_id;
  double rate_a = 0;  // c_i / n_i in run A
  double rate_b = 0;
  int n_a = 0;        // finished samples in run A
  int n_b = 0;
  double diff() const { return rate_a - rate_b; }
};

struct PairedComparison {
  std::string suite;
  std::string run_a, model_a;
  std::string run_b, model_b;
  int problems = 0;   // shared problems compared
  int only_a = 0;     // problems scored in A only (not compared)
  int only_b = 0;
  int partial = 0;    // problems left out: started on both sides but not all n samples finished on one
  bool simulated_a = false;  // served by rigor's simulator (add_ratios)
  bool simulated_b = false;
  std::string incomplete_a;  // SuiteSummary::incomplete_label() of A's side (add_ratios); "" when complete
  std::string incomplete_b;
  double pass1_a = 0;  // over the shared problems
  double pass1_b = 0;
  double diff = 0;     // pass1_a - pass1_b
  Interval diff_ci;
  double p_value = 1;
  std::vector<ProblemDelta> a_better;  // rate_a > rate_b, largest difference first
  std::vector<ProblemDelta> b_better;  // rate_b > rate_a, largest difference first
  std::optional<double> cost_ratio;    // US$ per problem, A / B (add_ratios); nullopt when unknown
  std::optional<double> speed_ratio;   // median decode tok/s, A / B (add_ratios); nullopt when unknown
};

// The suite name of a pair's pooled comparison: every shared problem of every
// suite ("suite/problem" ids), added after the pair's suites when it has >= 2.
// Renderers list problems only under the per-suite comparisons.
inline constexpr const char* kAllSuites = "(all suites)";

// Model a (in run A) against model b (in run B).
struct ModelPair {
  std::string a;
  std::string b;
};

struct CompareOptions {
  // Explicit pairs; when empty: every model name present in both runs, or,
  // when the runs share no name and each has exactly one model, those two.
  std::vector<ModelPair> pairs;
  int resamples = kBootstrapResamples;  // for both the interval and the test
  uint64_t seed = kBootstrapSeed;
  int n_a = 0;  // run A's samples per problem: > 0 compares only problems with all of them finished
  int n_b = 0;
};

// Samples of other runs in the vectors are ignored. Output order: pairs in
// order (by model name when implicit), suites by name. Throws
// std::invalid_argument naming the model when an explicit pair names a model
// absent from its run, and when no pair can be formed (the caller should ask
// the user to name the models).
std::vector<PairedComparison> compare_runs(const std::string& run_a, const std::vector<SampleRecord>& samples_a,
                                           const std::string& run_b, const std::vector<SampleRecord>& samples_b,
                                           const CompareOptions& options = {});

// The UNPAIRED counterpart of diff_ci, for contrast: a percentile-bootstrap
// interval for mean(a) - mean(b) resampling a and b independently (as if the
// two runs had been scored on unrelated problems). Rng(seed); throws
// std::invalid_argument when either side is empty or resamples <
// kMinBootstrapResamples.
Interval unpaired_bootstrap_ci(const std::vector<double>& a, const std::vector<double>& b,
                               int resamples = kBootstrapResamples, uint64_t seed = kBootstrapSeed,
                               double level = 0.95);

// Fills cost_ratio, speed_ratio, simulated_* and incomplete_* from the runs'
// summaries (matched by run, model and suite). For kAllSuites the cost is the pair's total cost over its
// total problems across the compared suites (unknown if any suite's is), and
// speed is left unknown.
void add_ratios(std::vector<PairedComparison>& comparisons, const std::vector<SuiteSummary>& summaries);

// Sign-flip permutation p-value for paired differences (see above).
// Empty -> 1.
double sign_flip_p_value(const std::vector<double>& diffs, int resamples, uint64_t seed);

// table, md, html or json (csv: one row per comparison, no problem lists).
// `max_listed` caps each problem list in table/md/html (json lists all).
std::string render_comparison(const std::vector<PairedComparison>& comparisons, Format format,
                              const ReportMeta& meta, size_t max_listed = 20);

}  // namespace rigor
