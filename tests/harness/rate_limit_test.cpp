// Token buckets and adaptive concurrency on a hand-driven clock.
#include "harness/rate_limit.h"

#include <algorithm>

#include <gtest/gtest.h>

namespace rigor {
namespace {

using Clock = std::chrono::steady_clock;
Clock::time_point at(double s) {
  return Clock::time_point{} + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
}

TEST(RateLimiter, RpmPacesRequestsEvenlyWithHeadroomForArrivalJitter) {
  RateLimiter l(RateLimits{120, 0, 8, false}, at(0));
  // Drive it as the engine does: ask, and on a wait ask again after it.
  std::vector<double> starts;
  double t = 0;
  while (starts.size() < 300) {
    const double w = l.acquire(100, at(t));
    if (w == 0) {
      starts.push_back(t);
    } else {
      t += w;
    }
  }
  // Any request may reach the server up to 3 s (5% of a minute) later than
  // the one 120 places after it and still no minute holds more than 120.
  for (size_t i = 0; i + 120 < starts.size(); ++i) {
    ASSERT_GE(starts[i + 120] - starts[i], 60 + 3 - 1e-6) << "window starting at " << starts[i];
  }
  // The same holds for a server that counts over a 2 s window (4 requests).
  for (size_t i = 0; i + 4 < starts.size(); ++i) ASSERT_GE(starts[i + 4] - starts[i], 2 + 0.1 - 1e-6);
  EXPECT_NEAR(starts[1] - starts[0], 0.5 / kPaceFraction, 1e-6);
}

TEST(RateLimiter, TpmTakesWholeEstimatesAndIsCorrectedByActualUsage) {
  RateLimiter l(RateLimits{0, 6000, 8, false}, at(0));  // 100 tokens/s, capacity 100
  EXPECT_EQ(l.acquire(1000, at(0)), 0);                 // a full bucket lets one large request go
  const double w = l.acquire(10, at(0));                // now 900 in debt
  EXPECT_NEAR(w, 9.1, 1e-6);
  l.settle(1000, 100);                                  // it used only 100: 900 returned, level 0
  EXPECT_NEAR(l.acquire(10, at(0)), 0.1, 1e-6);         // waits for 10 tokens, not 910
}

TEST(RateLimiter, RefusedRequestCostsNothing) {
  RateLimiter l(RateLimits{60 / kPaceFraction, 60, 8, false}, at(0));  // paced at 1 req/s; 1 token/s
  EXPECT_EQ(l.acquire(1, at(0)), 0);
  EXPECT_GT(l.acquire(1, at(0.5)), 0);  // request bucket empty
  EXPECT_EQ(l.acquire(1, at(1.0)), 0);  // both refilled exactly: nothing was taken at 0.5
}

TEST(RateLimiter, AdaptiveConcurrencyHalvesOn429AndRecoversAdditively) {
  RateLimiter l(RateLimits{0, 0, 8, true});
  EXPECT_EQ(l.limit(), 8);
  l.on_rate_limited();
  EXPECT_EQ(l.limit(), 4);
  l.on_rate_limited();
  l.on_rate_limited();
  l.on_rate_limited();
  EXPECT_EQ(l.limit(), 1);
  l.on_success();
  EXPECT_EQ(l.limit(), 2);
  for (int i = 0; i < 2; ++i) l.on_success();
  EXPECT_EQ(l.limit(), 3);
  for (int i = 0; i < 100; ++i) l.on_success();
  EXPECT_EQ(l.limit(), 8);
}

TEST(RateLimiter, NotAdaptiveKeepsTheConfiguredConcurrency) {
  RateLimiter l(RateLimits{0, 0, 5, false});
  l.on_rate_limited();
  EXPECT_EQ(l.limit(), 5);
}

TEST(RateLimiter, WorkersSharingAnRpmBudgetStayWithinItTogether) {
  // Two workers of one run, each with half of a 120 rpm endpoint.
  RateLimiter a(RateLimits{120, 0, 8, false}, at(0));
  RateLimiter b(RateLimits{120, 0, 8, false}, at(0));
  a.set_share(0.5, 4, at(0));
  b.set_share(0.5, 4, at(0));
  std::vector<double> starts;
  for (RateLimiter* l : {&a, &b}) {
    double t = 0;
    for (int n = 0; n < 200;) {
      const double w = l->acquire(100, at(t));
      if (w == 0) {
        starts.push_back(t);
        ++n;
      } else {
        t += w;
      }
    }
  }
  std::sort(starts.begin(), starts.end());
  // Each bucket starts full (one request): allow that one extra request.
  for (size_t i = 0; i + 121 < starts.size(); ++i) {
    ASSERT_GE(starts[i + 121] - starts[i], 60 - 1e-6) << "window starting at " << starts[i];
  }
  EXPECT_EQ(a.limit(), 4);
}

TEST(RateLimiter, ShareCapsConcurrencyEvenUnderAdaptiveRecovery) {
  RateLimiter l(RateLimits{0, 0, 8, true}, at(0));
  l.set_share(1.0 / 3, 3, at(0));
  EXPECT_EQ(l.limit(), 3);
  for (int i = 0; i < 100; ++i) l.on_success();
  EXPECT_EQ(l.limit(), 3);
  l.set_share(1.0 / 9, 0, at(1));  // more workers than the endpoint's concurrency
  EXPECT_EQ(l.limit(), 0);
  l.set_share(1.0, 8, at(2));  // the others left
  EXPECT_EQ(l.limit(), 8);
}

TEST(RateLimiter, SmallerShareTakesEffectAtOnce) {
  RateLimiter l(RateLimits{0, 6000, 8, false}, at(0));  // 100 tokens/s, bucket 100
  l.set_share(0.25, 2, at(0));                          // 25 tokens/s, bucket 25
  EXPECT_EQ(l.acquire(25, at(0)), 0);
  EXPECT_NEAR(l.acquire(25, at(0)), 1.0, 1e-9) << "the bucket shrank with the share";
}

}  // namespace
}  // namespace rigor
