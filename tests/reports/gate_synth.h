// Synthetic runs for the gate's statistical tests, at the metrics level (no
// server): a per-problem Bernoulli model with per-problem difficulty.
// Chosen over the simulator's generator because it is thousands of times
// cheaper (300 run pairs x ~900 problems x n samples in well under a second)
// and its true accuracy is known exactly, so a "10-point drop" is exactly 10
// points of expected pass@1 rather than an estimate. It keeps what matters for
// a paired test: problems differ in difficulty (the between-problem variance
// that pairing removes), and errors, truncation and extraction failures
// happen at realistic rates that must not alarm on their own.
#pragma once

#include <cmath>
#include <string>
#include <vector>

#include "store/store.h"
#include "base/rng.h"

namespace rigor::testing {

struct SynthSuite {
  std::string name;
  int problems = 0;
  double accuracy = 0;  // expected pass@1
};

// The simulator's "full" profile accuracies, plus GPQA and HumanEval sizes.
inline std::vector<SynthSuite> full_profile_suites() {
  return {{"aime24", 30, 0.75}, {"aime25", 30, 0.65}, {"math500", 500, 0.95}, {"gpqa-diamond", 198, 0.70},
          {"humaneval", 164, 0.85}};
}

inline double uniform01(Rng& rng) { return static_cast<double>(rng.next() >> 11) * 0x1.0p-53; }

inline double normal(Rng& rng) {
  const double u = 1 - uniform01(rng), v = uniform01(rng);
  return std::sqrt(-2 * std::log(u)) * std::cos(6.283185307179586 * v);
}

inline double logistic(double x) { return 1 / (1 + std::exp(-x)); }

// Fixed per-problem difficulties of a suite (the same in every run).
inline std::vector<double> difficulties(const SynthSuite& s) {
  Rng rng(std::hash<std::string>{}(s.name) ^ 0xD1FFULL);
  std::vector<double> z(s.problems);
  for (double& x : z) x = 1.5 * normal(rng);
  return z;
}

// The ability whose mean P(correct) over the suite is `accuracy` (bisection).
inline double ability_for(const std::vector<double>& z, double accuracy) {
  double lo = -30, hi = 30;
  for (int i = 0; i < 100; ++i) {
    const double mid = (lo + hi) / 2;
    double mean = 0;
    for (double x : z) mean += logistic(mid - x);
    mean /= static_cast<double>(z.size());
    (mean < accuracy ? lo : hi) = mid;
  }
  return (lo + hi) / 2;
}

struct SynthRates {
  double error = 0.01;              // per request, independent of the problem
  double trunc_if_wrong = 0.3;      // a wrong answer ran out of tokens
  double extract_fail_if_wrong = 0.1;  // a wrong, untruncated answer had no \boxed{}
};

// One run: `n` samples per problem of every suite, for model "m".
// `drop` maps a suite name to the accuracy it loses (exactly, in expectation).
inline std::vector<SampleRecord> synth_run(const std::string& run_id, const std::vector<SynthSuite>& suites, int n,
                                           uint64_t seed, const std::string& drop_suite = "", double drop = 0,
                                           const SynthRates& rates = {}) {
  std::vector<SampleRecord> out;
  Rng rng(seed);
  for (const SynthSuite& s : suites) {
    const auto z = difficulties(s);
    const double a = ability_for(z, s.accuracy - (s.name == drop_suite ? drop : 0));
    for (int i = 0; i < s.problems; ++i) {
      const double p = logistic(a - z[i]);
      for (int k = 0; k < n; ++k) {
        SampleRecord r;
        r.run_id = run_id;
        r.model = "m";
        r.suite = s.name;
        r.problem_id = std::to_string(i);
        r.sample_idx = k;
        if (uniform01(rng) < rates.error) {
          r.status = SampleStatus::kError;
          out.push_back(std::move(r));
          continue;
        }
        r.correct = uniform01(rng) < p;
        r.extracted_ok = true;
        if (!r.correct) {
          r.truncated = uniform01(rng) < rates.trunc_if_wrong;
          r.extracted_ok = !r.truncated && uniform01(rng) >= rates.extract_fail_if_wrong;
        }
        out.push_back(std::move(r));
      }
    }
  }
  return out;
}

}  // namespace rigor::testing
