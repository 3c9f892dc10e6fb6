// Pure metric functions. Definitions follow DESIGN.md "Definitions" exactly;
// each function's contract says how edge cases are counted.
// All functions are pure and thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/store.h"
#include "base/pricing.h"

namespace rigor {

// Bootstrap defaults used by every report (stamped into its header).
inline constexpr int kBootstrapResamples = 10000;
inline constexpr int kMinBootstrapResamples = 2000;  // DESIGN.md: >= 2000
inline constexpr uint64_t kBootstrapSeed = 0x5249474f52ULL;  // "RIGOR"

// Unbiased pass@k estimator for one problem with n samples of which c are
// correct: 1 - C(n-c, k) / C(n, k), evaluated as 1 - prod_{i=n-c+1..n} (1 - k/i)
// so it never forms a binomial coefficient. Exactly 0 when c == 0 and exactly
// 1 when n - c < k (so k == n with c > 0 gives 1).
// Throws std::invalid_argument unless 1 <= k <= n and 0 <= c <= n.
double pass_at_k(int n, int c, int k);

// One sample's vote in a majority vote: its extracted answer and the scorer's
// verdict. Only samples with an extractable answer may vote; callers leave
// the others out.
struct Vote {
  std::string answer;
  bool correct = false;
};

using Equivalence = std::function<bool(std::string_view, std::string_view)>;

// Majority-vote credit for ONE problem (cons@n is the mean over problems).
// Votes are grouped into classes with `equivalent` (the scorer's equivalence,
// not string equality): each vote joins the first existing class whose first
// member it is equivalent to, else opens a new class (so a non-transitive
// equivalence is resolved by arrival order, deterministically).
// A class's correctness is the fraction of its members the scorer marked
// correct (0 or 1 for a consistent scorer). The credit is the correctness of
// the largest class; when several classes tie for largest, the mean of their
// correctness (the fraction of tied answers that are correct). No votes -> 0.
double cons_credit(const std::vector<Vote>& votes, const Equivalence& equivalent);

// cons@n over problems: mean of cons_credit per problem. Empty -> 0.
double cons_at_n(const std::vector<std::vector<Vote>>& votes_per_problem,
                 const Equivalence& equivalent);

// Percentile by linear interpolation between closest ranks (Hyndman & Fan
// type 7, numpy's default): with the values sorted ascending, h = (N-1)*q and
// the result is x[floor h] + (h - floor h) * (x[floor h + 1] - x[floor h]).
// q in [0, 1] (throws std::invalid_argument otherwise). Empty -> nullopt.
std::optional<double> percentile(std::vector<double> values, double q);

struct Interval {
  double lo = 0;
  double hi = 0;
};

// Percentile-bootstrap interval for the mean of per-problem values: draw
// `resamples` samples of the problems with replacement (Rng(seed)), take each
// resample's mean, and return the (1-level)/2 and (1+level)/2 percentiles of
// those means (percentile() above). Deterministic for a given seed.
// Throws std::invalid_argument when values is empty, resamples <
// kMinBootstrapResamples, or level is not in (0, 1).
Interval bootstrap_ci(const std::vector<double>& values, int resamples = kBootstrapResamples,
                      uint64_t seed = kBootstrapSeed, double level = 0.95);

// API cost of one stored sample in US dollars: cost_usd() (base/pricing.h)
// of its stored token counts, so the report prices exactly as the run and
// its budget did. nullopt when prompt_tokens or completion_tokens is
// unknown (-1), or the pricing is not per token.
std::optional<double> cost_of(const SampleRecord& sample, const Pricing& pricing);

}  // namespace rigor
