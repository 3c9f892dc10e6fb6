#include "reports/compare.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <stdexcept>

#include <fmt/format.h>

#include "base/rng.h"

namespace rigor {
namespace {

struct Tally {
  int finished = 0;
  int correct = 0;
};

// model -> suite -> problem -> tally over finished samples.
using Tallies = std::map<std::string, std::map<std::string, std::map<std::string, Tally>>>;

Tallies tally(const std::string& run, const std::vector<SampleRecord>& samples) {
  Tallies t;
  for (const SampleRecord& s : samples) {
    if (s.run_id != run) continue;
    Tally& p = t[s.model][s.suite][s.problem_id];
    if (s.status != SampleStatus::kOk) continue;
    ++p.finished;
    p.correct += s.correct ? 1 : 0;
  }
  return t;
}

std::vector<ModelPair> pick_pairs(const Tallies& a, const Tallies& b, const CompareOptions& opt,
                                  const std::string& run_a, const std::string& run_b) {
  if (!opt.pairs.empty()) {
    for (const ModelPair& p : opt.pairs) {
      if (!a.count(p.a)) throw std::invalid_argument(fmt::format("model \"{}\" has no samples in run {}", p.a, run_a));
      if (!b.count(p.b)) throw std::invalid_argument(fmt::format("model \"{}\" has no samples in run {}", p.b, run_b));
    }
    return opt.pairs;
  }
  std::vector<ModelPair> pairs;
  for (const auto& [name, suites] : a) {
    if (b.count(name)) pairs.push_back({name, name});
  }
  if (pairs.empty() && a.size() == 1 && b.size() == 1) pairs.push_back({a.begin()->first, b.begin()->first});
  if (pairs.empty()) {
    throw std::invalid_argument(
        fmt::format("runs {} and {} share no model name; name the models to compare", run_a, run_b));
  }
  return pairs;
}

PairedComparison compare_suite(const std::map<std::string, Tally>& pa, const std::map<std::string, Tally>& pb,
                               const CompareOptions& opt) {
  PairedComparison c;
  std::vector<double> diffs;
  double sum_a = 0, sum_b = 0;
  const int need_a = std::max(1, opt.n_a), need_b = std::max(1, opt.n_b);
  for (const auto& [id, ta] : pa) {
    auto it = pb.find(id);
    if (ta.finished == 0) continue;
    if (it == pb.end() || it->second.finished == 0) {
      ++c.only_a;
      continue;
    }
    const Tally& tb = it->second;
    if (ta.finished < need_a || tb.finished < need_b) {
      ++c.partial;
      continue;
    }
    ProblemDelta d{id, static_cast<double>(ta.correct) / ta.finished,
                   static_cast<double>(tb.correct) / tb.finished, ta.finished, tb.finished};
    sum_a += d.rate_a;
    sum_b += d.rate_b;
    diffs.push_back(d.diff());
    if (d.diff() > 0) c.a_better.push_back(d);
    if (d.diff() < 0) c.b_better.push_back(d);
  }
  for (const auto& [id, tb] : pb) {
    auto it = pa.find(id);
    if (tb.finished > 0 && (it == pa.end() || it->second.finished == 0)) ++c.only_b;
  }
  c.problems = static_cast<int>(diffs.size());
  if (c.problems > 0) {
    c.pass1_a = sum_a / c.problems;
    c.pass1_b = sum_b / c.problems;
    c.diff = c.pass1_a - c.pass1_b;
    c.diff_ci = bootstrap_ci(diffs, opt.resamples, opt.seed);
    c.p_value = sign_flip_p_value(diffs, opt.resamples, opt.seed);
  }
  auto by_gap = [](const ProblemDelta& x, const ProblemDelta& y) {
    const double gx = std::abs(x.diff()), gy = std::abs(y.diff());
    return gx != gy ? gx > gy : x.problem_id < y.problem_id;
  };
  std::sort(c.a_better.begin(), c.a_better.end(), by_gap);
  std::sort(c.b_better.begin(), c.b_better.end(), by_gap);
  return c;
}

}  // namespace

void add_ratios(std::vector<PairedComparison>& cs, const std::vector<SuiteSummary>& summaries) {
  auto find = [&](const std::string& run, const std::string& model, const std::string& suite) -> const SuiteSummary* {
    for (const auto& s : summaries) {
      if (s.run_id == run && s.model == model && s.suite == suite) return &s;
    }
    return nullptr;
  };
  auto ratio = [](std::optional<double> a, std::optional<double> b) -> std::optional<double> {
    if (!a || !b || *b <= 0) return std::nullopt;
    return *a / *b;
  };
  for (auto& c : cs) {
    for (const auto& s : summaries) {
      if (s.run_id == c.run_a && s.model == c.model_a && (c.suite == kAllSuites || s.suite == c.suite)) {
        c.simulated_a = c.simulated_a || s.simulated;
        if (!s.complete() && c.suite != kAllSuites) c.incomplete_a = s.incomplete_label();
      }
      if (s.run_id == c.run_b && s.model == c.model_b && (c.suite == kAllSuites || s.suite == c.suite)) {
        c.simulated_b = c.simulated_b || s.simulated;
        if (!s.complete() && c.suite != kAllSuites) c.incomplete_b = s.incomplete_label();
      }
    }
    if (c.suite != kAllSuites) {
      const SuiteSummary* a = find(c.run_a, c.model_a, c.suite);
      const SuiteSummary* b = find(c.run_b, c.model_b, c.suite);
      if (!a || !b) continue;
      c.cost_ratio = ratio(a->cost_per_problem, b->cost_per_problem);
      c.speed_ratio = ratio(a->decode_tps_p50, b->decode_tps_p50);
      continue;
    }
    // Pooled: total cost over total problems of the suites compared for this pair.
    double cost_a = 0, cost_b = 0;
    int problems_a = 0, problems_b = 0;
    bool known = true;
    for (const auto& other : cs) {
      if (other.suite == kAllSuites || other.run_a != c.run_a || other.model_a != c.model_a ||
          other.run_b != c.run_b || other.model_b != c.model_b) {
        continue;
      }
      const SuiteSummary* a = find(c.run_a, c.model_a, other.suite);
      const SuiteSummary* b = find(c.run_b, c.model_b, other.suite);
      if (!a || !b || !a->cost_total || !b->cost_total) {
        known = false;
        break;
      }
      cost_a += *a->cost_total;
      cost_b += *b->cost_total;
      problems_a += a->problems;
      problems_b += b->problems;
    }
    if (known && problems_a > 0 && problems_b > 0) c.cost_ratio = ratio(cost_a / problems_a, cost_b / problems_b);
  }
}

Interval unpaired_bootstrap_ci(const std::vector<double>& a, const std::vector<double>& b, int resamples,
                               uint64_t seed, double level) {
  if (a.empty() || b.empty()) throw std::invalid_argument("unpaired_bootstrap_ci: empty sample");
  if (resamples < kMinBootstrapResamples) throw std::invalid_argument("unpaired_bootstrap_ci: too few resamples");
  Rng rng(seed);
  std::vector<double> diffs(static_cast<size_t>(resamples));
  for (double& d : diffs) {
    double sa = 0, sb = 0;
    for (size_t i = 0; i < a.size(); ++i) sa += a[rng.below(a.size())];
    for (size_t i = 0; i < b.size(); ++i) sb += b[rng.below(b.size())];
    d = sa / static_cast<double>(a.size()) - sb / static_cast<double>(b.size());
  }
  return {*percentile(diffs, (1 - level) / 2), *percentile(diffs, (1 + level) / 2)};
}

double sign_flip_p_value(const std::vector<double>& diffs, int resamples, uint64_t seed) {
  if (diffs.empty()) return 1.0;
  if (resamples < 1) throw std::invalid_argument("sign_flip_p_value: resamples must be >= 1");
  double observed = 0;
  for (double d : diffs) observed += d;
  observed = std::abs(observed);
  // Sums, not means: same ordering, and the tolerance absorbs rounding so
  // that a resample equal to the observed statistic counts as "as extreme".
  const double tolerance = 1e-9 * std::max(1.0, observed);
  Rng rng(seed);
  int extreme = 0;
  for (int r = 0; r < resamples; ++r) {
    double sum = 0;
    for (double d : diffs) sum += rng.coin() ? d : -d;
    if (std::abs(sum) >= observed - tolerance) ++extreme;
  }
  return (1.0 + extreme) / (1.0 + resamples);
}

std::vector<PairedComparison> compare_runs(const std::string& run_a, const std::vector<SampleRecord>& samples_a,
                                           const std::string& run_b, const std::vector<SampleRecord>& samples_b,
                                           const CompareOptions& opt) {
  const Tallies ta = tally(run_a, samples_a);
  const Tallies tb = tally(run_b, samples_b);
  std::vector<PairedComparison> out;
  for (const ModelPair& pair : pick_pairs(ta, tb, opt, run_a, run_b)) {
    const auto& sa = ta.at(pair.a);
    const auto& sb = tb.at(pair.b);
    std::map<std::string, Tally> pooled_a, pooled_b;
    int suites = 0;
    auto label = [&](PairedComparison c, const std::string& suite) {
      c.suite = suite;
      c.run_a = run_a;
      c.model_a = pair.a;
      c.run_b = run_b;
      c.model_b = pair.b;
      return c;
    };
    for (const auto& [suite, problems_a] : sa) {
      auto it = sb.find(suite);
      if (it == sb.end()) continue;
      out.push_back(label(compare_suite(problems_a, it->second, opt), suite));
      ++suites;
      for (const auto& [id, t] : problems_a) pooled_a[suite + "/" + id] = t;
      for (const auto& [id, t] : it->second) pooled_b[suite + "/" + id] = t;
    }
    if (suites >= 2) out.push_back(label(compare_suite(pooled_a, pooled_b, opt), kAllSuites));
  }
  return out;
}

}  // namespace rigor
