// The verifier behind rigor verify (harness/verify.h), shared by its source
// files: verify.cpp (the session, the card's accuracy test, the verdict),
// verify_tokenizer.cpp (the tokenizer test) and verify_reference.cpp (the
// paired tests against a reference). Internal to harness/verify*.cpp.
#pragma once

#include <algorithm>
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "base/pricing.h"
#include "harness/verify.h"
#include "harness/verify_compare.h"
#include "scorers/scorer.h"
#include "suites/suite.h"

namespace rigor::verify_detail {

// What verify has spent and may still spend.
struct Spend {
  int requests = 0;
  int64_t tokens = 0;
  double usd = 0;

  int estimated = 0;  // requests without usage, whose tokens were estimated from their text

  // Adds a request; without usage, its tokens are estimated as one per three
  // bytes of prompt and output (more than tokenizers give for English), at
  // the input and output prices, so a budget still holds.
  void add(const VerifyRequestRecord& r, const Pricing& pricing) {
    ++requests;
    if (r.prompt_tokens >= 0 && r.completion_tokens >= 0) {
      tokens += r.prompt_tokens + r.completion_tokens;
      usd += std::max(r.cost_usd, 0.0);
      return;
    }
    if (r.status != "ok") return;
    ++estimated;
    Usage u;
    u.prompt_tokens = static_cast<int64_t>(r.prompt.size() / 3 + 1);
    u.completion_tokens = static_cast<int64_t>((r.response.size() + r.reasoning.size()) / 3 + 1);
    tokens += u.prompt_tokens + u.completion_tokens;
    usd += std::max(cost_usd(pricing, u), 0.0);
  }
};

// The first pass@1 result on the card whose suite this build and config can
// run (or the one --suite names), loaded.
std::optional<std::pair<CardResult, Suite>> accuracy_suite(const ModelCard& card, const VerifyOptions& opts,
                                                           const Config& cfg, std::vector<std::string>& skipped);

// A trusted run to compare with: one model's samples of one suite.
struct ReferenceRun {
  std::string run_id, model;
  Suite suite;
  double temperature = 0.6, top_p = 0.95;
  int max_tokens = 32768;
  int samples = 0;
  std::map<std::string, std::vector<SampleTraits>> pool;  // problem id -> what each of its samples showed
};

// "1 request", "3 requests": counts in evidence lines.
inline std::string count_of(int n, const char* noun) { return fmt::format("{} {}{}", n, noun, n == 1 ? "" : "s"); }

// Loads "RUN" or "RUN:MODEL" from the store and checks that this build can
// pose the same problems the same way. Throws ConfigError naming what differs.
ReferenceRun load_reference(Store& store, const Config& cfg, const VerifyOptions& opts);

// Scores an answer that came back and writes the outcome into its record:
// the extraction, and whether it was correct or why the scorer could not
// judge it (the verdict's `error`). An answer whose <think> never closed is
// not scored: it is a wrong one.
Verdict judge_into(const Scorer& scorer, const Completion& c, const std::string& gold, VerifyRequestRecord& rec);

class Verifier {
 public:
  Verifier(const Config& cfg, const VerifyOptions& opts, Store& store, const std::atomic<bool>* cancel,
           EngineFactory factory)
      : cfg_(cfg), opts_(opts), store_(store), cancel_(cancel), factory_(std::move(factory)) {}

  VerifyOutcome run();

