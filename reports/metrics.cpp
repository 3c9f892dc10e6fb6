#include "reports/metrics.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

#include "base/rng.h"

namespace rigor {

double pass_at_k(int n, int c, int k) {
  if (n < 1 || k < 1 || k > n || c < 0 || c > n) {
    throw std::invalid_argument(fmt::format("pass_at_k: need 1 <= k <= n and 0 <= c <= n (n={}, c={}, k={})", n, c, k));
  }
  if (c == 0) return 0.0;
  if (n - c < k) return 1.0;
  double miss = 1.0;  // C(n-c, k) / C(n, k)
  for (int i = n - c + 1; i <= n; ++i) miss *= 1.0 - static_cast<double>(k) / i;
  return 1.0 - miss;
}

double cons_credit(const std::vector<Vote>& votes, const Equivalence& equivalent) {
  struct Class {
    const std::string* representative;
    int members = 0;
    int correct = 0;
  };
  std::vector<Class> classes;
  for (const Vote& v : votes) {
    auto it = std::find_if(classes.begin(), classes.end(),
                           [&](const Class& c) { return equivalent(*c.representative, v.answer); });
    if (it == classes.end()) {
      classes.push_back({&v.answer, 0, 0});
      it = classes.end() - 1;
    }
    ++it->members;
    it->correct += v.correct ? 1 : 0;
  }
  if (classes.empty()) return 0.0;
  int top = 0;
  for (const Class& c : classes) top = std::max(top, c.members);
  double credit = 0;
  int tied = 0;
  for (const Class& c : classes) {
    if (c.members != top) continue;
    credit += static_cast<double>(c.correct) / c.members;
    ++tied;
  }
  return credit / tied;
}

double cons_at_n(const std::vector<std::vector<Vote>>& votes_per_problem,
                 const Equivalence& equivalent) {
  if (votes_per_problem.empty()) return 0.0;
  double sum = 0;
  for (const auto& votes : votes_per_problem) sum += cons_credit(votes, equivalent);
  return sum / votes_per_problem.size();
}

std::optional<double> percentile(std::vector<double> values, double q) {
  if (!(q >= 0.0 && q <= 1.0)) throw std::invalid_argument(fmt::format("percentile: q={} not in [0, 1]", q));
  if (values.empty()) return std::nullopt;
  std::sort(values.begin(), values.end());
  const double h = (values.size() - 1) * q;
  const size_t lo = static_cast<size_t>(std::floor(h));
  if (lo + 1 >= values.size()) return values.back();
  return values[lo] + (h - lo) * (values[lo + 1] - values[lo]);
}

Interval bootstrap_ci(const std::vector<double>& values, int resamples, uint64_t seed, double level) {
  if (values.empty()) throw std::invalid_argument("bootstrap_ci: no values");
  if (resamples < kMinBootstrapResamples) {
    throw std::invalid_argument(fmt::format("bootstrap_ci: {} resamples, need >= {}", resamples, kMinBootstrapResamples));
  }
  if (!(level > 0.0 && level < 1.0)) throw std::invalid_argument("bootstrap_ci: level must be in (0, 1)");
  Rng rng(seed);
  const uint64_t m = values.size();
  std::vector<double> means(resamples);
  for (double& mean : means) {
    double sum = 0;
    for (uint64_t j = 0; j < m; ++j) sum += values[rng.below(m)];
    mean = sum / m;
  }
  return {*percentile(means, (1.0 - level) / 2), *percentile(std::move(means), (1.0 + level) / 2)};
}

std::optional<double> cost_of(const SampleRecord& s, const Pricing& p) {
  Usage u;
  u.prompt_tokens = s.prompt_tokens;
  u.cached_tokens = s.cached_tokens;
  u.cache_write_tokens = s.cache_write_tokens;
  u.completion_tokens = s.completion_tokens;
  u.reasoning_tokens = s.reasoning_tokens;
  const double usd = cost_usd(p, u);
  if (usd < 0) return std::nullopt;
  return usd;
}

}  // namespace rigor
