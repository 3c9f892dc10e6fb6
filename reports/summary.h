// Per (run, model, suite) metrics computed from stored rows. Never calls an
// engine and never re-scores: correctness, extraction and truncation are read
// from the SampleRecords as the scorer stored them.
//
// How samples count:
// - Only samples with status ok ("finished") enter accuracy, token, speed and
//   rate metrics. A sample with status error is not a wrong answer; it is
//   counted in `errors` and shows as samples_ok < samples_planned.
// - A problem with n_i finished samples (n_i may be < n because of errors)
//   contributes c_i / n_i to pass@1 with its own n_i; a problem with no
//   finished sample is left out of pass@1 and cons@n (problems_scored says
//   how many were counted). pass@k is the mean over problems with n_i >= k
//   only (PassAtK::problems says how many).
// - cons@n: per problem, samples with extracted_ok vote (see cons_credit).
//   With shuffled choices (SampleRecord::permutation set, GPQA) a displayed
//   letter is first mapped back to the choice's unshuffled letter, so votes
//   for the same choice shown under different letters agree.
// - Rates (truncation, extraction failure) are over finished samples.
// - Token means are over finished samples whose server reported the count;
//   usage_samples says how many did. With none, the renderers print
//   "n/a (server reported no usage)".
// - Aggregate output tok/s is per MODEL (all its suites in the run): the
//   output tokens of all its requests / RunModelRecord::wall_s; it is repeated
//   on each of that model's suite rows.
// - Cost, API pricing: sum of cost_of() over the suite's samples with known
//   usage (an errored request with unknown usage adds nothing; a finished one
//   with unknown usage makes the cost unknown). Self-hosted (gpu_hour x gpus):
//   the model's whole wall time is priced, then apportioned to its suites by
//   their share of the model's output tokens (a model run on one suite takes
//   it all). $/problem = total / problems; $/solved = total / (pass@1 x
//   problems_scored), the expected number solved; $/M output = total / the
//   suite's output tokens x 1e6.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/store.h"
#include "reports/metrics.h"
#include "scorers/scorer.h"

namespace rigor {

struct PassAtK {
  int k = 0;
  int problems = 0;              // problems with n_i >= k (the ones averaged)
  std::optional<double> value;   // nullopt when problems == 0
  Interval ci;                   // bootstrap 95% interval; valid with value
};

struct SuiteSummary {
  std::string run_id;
  std::string model;             // config name of the model
  std::string suite;
  std::string engine;            // from RunModelRecord ("" if none was stored)
  std::string model_id;
  std::string server_label;      // what the server said it is
  bool simulated = false;        // served by rigor's simulator

  int problems = 0;              // distinct problem ids with any stored sample
  int problems_scored = 0;       // problems with >= 1 finished sample
  int problems_complete = 0;     // problems with all n samples finished
  int suite_problems = 0;        // problems of the suite in the run's plan; 0 when the stored config does not say
  std::map<std::string, double> complete_rates;  // c_i / n of each problem with all n samples finished, by id
  int n = 0;                     // planned samples per problem
  int samples_planned = 0;       // problems * n
  int samples_ok = 0;            // finished samples
  int errors = 0;                // samples with status error

  std::optional<double> pass1;   // nullopt when problems_scored == 0
  Interval pass1_ci;             // bootstrap 95% interval; valid with pass1
  std::map<int, PassAtK> pass_at_k;  // by k, for the requested k values
  std::optional<double> cons_at_n;   // nullopt when no scorer was given or nothing scored

  int truncated = 0;             // finished samples that were truncated
  int extract_failed = 0;        // finished samples with extracted_ok false
  std::optional<double> trunc_rate;         // truncated / samples_ok
  std::optional<double> extract_fail_rate;  // extract_failed / samples_ok

  int usage_samples = 0;         // finished samples whose server reported completion tokens
  std::optional<double> mean_output_tokens;     // completion tokens, reasoning included
  std::optional<double> mean_reasoning_tokens;
  std::optional<double> mean_answer_tokens;     // completion - reasoning, where both known
  int64_t output_tokens = 0;     // sum of reported completion tokens (this suite)

  std::optional<double> ttft_p50;        // seconds
  std::optional<double> ttft_p95;
  std::optional<double> decode_tps_p50;  // per-request decode speed as stored
  std::optional<double> output_tps;      // per model, see above
  double limit_wait_s = 0;       // seconds samples were held by rate limits (client
                                 // budgets, backoff after 429), summed; not latency
  int limited_samples = 0;       // samples with limit_wait_s > 0 (errored ones too)

  std::string cost_basis;        // "api", "gpu-hour", or "" when no pricing
  std::optional<double> cost_total;       // US dollars
  std::optional<double> cost_per_problem;
  std::optional<double> cost_per_solved;
  std::optional<double> usd_per_m_output;
  std::string cost_note;         // why a cost is unknown, "" otherwise
  std::string sandbox_isolation; // code suites: the isolation levels the sandbox
                                 // reported ("namespaces+seccomp+rlimits"), joined
                                 // by ", "; "" for suites that run no code

  bool usage_known() const { return usage_samples > 0; }
  // Every planned problem has all n samples finished. A run stopped by its
  // budget, interrupted, or with errored samples is not complete, and its
  // numbers describe a subset of the suite.
  bool complete() const { return suite_problems > 0 ? problems_complete == suite_problems : problems_complete == problems && problems > 0; }
  // "74 of 500 problems — incomplete" (problems with all n samples finished
  // out of the suite's); "" when complete().
  std::string incomplete_label() const;
};

// Gives the scorer a suite was scored with (for cons@n equivalence), or
// nullptr when none is available (cons@n is then not computed).
using ScorerLookup = std::function<const Scorer*(std::string_view suite)>;

struct SummaryOptions {
  std::vector<int> k_values;     // run.k from the config; each must be <= n
  int n = 0;                     // planned samples per problem; 0: the largest
                                 // sample_idx + 1 stored for the suite
  ScorerLookup scorer_for_suite; // may be empty: no cons@n
  std::map<std::string, int> suite_problems;  // planned problems per suite (the run's stored config);
                                              // a model with no sample of a suite still gets a row
  int resamples = kBootstrapResamples;
  uint64_t seed = kBootstrapSeed;
};

// One summary per (model, suite) present in `samples` for `run`, plus an
// empty one for each model of `models` and suite of options.suite_problems
// that has none (a model stopped before its first sample). Order:
// models in the order of `models` (models with samples but no record follow,
// by name), suites by name. Samples of other runs are ignored.
// Throws std::invalid_argument when a k is < 1 or > n, and
// std::runtime_error naming the run and model when its pricing_json is
// malformed (a fatal user error).
std::vector<SuiteSummary> summarize(const RunRecord& run, const std::vector<RunModelRecord>& models,
                                    const std::vector<SampleRecord>& samples,
                                    const SummaryOptions& options);

}  // namespace rigor
