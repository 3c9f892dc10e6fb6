// rigor verify against a trusted reference: the paired two-sample tests, pure
// (no I/O), fed one pair at a time by the verifier.
//
// A pair is one problem drawn uniformly with replacement, answered once by the
// endpoint under test and once by the reference: a live trusted endpoint sent
// the same prompt, seed and sampling settings, or one sample of a trusted run
// that no other pair used. For an endpoint that serves the reference's model,
// the two sides of a pair are exchangeable, and the pairs are independent given
// the draws; every test below is a bet (base/betting_test.h) whose null this
// exchangeability implies, so it accuses such an endpoint with probability at
// most its share of alpha however long it runs (Ville's inequality). A stored
// sample is used once only: comparing every new sample with the same fixed
// reference figures would bet against their estimation error too, which a
// long enough test would eventually "detect".
//
// The tests, each at alpha / 5 (Bonferroni, so the five together stay <= alpha):
//   accuracy     d = reference correct - endpoint correct; inconsistent when
//                E[d] > tolerance is shown (bet on d - tolerance).
//   reasoning    the endpoint's reasoning longer (1), shorter (0) or as long
//                (1/2) as the reference's in the same pair; for the same model
//                E = 1/2 by exchangeability, ties included. Two-sided: the
//                mean of a bet on "longer" and one on "shorter".
//   answer       the same for the answer part.
//   truncation   endpoint truncated - reference truncated; inconsistent when
//                the endpoint truncates more often.
//   extraction   the same for extraction failures (an answer part the scorer
//                found no answer in; truncated samples are truncation's).
// "Consistent" needs evidence too: each test also bets against an alternative
// (accuracy tolerance + gap below; longer or shorter in 65% of pairs;
// truncating or failing extraction 10 points more often) and the comparison
// is consistent once every one of those is rejected at beta.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "base/betting_test.h"
#include "harness/verify.h"

namespace rigor {

// What one sample showed, on either side of a pair.
struct SampleTraits {
  bool correct = false;
  bool truncated = false;          // finish_reason "length", or a <think> never closed
  bool extraction_failed = false;  // not truncated, and the scorer extracted no answer
  int64_t reasoning_tokens = -1;   // usage's reasoning tokens; -1 not reported
  int64_t answer_tokens = -1;      // completion minus reasoning tokens; -1 when either is not reported
  int64_t reasoning_bytes = 0;     // bytes of the reasoning text
  int64_t answer_bytes = 0;        // bytes of the answer text
};

struct CompareOptions {
  double alpha = 0.01;      // of all five tests together
  double beta = 0.05;       // the "consistent" side's level
  double tolerance = 0.05;  // accuracy: how far below the reference still counts as the same
  double gap = 0.15;        // accuracy: the alternative is tolerance + gap below
};

class ReferenceComparison {
 public:
  static constexpr int kTests = 5;
  // Throws std::invalid_argument unless 0 < alpha, beta < 1 and tolerance + gap < 1.
  explicit ReferenceComparison(const CompareOptions& o);

  // Adds one pair. Once a test has crossed its inconsistent threshold it
  // stays inconsistent (the verifier stops there).
  void add(const SampleTraits& endpoint, const SampleTraits& reference);

  bool inconsistent() const;  // some test rejected its null at alpha / 5
  bool consistent() const;    // none did, and every alternative was rejected at beta
  bool decided() const { return inconsistent() || consistent(); }
  int64_t pairs() const { return pairs_; }
  // Per test, in the order above: crossed its inconsistent threshold.
  std::array<bool, kTests> accused() const { return accused_; }

  // The five tests as verify reports them (verdicts, summaries, evidence,
  // error rates), named "paired accuracy", "reasoning length", "answer
  // length", "truncation", "extraction failures". `against` names the
  // reference in the summaries ("the reference r1-official").
  std::vector<VerifyTest> tests(const std::string& against) const;

 private:
  // One length comparison: two-sided by a mean of two bets.
  struct Length {
    BettingTest longer{-0.5, 0.5}, shorter{-0.5, 0.5};
    BettingTest not_longer{-0.35, 0.65}, not_shorter{-0.35, 0.65};  // against "in 65% of pairs"
    int64_t in_tokens = 0, in_bytes = 0, ties = 0;
    double share = 0;  // sum of the per-pair 1 / 0 / 1/2
    void add(double s);
    double log_wealth() const;  // of the two-sided mixture
  };
  // One rate comparison (truncation, extraction failures).
  struct Rate {
    BettingTest more{-1, 1}, not_much_more{-0.9, 1.1};  // against "10 points more often"
    int64_t endpoint = 0, reference = 0;
  };

  CompareOptions o_;
  double alpha_each_;
  BettingTest worse_, not_much_worse_;
  int64_t endpoint_correct_ = 0, reference_correct_ = 0, endpoint_only_ = 0, reference_only_ = 0;
  Length reasoning_, answer_;
  Rate truncation_, extraction_;
  std::array<bool, kTests> accused_{};
  int64_t pairs_ = 0;
};

// 1 when `a` is longer than `b`, 0 when shorter, 1/2 when as long; in tokens
// when both sides report them, else in bytes of text. `in_tokens` says which.
double longer_share(int64_t a_tokens, int64_t b_tokens, int64_t a_bytes, int64_t b_bytes, bool* in_tokens);

}  // namespace rigor
