// A scripted, deterministic Engine for tests of the scheduler, store and CLI.
//
// The script maps each request to its result; the fake calls it once per job,
// in the order jobs are pulled, on the thread that called run(). With
// concurrency c it pulls up to c jobs, then answers that batch (in pull order,
// or reversed when out_of_order is set, to exercise callers that must cope
// with results arriving out of order), then pulls the next batch.
// Cancellation is checked before each pull and each answer: jobs already
// pulled end with ErrorCode::kCancelled. No threads, clocks or sockets.
#pragma once

#include <atomic>
#include <functional>
#include <vector>

#include "base/completion.h"
#include "harness/engine.h"

namespace rigor {

class FakeEngine : public Engine {
 public:
  using Script = std::function<CompletionResult(const CompletionRequest&)>;

  explicit FakeEngine(Script script, int concurrency = 1, bool out_of_order = false);

  // Answers the n-th request (0-based, in pull order) with results[n]; past
  // the end, with a kInvalidRequest error saying the script ran out.
  static FakeEngine from_results(std::vector<CompletionResult> results, int concurrency = 1);

  void run(const NextJob& next, const OnResult& on_result,
           const std::atomic<bool>* cancel = nullptr) override;

  // Every request received so far, in pull order (across run() calls).
  const std::vector<CompletionRequest>& requests() const { return requests_; }
  // The largest batch held at once: never above the concurrency.
  int max_in_flight() const { return max_in_flight_; }

  // A successful completion with plausible usage and timings, for scripts.
  static Completion completion(std::string text, std::string reasoning = "",
                               std::string finish_reason = "stop");
  // An error result, for scripts.
  static CompletionResult error(ErrorCode code, std::string message, int http_status = 0);

 private:
  Script script_;
  int concurrency_;
  bool out_of_order_;
  std::vector<CompletionRequest> requests_;
  int max_in_flight_ = 0;
};

}  // namespace rigor
