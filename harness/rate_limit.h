// Client-side rate limits for one model: requests per minute and tokens per
// minute as token buckets, and adaptive concurrency that backs off on 429.
//
// Buckets pace rather than burst: the request bucket holds at most one
// request, so an RPM budget of R sends one request every 60/(kPaceFraction R)
// s. The 5% headroom is for the server's clock, not ours: a provider counts
// arrivals, and a request that reaches it a little late shortens the gap to
// the next one. Paced exactly at R, R+1 requests would span exactly one window
// and any jitter would put R+1 inside it; with the headroom a window of any
// length W holds at most R W/60 requests unless arrival jitter exceeds 5% of W
// (3 s for a one-minute window). So a budget equal to the provider's published
// limit is safe at face value. The token bucket holds a second's worth
// (at least one request's estimate may always proceed once the bucket is
// full) and may go into debt: a request estimated above what is left waits
// until the bucket covers min(estimate, capacity), then takes its whole
// estimate. After the request the estimate is corrected to the tokens the
// server reported, so the long-run rate is the budget.
//
// Adaptive concurrency (additive increase, multiplicative decrease): a 429
// halves the allowed requests in flight (not below 1); each `limit()`
// successes in a row raise it by one, up to the configured ceiling.
//
// Thread-safe: one limiter may be shared by every engine of a model.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>

namespace rigor {

// The share of an RPM budget the limiter actually uses (see above).
inline constexpr double kPaceFraction = 0.95;

struct RateLimits {
  double rpm = 0;              // requests per minute; 0 = unlimited
  double tpm = 0;              // tokens (input + output) per minute; 0 = unlimited
  int max_concurrency = 8;     // ceiling for adaptive concurrency (the model's concurrency)
  bool adaptive = false;       // back off on 429 and recover
};

// A token bucket whose level may go negative (debt). Not thread-safe.
class TokenBucket {
 public:
  using Clock = std::chrono::steady_clock;
  // rate_per_s > 0, capacity > 0; starts full at `now`.
  TokenBucket(double rate_per_s, double capacity, Clock::time_point now);

  // 0 when `amount` was taken now; otherwise the seconds to wait before
  // asking again (nothing taken).
  double take(double amount, Clock::time_point now);
  // Adds (a negative delta returns) tokens after the fact; capped at capacity.
  void adjust(double delta);
  double level(Clock::time_point now);

 private:
  void refill(Clock::time_point now);
  double rate_;
  double capacity_;
  double level_;
  Clock::time_point at_;
};

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  explicit RateLimiter(RateLimits limits, Clock::time_point now = Clock::now());

  // Asks to start a request estimated at `tokens`. Returns 0 when it may
  // start now (and it is counted), else seconds to wait before asking again.
  double acquire(int64_t tokens, Clock::time_point now = Clock::now());
  // Corrects a started request's estimate with what the server reported
  // (actual < 0: unknown, the estimate stands).
  void settle(int64_t estimated, int64_t actual);
  // Feedback for adaptive concurrency.
  void on_rate_limited();
  void on_success();
  // Requests allowed in flight now (the ceiling when not adaptive), at most
  // the share's concurrency. 0 only under a share of nothing.
  int limit() const;
  // Takes only part of the model's limits: `fraction` of its rpm and tpm,
  // and `concurrency` requests in flight. Workers of one run split an
  // endpoint's limits this way (runner.cpp, WorkerSeat).
  void set_share(double fraction, int concurrency, Clock::time_point now = Clock::now());

  const RateLimits& limits() const { return limits_; }

 private:
  RateLimits limits_;
  mutable std::mutex mu_;
  std::optional<TokenBucket> requests_;
  std::optional<TokenBucket> tokens_;
  int limit_;
  int share_concurrency_;  // the share's ceiling; limits_.max_concurrency when not shared
  int successes_ = 0;
};

// A request's token estimate before it is sent: prompt characters / 4
// (rounded up) plus the output budget, which is what providers reserve.
int64_t estimate_request_tokens(size_t prompt_chars, int max_tokens);

}  // namespace rigor
