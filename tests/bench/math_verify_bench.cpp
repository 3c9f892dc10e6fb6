// Math answer verification speed, in answer pairs per second on one core
// (issue 3: target >= 50,000 pairs/s; Math-Verify spends ~1.6 ms per pair).
//   build-*/tests/math_verify_bench --benchmark_filter=Math
// MathPairWorst reports the slowest single pair (max_us) over the MATH-500
// workload, against the issue's 50 ms bound.
// MathScore* run the whole scorer (answer extraction, then verification) on
// full responses: the answer boxed, the answer as the last inline math after
// prose (the fallback path), and Math-Verify's test cases (issue 16), whose
// responses run to several kilobytes; MathScoreWorst reports their slowest.
#include <algorithm>
#include <chrono>
#include <fstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>

#include "scorers/math/math_equiv.h"
#include "scorers/math/math_rewrites.h"
#include "scorers/math/math_scorer.h"
#include "tests/case_table_parse.h"

namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

std::vector<std::string> math500_golds() {
  std::ifstream in(std::string(RIGOR_SOURCE_DIR) + "/suites/data/math500/test.jsonl");
  std::vector<std::string> out;
  std::string line;
  while (std::getline(in, line)) out.push_back(nlohmann::json::parse(line).at("answer").get<std::string>());
  return out;
}

// Gold against itself, against each rewrite, and against a wrong value.
const Pairs& math500_pairs() {
  static const Pairs pairs = [] {
    Pairs p;
    for (const std::string& g : math500_golds()) {
      p.emplace_back(g, g);
      for (const auto& r : rigor::math::meaning_preserving_rewrites(g)) p.emplace_back(g, r.text);
      p.emplace_back(g, rigor::math::perturbed(g));
    }
    return p;
  }();
  return pairs;
}

// Only rewritten and perturbed forms: no pair is textually identical.
const Pairs& math500_rewritten_pairs() {
  static const Pairs pairs = [] {
    Pairs p;
    for (const auto& [g, a] : math500_pairs())
      if (g != a) p.emplace_back(g, a);
    return p;
  }();
  return pairs;
}

// Gold and answer of every case in math_equivalence.tsv, read as
// math_equivalence_test reads them.
const Pairs& case_table_pairs() {
  static const Pairs pairs = [] {
    using rigor::testing::Escapes;
    const auto table = rigor::testing::read_case_table("math_equivalence.tsv", 4,
                                                       {.escapes = Escapes::kNone, .min_columns = 3, .header = true});
    if (!table.errors.empty()) throw std::runtime_error(table.errors.front());
    Pairs p;
    for (const auto& row : table.rows) p.emplace_back(row[0], row[1]);
    return p;
  }();
  return pairs;
}

// Cycles through `pairs`, one verdict per iteration.
template <class VerdictFn>
void run_pairs(benchmark::State& state, const Pairs& pairs, VerdictFn verdict) {
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(verdict(pairs[i].first, pairs[i].second));
    if (++i == pairs.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["pairs"] = static_cast<double>(pairs.size());
}

// One full pass over `all` per iteration; reports the slowest pair and the median.
template <class VerdictFn>
void worst_pair(benchmark::State& state, const Pairs& all, VerdictFn verdict) {
  double worst = 0;
  std::vector<double> us(all.size());
  for (auto _ : state) {
    for (size_t i = 0; i < all.size(); ++i) {
      auto t0 = std::chrono::steady_clock::now();
      benchmark::DoNotOptimize(verdict(all[i].first, all[i].second));
      us[i] = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
      worst = std::max(worst, us[i]);
    }
  }
  std::nth_element(us.begin(), us.begin() + us.size() / 2, us.end());
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(all.size()));
  state.counters["max_us"] = worst;
  state.counters["median_us"] = us[us.size() / 2];
}

auto equivalence = [](const std::string& g, const std::string& a) { return rigor::math::equivalent_answers(g, a); };

