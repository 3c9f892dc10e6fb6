// Wald's sequential probability ratio test for a success rate, used by
// `rigor verify` to test "this endpoint is at least as accurate as its claim"
// one sample at a time.
//
// H0: p >= p0 (the claim holds), H1: p <= p1 < p0 (a weaker model). After n
// samples with s successes the likelihood ratio of p1 to p0 is
//   LR = (p1/p0)^s ((1-p1)/(1-p0))^(n-s).
// Reject H0 ("inconsistent") the first time LR >= 1/alpha; accept it
// ("consistent") the first time LR <= beta / (1 - alpha).
//
// Why it is always valid: for any true p >= p0 each factor has expectation
// p·p1/p0 + (1-p)(1-p1)/(1-p0) <= 1, so LR is a nonnegative supermartingale
// starting at 1, and by Ville's inequality P(LR ever reaches 1/alpha) <= alpha,
// however long the test runs and whenever it is stopped. This needs samples
// that are independent given the endpoint: problems drawn uniformly with
// replacement, one sample each, in dispatch order. The acceptance bound gives
// miss rate about beta against an endpoint at p <= p1 (Wald's approximation;
// not a guarantee).
#pragma once

#include <cmath>
#include <cstdint>
#include <stdexcept>

namespace rigor {

class Sprt {
 public:
  enum class Decision { kContinue, kRejectNull, kAcceptNull };

  // Requires 0 < p1 < p0 < 1, 0 < alpha < 1, 0 < beta < 1.
  Sprt(double p0, double p1, double alpha, double beta) : p0_(p0), p1_(p1), alpha_(alpha), beta_(beta) {
    if (!(p1 > 0 && p1 < p0 && p0 < 1)) throw std::invalid_argument("SPRT needs 0 < p1 < p0 < 1");
    if (!(alpha > 0 && alpha < 1 && beta > 0 && beta < 1)) throw std::invalid_argument("SPRT needs alpha, beta in (0, 1)");
    log_win_ = std::log(p1 / p0);
    log_loss_ = std::log((1 - p1) / (1 - p0));
  }

  // Adds one sample; once decided, further samples are ignored.
  Decision add(bool success) {
    if (decision_ != Decision::kContinue) return decision_;
    ++n_;
    s_ += success;
    log_lr_ += success ? log_win_ : log_loss_;
    if (log_lr_ >= upper()) {
      decision_ = Decision::kRejectNull;
    } else if (log_lr_ <= lower()) {
      decision_ = Decision::kAcceptNull;
    }
    return decision_;
  }

  Decision decision() const { return decision_; }
  int64_t samples() const { return n_; }
  int64_t successes() const { return s_; }
  double log_lr() const { return log_lr_; }
  double upper() const { return std::log(1 / alpha_); }             // reject H0 at or above
  double lower() const { return std::log(beta_ / (1 - alpha_)); }  // accept H0 at or below
  double p0() const { return p0_; }
  double p1() const { return p1_; }
  double alpha() const { return alpha_; }
  double beta() const { return beta_; }

  // Expected log-LR change per sample if the true rate were p.
  double drift(double p) const { return p * log_win_ + (1 - p) * log_loss_; }

 private:
  double p0_, p1_, alpha_, beta_;
  double log_win_ = 0, log_loss_ = 0;
  double log_lr_ = 0;
  int64_t n_ = 0, s_ = 0;
  Decision decision_ = Decision::kContinue;
};

}  // namespace rigor
