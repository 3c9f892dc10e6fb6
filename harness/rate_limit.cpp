#include "harness/rate_limit.h"

#include <algorithm>
#include <stdexcept>

namespace rigor {

TokenBucket::TokenBucket(double rate_per_s, double capacity, Clock::time_point now)
    : rate_(rate_per_s), capacity_(capacity), level_(capacity), at_(now) {
  if (!(rate_per_s > 0) || !(capacity > 0)) throw std::invalid_argument("token bucket: rate and capacity must be > 0");
}

void TokenBucket::refill(Clock::time_point now) {
  if (now <= at_) return;
  level_ = std::min(capacity_, level_ + rate_ * std::chrono::duration<double>(now - at_).count());
  at_ = now;
}

double TokenBucket::take(double amount, Clock::time_point now) {
  refill(now);
  const double need = std::min(amount, capacity_);
  if (level_ >= need) {
    level_ -= amount;
    return 0;
  }
  return (need - level_) / rate_;
}

void TokenBucket::adjust(double delta) { level_ = std::min(capacity_, level_ + delta); }

double TokenBucket::level(Clock::time_point now) {
  refill(now);
  return level_;
}

RateLimiter::RateLimiter(RateLimits limits, Clock::time_point now) : limits_(limits) {
  if (limits_.max_concurrency < 1) throw std::invalid_argument("rate limiter: max_concurrency must be >= 1");
  if (limits_.rpm < 0 || limits_.tpm < 0) throw std::invalid_argument("rate limiter: budgets cannot be negative");
  // A bucket of one request: pacing, never a burst, with headroom for
  // arrival jitter (see the header).
  if (limits_.rpm > 0) requests_.emplace(kPaceFraction * limits_.rpm / 60.0, 1.0, now);
  if (limits_.tpm > 0) tokens_.emplace(limits_.tpm / 60.0, std::max(1.0, limits_.tpm / 60.0), now);
  limit_ = limits_.max_concurrency;
  share_concurrency_ = limits_.max_concurrency;
}

void RateLimiter::set_share(double fraction, int concurrency, Clock::time_point now) {
  std::lock_guard lock(mu_);
  fraction = std::clamp(fraction, 1e-6, 1.0);
  // New buckets at the new rates, no fuller than the old ones were: a
  // smaller share takes effect at once, a larger one builds up.
  auto rescale = [&](std::optional<TokenBucket>& b, double rate, double capacity) {
    const double level = b ? b->level(now) : capacity;
    b.emplace(rate, capacity, now);
    b->adjust(std::min(level, capacity) - capacity);
  };
  if (limits_.rpm > 0) rescale(requests_, kPaceFraction * limits_.rpm * fraction / 60.0, 1.0);
  if (limits_.tpm > 0) {
    const double rate = limits_.tpm * fraction / 60.0;
    rescale(tokens_, rate, std::max(1.0, rate));
  }
  share_concurrency_ = std::clamp(concurrency, 0, limits_.max_concurrency);
}

double RateLimiter::acquire(int64_t tokens, Clock::time_point now) {
  std::lock_guard lock(mu_);
  // Check both before taking from either, so a refused request costs nothing.
  double wait = 0;
  if (requests_) {
    const double w = requests_->take(1, now);
    if (w > 0) return w;
    if (tokens_) {
      wait = tokens_->take(static_cast<double>(std::max<int64_t>(tokens, 0)), now);
      if (wait > 0) requests_->adjust(1);  // give the request back
    }
    return wait;
  }
  if (tokens_) wait = tokens_->take(static_cast<double>(std::max<int64_t>(tokens, 0)), now);
  return wait;
}

void RateLimiter::settle(int64_t estimated, int64_t actual) {
  if (actual < 0) return;
  std::lock_guard lock(mu_);
  if (tokens_) tokens_->adjust(static_cast<double>(estimated - actual));
}

void RateLimiter::on_rate_limited() {
  if (!limits_.adaptive) return;
  std::lock_guard lock(mu_);
  limit_ = std::max(1, limit_ / 2);
  successes_ = 0;
}

void RateLimiter::on_success() {
  if (!limits_.adaptive) return;
  std::lock_guard lock(mu_);
  if (limit_ >= limits_.max_concurrency) return;
  if (++successes_ >= limit_) {
    ++limit_;
    successes_ = 0;
  }
}

int RateLimiter::limit() const {
  std::lock_guard lock(mu_);
  return std::min(limit_, share_concurrency_);
}

int64_t estimate_request_tokens(size_t prompt_chars, int max_tokens) {
  return static_cast<int64_t>((prompt_chars + 3) / 4) + std::max(max_tokens, 0);
}

}  // namespace rigor
