#include "base/retry.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <string>

namespace rigor {

bool should_retry(const Error& error) {
  switch (error.code) {
    case ErrorCode::kTimeout:
    case ErrorCode::kRateLimited:
    case ErrorCode::kServer:
    case ErrorCode::kParse:
    case ErrorCode::kTransport:
    case ErrorCode::kIncomplete:
      return true;
    case ErrorCode::kInvalidRequest:
    case ErrorCode::kAuth:
    case ErrorCode::kCancelled:
      return false;
  }
  return false;
}

ErrorCode error_code_for_status(int http_status) {
  if (http_status == 401 || http_status == 403) return ErrorCode::kAuth;
  if (http_status == 429) return ErrorCode::kRateLimited;
  if (http_status == 408 || (http_status >= 500 && http_status <= 599)) return ErrorCode::kServer;
  return ErrorCode::kInvalidRequest;
}

namespace {

// splitmix64: a tiny, well-mixed hash so the jitter is reproducible per seed.
uint64_t mix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

}  // namespace

double backoff_delay(const RetryPolicy& policy, int attempt, const Error& error,
                     uint64_t jitter_seed) {
  const int exponent = std::clamp(attempt - 1, 0, 62);
  double delay = std::min(policy.max_delay_s, policy.base_delay_s * std::ldexp(1.0, exponent));
  if (policy.jitter > 0) {
    const uint64_t h = mix(jitter_seed ^ mix(static_cast<uint64_t>(attempt)));
    const double u = static_cast<double>(h >> 11) * 0x1.0p-53;  // [0, 1)
    delay *= 1.0 + policy.jitter * (2.0 * u - 1.0);
  }
  delay = std::max(delay, 0.0);
  return std::max(delay, error.retry_after_s);
}

std::optional<double> parse_retry_after(std::string_view value,
                                        std::chrono::system_clock::time_point now) {
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.front()))) value.remove_prefix(1);
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back()))) value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  if (std::isdigit(static_cast<unsigned char>(value.front()))) {
    double seconds = 0;
    const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds,
                                           std::chars_format::fixed);
    if (ec == std::errc() && ptr == value.data() + value.size() && std::isfinite(seconds)) {
      return seconds;
    }
    // Not a plain number: it may still be an asctime date? Those start with a
    // weekday name, so a leading digit that fails to parse is malformed.
    return std::nullopt;
  }
  // libcurl already parses every HTTP-date form (RFC 1123, RFC 850, asctime).
  const std::string copy(value);
  const time_t when = curl_getdate(copy.c_str(), nullptr);
  if (when == -1) return std::nullopt;
  const double delta =
      std::chrono::duration<double>(std::chrono::system_clock::from_time_t(when) - now).count();
  return std::max(delta, 0.0);
}

}  // namespace rigor