void run(benchmark::State& state, const Pairs& pairs) { run_pairs(state, pairs, equivalence); }

void MathPairsMath500(benchmark::State& state) { run(state, math500_pairs()); }
void MathPairsMath500Rewritten(benchmark::State& state) { run(state, math500_rewritten_pairs()); }
void MathPairsCaseTable(benchmark::State& state) { run(state, case_table_pairs()); }

void MathPairWorst(benchmark::State& state) {
  Pairs all = math500_pairs();
  const Pairs& table = case_table_pairs();
  all.insert(all.end(), table.begin(), table.end());
  worst_pair(state, all, equivalence);
}

// (gold, full response) pairs built from the MATH-500 pairs.
Pairs responses(const std::string& before, const std::string& after) {
  Pairs p;
  for (const auto& [g, a] : math500_pairs()) p.emplace_back(g, before + a + after);
  return p;
}

const Pairs& boxed_responses() {
  static const Pairs p = responses("We simplify step by step, so the result is $\\boxed{", "}$.");
  return p;
}

const Pairs& fallback_responses() {
  static const Pairs p = responses(
      "Let $x$ be the unknown. Since $2x + 1 = 7$ we have $x = 3$, and after more work we find\n\n$$", "$$\n\nso that is it.");
  return p;
}

const Pairs& peer_responses() {
  static const Pairs pairs = [] {
    Pairs p;
    std::ifstream in(std::string(RIGOR_SOURCE_DIR) + "/tests/data/math_verify_peer.jsonl");
    std::string line;
    while (std::getline(in, line)) {
      auto j = nlohmann::json::parse(line);
      if (!j.contains("header")) p.emplace_back(j.at("gold").get<std::string>(), j.at("pred").get<std::string>());
    }
    return p;
  }();
  return pairs;
}

void score(benchmark::State& state, const Pairs& pairs) {
  auto scorer = rigor::make_math_scorer();
  run_pairs(state, pairs, [&](const std::string& g, const std::string& r) { return scorer->score(r, g); });
}

void MathScoreBoxed(benchmark::State& state) { score(state, boxed_responses()); }
void MathScoreFallback(benchmark::State& state) { score(state, fallback_responses()); }
void MathScorePeerCases(benchmark::State& state) { score(state, peer_responses()); }

// Long responses built to make extraction slow: unclosed delimiters, phrases
// without answers, spans that never parse.
Pairs pathological_responses() {
  auto times = [](const std::string& unit, size_t n) {
    std::string out;
    for (size_t i = 0; i < n; ++i) out += unit;
    return out;
  };
  return {{"5", times("\\[ x ", 20000)},
          {"5", times("\\( 1 ", 20000)},
          {"5", times("$$ 1 ", 20000)},
          {"5", times("the answer is ", 10000)},
          {"5", times("The answer is \\triangle. ", 5000)},
          {"5", times("$\\triangle$ ", 20000)},
          {"5", times("1 ", 50000)}};
}

void MathScoreWorst(benchmark::State& state) {
  auto scorer = rigor::make_math_scorer();
  Pairs all = boxed_responses();
  Pairs pathological = pathological_responses();
  for (const Pairs* more : {&fallback_responses(), &peer_responses(), static_cast<const Pairs*>(&pathological)})
    all.insert(all.end(), more->begin(), more->end());
  worst_pair(state, all, [&](const std::string& g, const std::string& r) { return scorer->score(r, g); });
}

BENCHMARK(MathPairsMath500);
BENCHMARK(MathPairsMath500Rewritten);
BENCHMARK(MathPairsCaseTable);
BENCHMARK(MathPairWorst)->Iterations(3)->Unit(benchmark::kMillisecond);
BENCHMARK(MathScoreBoxed);
BENCHMARK(MathScoreFallback);
BENCHMARK(MathScorePeerCases);
BENCHMARK(MathScoreWorst)->Iterations(3)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
