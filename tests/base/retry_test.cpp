// The retry policy: what is retried, how long we wait, Retry-After parsing.
#include "base/retry.h"

#include <gtest/gtest.h>

#include <map>

#include "tests/case_table.h"

namespace rigor {
namespace {

ErrorCode code_named(const std::string& name) {
  static const std::map<std::string, ErrorCode> kCodes = {
      {"timeout", ErrorCode::kTimeout},     {"rate_limited", ErrorCode::kRateLimited},
      {"server", ErrorCode::kServer},       {"invalid_request", ErrorCode::kInvalidRequest},
      {"auth", ErrorCode::kAuth},           {"parse", ErrorCode::kParse},
      {"transport", ErrorCode::kTransport}, {"incomplete", ErrorCode::kIncomplete},
      {"cancelled", ErrorCode::kCancelled}};
  return kCodes.at(name);
}

TEST(Retry, ShouldRetryCasesFromDataFile) {
  int cases = 0;
  for (const auto& row : testing::read_cases("sse_retry.tsv", 3)) {
    Error e;
    e.code = code_named(row[0]);
    e.http_status = std::stoi(row[1]);
    EXPECT_EQ(to_string(e.code), row[0]);
    EXPECT_EQ(should_retry(e), row[2] == "true") << row[0] << " " << row[1];
    if (e.http_status != 0) {
      EXPECT_EQ(error_code_for_status(e.http_status), e.code) << "status " << row[1];
    }
    ++cases;
  }
  EXPECT_GT(cases, 10);
}

TEST(Retry, BackoffDoublesUpToTheCapWithoutJitter) {
  RetryPolicy p;
  p.base_delay_s = 0.5;
  p.max_delay_s = 3;
  p.jitter = 0;
  const Error e{ErrorCode::kServer, "x", 500, -1};
  EXPECT_DOUBLE_EQ(backoff_delay(p, 1, e, 0), 0.5);
  EXPECT_DOUBLE_EQ(backoff_delay(p, 2, e, 0), 1.0);
  EXPECT_DOUBLE_EQ(backoff_delay(p, 3, e, 0), 2.0);
  EXPECT_DOUBLE_EQ(backoff_delay(p, 4, e, 0), 3.0);
  EXPECT_DOUBLE_EQ(backoff_delay(p, 100, e, 0), 3.0);
}

TEST(Retry, JitterStaysInBandAndIsAPureFunctionOfTheSeed) {
  RetryPolicy p;
  p.base_delay_s = 1;
  p.jitter = 0.2;
  const Error e{ErrorCode::kTimeout, "x", 0, -1};
  bool varied = false;
  const double first = backoff_delay(p, 1, e, 0);
  for (uint64_t seed = 0; seed < 200; ++seed) {
    const double d = backoff_delay(p, 1, e, seed);
    EXPECT_GE(d, 0.8);
    EXPECT_LE(d, 1.2);
    EXPECT_EQ(d, backoff_delay(p, 1, e, seed));
    varied |= d != first;
  }
  EXPECT_TRUE(varied);
}

TEST(Retry, RetryAfterWinsWhenLonger) {
  RetryPolicy p;
  p.jitter = 0;
  p.base_delay_s = 0.5;
  p.max_delay_s = 60;
  Error e{ErrorCode::kRateLimited, "slow down", 429, 120};
  EXPECT_DOUBLE_EQ(backoff_delay(p, 1, e, 7), 120);  // above the cap: the server asked
  e.retry_after_s = 0.1;
  EXPECT_DOUBLE_EQ(backoff_delay(p, 1, e, 7), 0.5);
}

TEST(Retry, ParseRetryAfterDeltaSeconds) {
  EXPECT_EQ(parse_retry_after("120"), 120.0);
  EXPECT_EQ(parse_retry_after(" 0 "), 0.0);
  EXPECT_EQ(parse_retry_after("1.5"), 1.5);
  EXPECT_EQ(parse_retry_after(""), std::nullopt);
  EXPECT_EQ(parse_retry_after("12abc"), std::nullopt);
  EXPECT_EQ(parse_retry_after("-5"), std::nullopt);
  EXPECT_EQ(parse_retry_after("soon"), std::nullopt);
}

TEST(Retry, ParseRetryAfterHttpDate) {
  // 2015-10-21 07:28:00 UTC
  const auto now = std::chrono::system_clock::from_time_t(1445412480);
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now), 30.0);
  EXPECT_EQ(parse_retry_after("Wednesday, 21-Oct-15 07:29:00 GMT", now), 60.0);
  EXPECT_EQ(parse_retry_after("Wed Oct 21 07:28:10 2015", now), 10.0);
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now), 0.0);  // past: no wait
}

}  // namespace
}  // namespace rigor