 private:
  const ModelConfig& model() const { return *model_; }
  CompletionRequest request(const std::string& prompt, int max_tokens, uint64_t seed,
                            const ModelConfig* m = nullptr) const;
  // Sends jobs until next() gives none, handing each result to on_result in
  // completion order; stops early when `stop_` is set. Forwards the caller's
  // cancel flag.
  void drive(const NextJob& next, const OnResult& on_result, Engine* engine = nullptr);
  // The same for the endpoint and the live reference at once (the reference's
  // run in a second thread): the callbacks of the two may run concurrently.
  void drive_both(const NextJob& next, const OnResult& on_result, const NextJob& ref_next,
                  const OnResult& ref_on_result);
  // Runs `body` while a thread forwards the caller's cancel flag to stop_.
  void watching_cancel(const std::function<void()>& body);
  // `to` is the model that answered (its pricing); the endpoint's by default.
  VerifyRequestRecord record(const std::string& test, const std::string& item, const CompletionRequest& req,
                             const CompletionResult& res, const ModelConfig* to = nullptr);
  bool over_budget(double next_usd, int64_t next_tokens) const;
  VerifyTest tokenizer_test();
  VerifyTest live_tokenizer_test();
  // Sends each of `probes` to `engine` (the endpoint's, or the live
  // reference's when `to` is given), filling in prompt_tokens.
  void measure_probes(std::vector<ProbeReading>& probes, Engine* engine = nullptr, const ModelConfig* to = nullptr);
  VerifyTest accuracy_test();
  // Against --reference (a stored run or a live model): the paired tests of
  // harness/verify_compare.h.
  std::vector<VerifyTest> reference_tests();
  // Loads the accuracy test's suite and checks its hypotheses (ConfigError
  // before any request when they leave no room).
  void choose_card_suite() {
    card_suite_ = accuracy_suite(card_, opts_, cfg_, card_suite_skipped_);
    if (card_suite_) accuracy_hypotheses(card_suite_->first, opts_);
  }
  // What was spent since `before`, on the test's account.
  void charge(VerifyTest& t, const Spend& before) const {
    t.requests = spend_.requests - before.requests;
    t.tokens = spend_.tokens - before.tokens;
    t.cost_usd = spend_.usd - before.usd;
  }
  // The tokenizer test stopped before every probe came back.
  VerifyTest tokenizer_cut_short() const {
    VerifyTest t;
    t.name = "tokenizer";
    t.verdict = VerifyVerdict::kUndecided;
    t.summary = budget_spent_ ? "the budget ran out before every probe was measured" : "interrupted";
    return t;
  }

  struct Sampling {
    double temperature = 0.6, top_p = 0.95;
    int max_tokens = 32768;
  };
  struct SampleStats {
    uint64_t dispatched = 0;
    int64_t observed = 0;  // judged samples handed to the test
    int errors = 0, truncated = 0, cut_short = 0;
    bool failing = false;  // more requests failed than were judged: the endpoint is not answering
  };
  // Called with each judged sample, in dispatch order; true when the test has decided.
  using Observe = std::function<bool(const Problem&, bool correct, const Completion&)>;
  // Draws `problems` uniformly with replacement, one sample each, stores every
  // request, and hands each judged sample to `observe` until it decides, the
  // budget or --max-samples is reached, the caller cancels, or requests keep failing.
  SampleStats sample(const std::string& test, const Suite& suite, const std::vector<const Problem*>& problems,
                     const Sampling& sampling, const Observe& observe);
  void describe(const SampleStats& st, VerifyTest& t) const;
  std::string why_undecided(const SampleStats& st) const;

  struct PairStats {
    uint64_t draws = 0;
    int64_t pairs = 0;  // both sides judged and handed to the comparison
    int errors = 0, reference_errors = 0, cut_short = 0;
    bool failing = false;     // more requests failed than pairs were judged
    bool pool_spent = false;  // every stored reference sample was used once
  };
  using StoredPool = std::map<std::string, std::vector<SampleTraits>>;
  // Called with each complete pair, in draw order; true when the comparison has decided.
  using ObservePair = std::function<bool(const SampleTraits& endpoint, const SampleTraits& reference)>;
  // Draws `problems` uniformly with replacement, one pair each: the endpoint's
  // sample and, with `pool`, one of the problem's stored reference samples not
  // used before (only problems with one left are drawn), else the live
  // reference's sample of the same prompt, seed and settings. Stores every
  // request of both sides; a pair with a failed side is dropped. Stops as
  // sample() does, or when the pool is spent.
  PairStats sample_pairs(const Suite& suite, const std::vector<const Problem*>& problems, const Sampling& sampling,
                         const StoredPool* pool, const ObservePair& observe);
  void progress(const std::string& line) const {
    if (opts_.progress) fmt::print(stderr, "rigor: verify {}: {}\n", model().name, line);
  }

  const Config& cfg_;
  const VerifyOptions& opts_;
  Store& store_;
  const std::atomic<bool>* cancel_;
  EngineFactory factory_;
  const ModelConfig* model_ = nullptr;
  ModelCard card_;
  std::optional<ReferenceRun> reference_;
  // The card's result the accuracy test uses, its suite loaded once, and why
  // the card's other results could not be used.
  std::optional<std::pair<CardResult, Suite>> card_suite_;
  std::vector<std::string> card_suite_skipped_;
  const ModelConfig* live_reference_ = nullptr;  // --reference naming a model of the config
  std::unique_ptr<Engine> engine_, reference_engine_;
  std::string secrets_[2];  // the API keys of the endpoint and of a live reference, to redact
  std::string id_;
  int64_t seq_ = 0;
  Spend spend_;
  Spend reference_spend_;  // of which the live reference's requests
  bool budget_spent_ = false;
  bool cancelled_ = false;
  std::atomic<bool> stop_{false};
  std::string next_step_;
};

}  // namespace rigor::verify_detail
