// A sequential test of a bounded mean by betting (an e-process), used by
// `rigor verify --reference` to compare an endpoint with a trusted run one
// sample at a time.
//
// H0: E[Y_i | past] <= 0 for observations Y_i in [lo, hi], lo < 0 < hi.
// Wealth starts at 1 and each observation multiplies it by 1 + lambda_i Y_i,
// with lambda_i >= 0 chosen from past observations only (predictable) and at
// most 1/(2|lo|), so wealth stays positive. Under H0 each factor has
// expectation <= 1: wealth is a nonnegative supermartingale and, by Ville's
// inequality, P(wealth ever >= 1/alpha) <= alpha, however long it runs.
// lambda_i is the growth-rate plug-in mean/(variance + mean^2) of the past
// observations (shrunk towards 0 by one pseudo-observation), clipped to
// [0, 1/(2|lo|)]: no bet until the data lean against H0.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>

namespace rigor {

class BettingTest {
 public:
  BettingTest(double lo, double hi) : lo_(lo), hi_(hi) {
    if (!(lo < 0 && hi > 0)) throw std::invalid_argument("BettingTest needs lo < 0 < hi");
  }

  // Adds one observation (clamped into [lo, hi]).
  void add(double y) {
    y = std::clamp(y, lo_, hi_);
    const double lambda = next_lambda();
    log_wealth_ += std::log1p(lambda * y);
    ++n_;
    sum_ += y;
    sum_sq_ += y * y;
  }

  double log_wealth() const { return log_wealth_; }
  // True once wealth reached 1/alpha: H0 rejected at level alpha.
  bool rejects(double alpha) const { return log_wealth_ >= std::log(1 / alpha); }
  int64_t samples() const { return n_; }
  double mean() const { return n_ > 0 ? sum_ / static_cast<double>(n_) : 0; }

 private:
  double next_lambda() const {
    const double n = static_cast<double>(n_) + 1;  // one pseudo-observation at 0
    const double m = sum_ / n;
    const double v = std::max(sum_sq_ / n - m * m, 1e-4);
    return std::clamp(m / (v + m * m), 0.0, 0.5 / -lo_);
  }

  double lo_, hi_;
  double log_wealth_ = 0;
  int64_t n_ = 0;
  double sum_ = 0, sum_sq_ = 0;
};

}  // namespace rigor
