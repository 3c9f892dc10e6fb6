// The run cost guard: what a sample costs, what a run is expected to cost
// before it starts, and a guard that stops starting samples once a budget in
// dollars or tokens is spent. Stopping is clean: samples in flight finish
// and are stored, the run stays unfinished, and re-running the same command
// (with a larger budget) resumes it.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "base/completion.h"
#include "harness/config.h"
#include "base/pricing.h"
#include "store/store.h"

namespace rigor {

// The expected spend of the samples a session still has to run, for one model.
struct SpendEstimate {
  int samples = 0;              // samples still to run
  int64_t input_tokens = 0;     // prompt characters / 4
  int64_t output_tokens = 0;    // samples x the per-sample output below
  double output_per_sample = 0; // mean of observed samples, else max_tokens
  int observed = 0;             // stored samples the output length came from; 0 = max_tokens upper bound
  double usd = -1;              // -1: not priced per token
  std::string basis() const;    // "mean of 12 stored samples" / "upper bound: max_tokens"
};

// observed_output: completion_tokens of this model's already stored samples.
SpendEstimate estimate_spend(const Pricing& p, int samples, int64_t prompt_chars, int max_tokens,
                             const std::vector<int64_t>& observed_output);

struct Budget {
  double usd = 0;      // 0 = no dollar budget
  int64_t tokens = 0;  // input + output tokens; 0 = no token budget
  bool any() const { return usd > 0 || tokens > 0; }
};

// Thread-safe: samples are added from the sink thread while engines ask.
//
// What is spent = what others spent (earlier sessions; with workers, the
// other workers too) + this session's own samples. Workers on one run share
// its budget through the store: share() re-reads what the run has stored and
// counts as the others' whatever of it this session did not commit itself.
class BudgetGuard {
 public:
  // spent_*: what the run already spent in earlier sessions.
  BudgetGuard(Budget budget, double spent_usd, int64_t spent_tokens);
  void add(double usd, int64_t tokens);  // usd < 0 / tokens < 0: unknown, not counted
  // This session's samples now in the store, as it stores them (positive
  // costs; reported tokens): what share() must not count twice.
  void committed(double usd, int64_t tokens);
  // stored_now() is what the run's stored samples cost now (Store::run_spend).
  // Called without the guard's lock held; this session's commits are taken
  // before it, so one landing meanwhile counts twice (stops early), never
  // zero times.
  void share(const std::function<RunSpend()>& stored_now);
  // True once either budget is reached; then no new sample should start.
  bool exhausted() const;
  double spent_usd() const;
  int64_t spent_tokens() const;
  // "spent $1.23 of $1.00 budget" / "1200 of 1000 tokens"; for messages.
  std::string describe() const;

 private:
  Budget budget_;
  mutable std::mutex mu_;
  RunSpend others_;     // earlier sessions and other workers
  RunSpend own_;        // this session's samples, counted as they return
  RunSpend committed_;  // of which stored
};

}  // namespace rigor
