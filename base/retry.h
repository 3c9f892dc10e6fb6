// Retry policy: named constants plus pure functions, so that what is retried
// and how long we wait can be unit-tested without a network.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

#include "base/completion.h"

namespace rigor {

struct RetryPolicy {
  int max_attempts = 6;       // attempts in total, the first one included
  double base_delay_s = 0.5;  // wait before the 2nd attempt; doubles per attempt
  double max_delay_s = 60;    // cap on the computed (exponential) wait
  double jitter = 0.2;        // the computed wait is scaled by a factor in [1-jitter, 1+jitter]
};

// True for failures that another attempt may cure: transport errors,
// timeouts, streams cut short or garbled, HTTP 408, 429 and 5xx. Never for
// invalid requests (400/404/422...), auth failures (401/403) or cancellation.
bool should_retry(const Error& error);

// Seconds to wait before attempt number attempt + 1, where attempt >= 1 is the
// attempt that just failed: base * 2^(attempt-1), capped at max_delay_s,
// scaled by a jitter factor that is a pure function of jitter_seed and
// attempt, and never less than the server's Retry-After (error.retry_after_s)
// — a server asking for more time than our cap gets it.
double backoff_delay(const RetryPolicy& policy, int attempt, const Error& error,
                     uint64_t jitter_seed);

// The error kind of an HTTP status that is not a success: 401/403 kAuth,
// 429 kRateLimited, 408 and 5xx kServer, every other status kInvalidRequest
// (a redirect or an odd status means the request or base URL is wrong).
ErrorCode error_code_for_status(int http_status);

// Parses a Retry-After header value: delta-seconds ("120", also "1.5") or an
// HTTP-date ("Wed, 21 Oct 2015 07:28:00 GMT", also RFC 850 and asctime forms),
// the latter relative to now. Returns seconds to wait (a date in the past
// gives 0), or nullopt when the value is neither.
std::optional<double> parse_retry_after(
    std::string_view value,
    std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

}  // namespace rigor
