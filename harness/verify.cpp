#include "harness/verify.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <exception>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include <fmt/format.h>

#include "base/pricing.h"
#include "base/rng.h"
#include "base/betting_test.h"
#include "base/sprt.h"
#include "base/utc_time.h"
#include "harness/endpoint_check.h"
#include "harness/error_summary.h"
#include "harness/launch_model.h"
#include "harness/sim_process.h"
#include "harness/verify_compare.h"
#include "rigor_version.h"
#include "scorers/scorer.h"
#include "suites/registry.h"

namespace rigor {

const char* to_string(VerifyVerdict v) {
  switch (v) {
    case VerifyVerdict::kConsistent: return "consistent";
    case VerifyVerdict::kInconsistent: return "inconsistent";
    case VerifyVerdict::kUndecided: return "undecided";
    case VerifyVerdict::kNotRun: return "not run";
  }
  return "?";
}

nlohmann::json VerifyTest::to_json() const {
  return {{"test", name},         {"verdict", to_string(verdict)}, {"summary", summary},
          {"evidence", evidence}, {"error_rate", error_rate},      {"requests", requests},
          {"tokens", tokens},     {"cost_usd", cost_usd}};
}

nlohmann::json VerifyOutcome::to_json() const {
  nlohmann::json t = nlohmann::json::array();
  for (const auto& x : tests) t.push_back(x.to_json());
  return {{"id", id},
          {"verdict", to_string(verdict)},
          {"claim", claim},
          {"card", card_source},
          {"tests", t},
          {"spent",
           {{"requests", requests},
            {"tokens", tokens},
            {"cost_usd", cost_usd},
            {"estimated", estimated},
            {"reference", {{"requests", reference_requests}, {"tokens", reference_tokens},
                           {"cost_usd", reference_cost_usd}}}}},
          {"budget_spent", budget_spent},
          {"cancelled", cancelled},
          {"next_step", next_step}};
}

namespace {

constexpr const char* kTokenizerErrorRate =
    "0 for an endpoint that reports its tokenizer's own prompt token counts (deterministic)";

bool lacks_usage(const std::vector<ProbeReading>& readings) {
  return std::any_of(readings.begin(), readings.end(), [](const auto& r) { return r.prompt_tokens < 0; });
}

// When a repeated probe was counted otherwise than the first time: what that
// says (two tokenizers behind one endpoint).
std::optional<std::string> counted_two_ways(const std::vector<ProbeReading>& readings,
                                            const std::vector<ProbeReading>& repeats) {
  std::map<std::pair<std::string, int>, int64_t> first;
  for (const auto& r : readings) first.emplace(std::pair{r.unit, r.k}, r.prompt_tokens);
  for (const auto& r : repeats) {
    auto it = first.find({r.unit, r.k});
    if (r.prompt_tokens >= 0 && it != first.end() && it->second != r.prompt_tokens) {
      return fmt::format("the same probe ({} x{}) was counted as {} and then {} prompt tokens: more than one "
                         "tokenizer answers for this endpoint (a router or a mix of models)",
                         r.unit, r.k, it->second, r.prompt_tokens);
    }
  }
  return std::nullopt;
}

// The probe plan's requests, none measured yet.
std::vector<ProbeReading> planned_probes(const FingerprintCards& cards) {
  std::vector<ProbeReading> out;
  for (const auto& step : plan_probes(cards)) {
    for (int k : step.ks) out.push_back({step.unit->id, k, -1});
  }
  return out;
}

std::map<std::string, std::vector<ProbePoint>> points_by_unit(const std::vector<ProbeReading>& readings) {
  std::map<std::string, std::vector<ProbePoint>> out;
  for (const auto& r : readings) out[r.unit].push_back({r.k, r.prompt_tokens});
  return out;
}

}  // namespace

VerifyTest decide_tokenizer(const FingerprintCards& cards, const std::string& claimed_family,
                            const std::vector<ProbeReading>& readings, const std::vector<ProbeReading>& repeats) {
  VerifyTest t;
  t.name = "tokenizer";
  t.error_rate = kTokenizerErrorRate;
  if (lacks_usage(readings)) {
    t.verdict = VerifyVerdict::kNotRun;
    t.summary = "the endpoint reports no usage.prompt_tokens, so its tokenizer cannot be measured";
    return t;
  }
  if (auto router = counted_two_ways(readings, repeats)) {
    t.verdict = VerifyVerdict::kInconsistent;
    t.summary = *router;
    t.evidence.push_back(t.summary);
    return t;
  }
  std::vector<UnitSlope> slopes;
  for (const auto& [unit, points] : points_by_unit(readings)) {
    LineFit fit = fit_probe_line(points);
    std::string pts;
    for (const auto& p : points) pts += fmt::format("{}{}:{}", pts.empty() ? "" : " ", p.k, p.prompt_tokens);
    if (!fit.exact()) {
      // Sent again and counted the same: usage that is not a tokenizer's
      // count (a proxy estimating it), so nothing to measure.
      t.verdict = repeats.empty() ? VerifyVerdict::kUndecided : VerifyVerdict::kNotRun;
      t.summary = fmt::format(
          "usage is not an exact token count ({}: {}){}; the tokenizer cannot be measured through it", unit,
          fit.detail.empty() ? to_string(fit.status) : fit.detail,
          repeats.empty() ? "" : ", and the same prompts sent again were counted the same: a proxy may estimate it");
      t.evidence.push_back(fmt::format("{} (k:prompt_tokens) {}", unit, pts));
      return t;
    }
    slopes.push_back({unit, fit.slope});
    t.evidence.push_back(
        fmt::format("{}: {} tokens a repetition (k:prompt_tokens {}; exact line, intercept {})", unit, fit.slope, pts,
                    fit.intercept));
  }
  FamilyDecision d = decide_family(cards, slopes);
  const bool claimed_fits = std::find(d.consistent.begin(), d.consistent.end(), claimed_family) != d.consistent.end();
  std::string fits = d.consistent.empty() ? "no carded tokenizer" : fmt::format("{}", fmt::join(d.consistent, ", "));
  if (claimed_fits) {
    t.verdict = VerifyVerdict::kConsistent;
    t.summary = fmt::format("counts prompt tokens like {}, the claim's tokenizer", claimed_family);
    if (d.ambiguous()) t.summary += fmt::format(" (so do: {})", fits);
  } else {
    t.verdict = VerifyVerdict::kInconsistent;
    t.summary = fmt::format("counts prompt tokens like {}, not like the claim's tokenizer {}", fits, claimed_family);
    for (const auto& m : d.mismatches) {
      if (m.rfind(claimed_family + ":", 0) == 0) t.evidence.push_back(m);
    }
  }
  return t;
}

VerifyTest compare_tokenizers(const std::vector<ProbeReading>& endpoint, const std::vector<ProbeReading>& reference,
                              const std::vector<ProbeReading>& repeats, const std::string& reference_name) {
  VerifyTest t;
  t.name = "tokenizer";
  t.error_rate = kTokenizerErrorRate;
  if (lacks_usage(endpoint) || lacks_usage(reference)) {
    const bool endpoint_side = lacks_usage(endpoint);
    const auto& side = endpoint_side ? endpoint : reference;
    const std::string who = endpoint_side ? "the endpoint" : "the reference " + reference_name;
    if (std::any_of(side.begin(), side.end(), [](const auto& r) { return r.prompt_tokens >= 0; })) {
      // It does report usage: the probes without a count failed as requests.
      t.verdict = VerifyVerdict::kUndecided;
      t.summary = fmt::format("some probe requests to {} failed (see the stored requests); the tokenizers cannot "
                              "be compared",
                              who);
    } else {
      t.summary = fmt::format("{} reports no usage.prompt_tokens, so the tokenizers cannot be compared", who);
    }
    return t;
  }
  if (auto router = counted_two_ways(endpoint, repeats)) {
    t.verdict = VerifyVerdict::kInconsistent;
    t.summary = *router;
    return t;
  }
  auto fits = [](const std::vector<ProbeReading>& rs) {
    std::map<std::string, LineFit> out;
    for (const auto& [unit, points] : points_by_unit(rs)) out[unit] = fit_probe_line(points);
    return out;
  };
  const auto mine = fits(endpoint), theirs = fits(reference);
  for (const auto& [side, lines] : {std::pair{std::string("the endpoint"), &mine},
                                    std::pair{"the reference " + reference_name, &theirs}}) {
    for (const auto& [unit, fit] : *lines) {
      if (fit.exact()) continue;
      t.verdict = side == "the endpoint" && repeats.empty() ? VerifyVerdict::kUndecided : VerifyVerdict::kNotRun;
      t.summary = fmt::format("usage of {} is not an exact token count ({}: {}); the tokenizers cannot be compared",
                              side, unit, fit.detail.empty() ? to_string(fit.status) : fit.detail);
      return t;
    }
  }
  std::vector<std::string> differ;
  for (const auto& [unit, fit] : mine) {
    auto it = theirs.find(unit);
    if (it == theirs.end()) continue;
    t.evidence.push_back(fmt::format("{}: {} tokens a repetition here, {} at the reference", unit, fit.slope,
                                     it->second.slope));
    if (fit.slope != it->second.slope) differ.push_back(unit);
  }
  if (differ.empty()) {
    t.verdict = VerifyVerdict::kConsistent;
    t.summary = fmt::format("counts every probe unit as the reference {} does", reference_name);
  } else {
    t.verdict = VerifyVerdict::kInconsistent;
    t.summary = fmt::format("counts {} differently from the reference {}: another tokenizer", fmt::join(differ, ", "),
                            reference_name);
  }
  return t;
}

std::pair<double, double> accuracy_hypotheses(const CardResult& result, const VerifyOptions& opts) {
  const double bound = result.percent / 100.0 - opts.tolerance;
  const double alternative = bound - opts.gap;
  if (!(bound < 1) || !(alternative > 0)) {
    throw ConfigError(fmt::format(
        "{} {} of {:.1f}% with --tolerance {:.1f} and --gap {:.1f} points leaves no room for a test (the bound "
        "must be below 100% and the alternative above 0%)",
        result.suite, result.metric, result.percent, opts.tolerance * 100, opts.gap * 100));
  }
  return {bound, alternative};
}

namespace {

using Clock = std::chrono::steady_clock;


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

// Usage's reasoning tokens, or -1 when they are not a count: not reported, or
// 0 beside reasoning text (servers that do not count them say 0).
int64_t counted_reasoning(int64_t tokens, const std::string& reasoning) {
  return tokens == 0 && !reasoning.empty() ? -1 : tokens;
}

// What a sample showed, for the comparison with a reference (harness/verify_compare.h).
// Scores an answer that came back and writes the outcome into its record:
// the extraction, and whether it was correct or why the scorer could not
// judge it (the verdict's `error`). An answer whose <think> never closed is
// not scored: it is a wrong one.
Verdict judge_into(const Scorer& scorer, const Completion& c, const std::string& gold, VerifyRequestRecord& rec) {
  Verdict v = c.reasoning_unclosed ? Verdict{} : scorer.score(c.text, gold);
  rec.extracted = v.extracted;
  if (v.error) {
    rec.status = "error";
    rec.error = "scorer: " + v.reason;
  } else {
    rec.correct = v.correct ? 1 : 0;
  }
  return v;
}

SampleTraits traits_of(const Completion& c, const Verdict& v) {
  SampleTraits t;
  t.correct = v.correct;
  t.truncated = c.finish_reason == "length" || c.reasoning_unclosed;
  t.extraction_failed = !t.truncated && !v.extracted_ok;
  t.reasoning_tokens = counted_reasoning(c.usage.reasoning_tokens, c.reasoning);
  t.answer_tokens = c.usage.completion_tokens >= 0 && t.reasoning_tokens >= 0
                        ? c.usage.completion_tokens - t.reasoning_tokens
                        : -1;
  t.reasoning_bytes = static_cast<int64_t>(c.reasoning.size());
  t.answer_bytes = static_cast<int64_t>(c.text.size());
  return t;
}

SampleTraits traits_of(const SampleRecord& s) {
  SampleTraits t;
  t.correct = s.correct;
  t.truncated = s.truncated;
  t.extraction_failed = !s.truncated && !s.extracted_ok;
  t.reasoning_tokens = counted_reasoning(s.reasoning_tokens, s.reasoning);
  t.answer_tokens = s.completion_tokens >= 0 && t.reasoning_tokens >= 0 ? s.completion_tokens - t.reasoning_tokens : -1;
  t.reasoning_bytes = static_cast<int64_t>(s.reasoning.size());
  t.answer_bytes = static_cast<int64_t>(s.response.size());
  return t;
}

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

CompletionRequest Verifier::request(const std::string& prompt, int max_tokens, uint64_t seed,
                                    const ModelConfig* to) const {
  const ModelConfig& mc = to ? *to : model();
  CompletionRequest r;
  r.model = mc.model_id;
  r.messages = {{"user", prompt}};
  r.temperature = card_.protocol.temperature;
  r.top_p = card_.protocol.top_p;
  r.max_tokens = mc.thinking_budget > 0 ? std::max(max_tokens, mc.thinking_budget + 1) : max_tokens;
  if (mc.send_seed) r.seed = seed;
  r.extra = mc.extra;
  return r;
}

void Verifier::watching_cancel(const std::function<void()>& body) {
  std::atomic<bool> done{false};
  std::thread watch([&] {  // the caller's Ctrl-C reaches requests in flight
    while (!done) {
      if (cancel_ && cancel_->load()) {
        cancelled_ = true;
        stop_ = true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });
  try {
    body();
  } catch (...) {
    done = true;
    watch.join();
    throw;
  }
  done = true;
  watch.join();
}

void Verifier::drive(const NextJob& next, const OnResult& on_result, Engine* engine) {
  stop_ = false;
  watching_cancel([&] { (engine ? engine : engine_.get())->run(next, on_result, &stop_); });
}

void Verifier::drive_both(const NextJob& next, const OnResult& on_result, const NextJob& ref_next,
                          const OnResult& ref_on_result) {
  stop_ = false;
  watching_cancel([&] {
    std::exception_ptr failed;
    std::thread other([&] {
      try {
        reference_engine_->run(ref_next, ref_on_result, &stop_);
      } catch (...) {
        failed = std::current_exception();
        stop_ = true;
      }
    });
    try {
      engine_->run(next, on_result, &stop_);
    } catch (...) {
      stop_ = true;
      other.join();
      throw;
    }
    other.join();
    if (failed) std::rethrow_exception(failed);
  });
}

VerifyRequestRecord Verifier::record(const std::string& test, const std::string& item, const CompletionRequest& req,
                                     const CompletionResult& res, const ModelConfig* to) {
  VerifyRequestRecord r;
  r.verify_id = id_;
  r.seq = seq_++;
  r.test = test;
  r.item = item;
  r.seed = req.seed.value_or(0);
  r.prompt = req.messages.empty() ? "" : req.messages.back().content;
  if (res) {
    r.status = "ok";
    r.response = res->text;
    r.reasoning = res->reasoning;
    r.finish_reason = res->finish_reason;
    r.prompt_tokens = res->usage.prompt_tokens;
    r.cached_tokens = res->usage.cached_tokens;
    r.completion_tokens = res->usage.completion_tokens;
    r.reasoning_tokens = res->usage.reasoning_tokens;
    r.latency_s = res->total_s;
    r.cost_usd = cost_usd((to ? *to : model()).pricing, res->usage);
  } else {
    r.status = "error";
    // Neither key may reach the store through an echoed error message.
    r.error = redact_secrets(redact_secrets(fmt::format("{}: {}", to_string(res.error().code), res.error().message),
                                            secrets_[0]),
                             secrets_[1]);
  }
  return r;
}

bool Verifier::over_budget(double next_usd, int64_t next_tokens) const {
  if (opts_.budget_usd > 0 && spend_.usd + next_usd > opts_.budget_usd) return true;
  if (opts_.budget_tokens > 0 && spend_.tokens + next_tokens > opts_.budget_tokens) return true;
  return false;
}

void Verifier::measure_probes(std::vector<ProbeReading>& probes, Engine* engine, const ModelConfig* to) {
  const FingerprintCards& cards = bundled_fingerprint_cards();
  const ModelConfig& mc = to ? *to : model();
  size_t next_i = 0;
  std::map<uint64_t, CompletionRequest> sent;
  drive(
      [&]() -> std::optional<EngineJob> {
        if (next_i >= probes.size() || stop_) return std::nullopt;
        // A probe costs its prompt and one output token; a few hundred tokens at most.
        if (over_budget(0, 256)) {
          budget_spent_ = true;
          return std::nullopt;
        }
        const auto& r = probes[next_i];
        // A seed of its own per request: a router that picks by seed, as the
        // simulator's does, must get an independent pick for a repeated prompt.
        const uint64_t seed = sample_seed(opts_.seed, "tokenizer", r.unit, static_cast<int>(seq_ + next_i));
        EngineJob job{next_i++, request(probe_prompt(cards, *cards.unit(r.unit), r.k), 1, seed, &mc)};
        sent[job.tag] = job.request;
        return job;
      },
      [&](uint64_t tag, CompletionResult res) {
        auto rec = record(to ? "tokenizer-reference" : "tokenizer",
                          fmt::format("{} x{}", probes[tag].unit, probes[tag].k), sent[tag], res, &mc);
        store_.put_verify_request(rec);
        spend_.add(rec, mc.pricing);
        if (to) reference_spend_.add(rec, mc.pricing);
        if (res) probes[tag].prompt_tokens = res->usage.prompt_tokens;
      },
      engine);
}

VerifyTest Verifier::live_tokenizer_test() {
  const FingerprintCards& cards = bundled_fingerprint_cards();
  std::vector<ProbeReading> mine = planned_probes(cards), theirs = mine;
  const Spend before = spend_;
  measure_probes(mine);
  measure_probes(theirs, reference_engine_.get(), live_reference_);
  std::vector<ProbeReading> repeats;
  VerifyTest t = compare_tokenizers(mine, theirs, {}, live_reference_->name);
  if (t.verdict == VerifyVerdict::kUndecided && !cancelled_) {
    // The endpoint's line was not exact: measure it again to tell a router from an estimate.
    repeats = mine;
    for (auto& r : repeats) r.prompt_tokens = -1;
    measure_probes(repeats);
    t = compare_tokenizers(mine, theirs, repeats, live_reference_->name);
  }
  if (cancelled_ || budget_spent_) {
    const bool complete = !lacks_usage(mine) && !lacks_usage(theirs);
    if (!complete) t = tokenizer_cut_short();
  }
  charge(t, before);
  progress(fmt::format("tokenizer against {}: {} ({} requests)", live_reference_->name, to_string(t.verdict),
                       t.requests));
  return t;
}

VerifyTest Verifier::tokenizer_test() {
  VerifyTest t;
  t.name = "tokenizer";
  if (live_reference_) return live_tokenizer_test();
  if (card_.tokenizer.empty()) {
    t.summary = fmt::format("the card of {} names no tokenizer", card_.name);
    return t;
  }
  const FingerprintCards& cards = bundled_fingerprint_cards();
  if (!cards.family(card_.tokenizer)) {
    t.summary = fmt::format("no fingerprint card for the claim's tokenizer \"{}\" (cards: {})", card_.tokenizer,
                            fmt::join(cards.family_names(), ", "));
    return t;
  }
  std::vector<ProbeReading> planned = planned_probes(cards);
  const Spend before = spend_;
  measure_probes(planned);
  std::vector<ProbeReading> repeats;
  if (!lacks_usage(planned) && !cancelled_) {
    // A line that is not exact: send its points again, to tell a router (the
    // same prompt counted two ways) from a proxy that estimates usage.
    t = decide_tokenizer(cards, card_.tokenizer, planned, {});
    if (t.verdict == VerifyVerdict::kUndecided) {
      auto by_unit = points_by_unit(planned);
      for (const auto& r : planned) {
        if (!fit_probe_line(by_unit[r.unit]).exact()) repeats.push_back({r.unit, r.k, -1});
      }
      measure_probes(repeats);
    }
  }
  const bool errored = lacks_usage(planned);
  if (errored && (budget_spent_ || cancelled_)) {
    t = tokenizer_cut_short();
  } else if (errored && std::any_of(planned.begin(), planned.end(), [](const auto& r) { return r.prompt_tokens >= 0; })) {
    // Some probes failed as requests while others were counted: not "no usage".
    t = VerifyTest{};
    t.name = "tokenizer";
    t.verdict = VerifyVerdict::kUndecided;
    t.summary = "some probe requests failed (see the stored requests); the tokenizer test cannot decide";
  } else {
    t = decide_tokenizer(cards, card_.tokenizer, planned, repeats);
  }
  charge(t, before);
  progress(fmt::format("tokenizer: {} ({} requests)", to_string(t.verdict), t.requests));
  return t;
}

// The first pass@1 result on the card whose suite this build and config can
// run (or the one --suite names), loaded.
std::optional<std::pair<CardResult, Suite>> accuracy_suite(const ModelCard& card, const VerifyOptions& opts,
                                                           const Config& cfg, std::vector<std::string>& skipped) {
  SuiteOptions sopts;
  sopts.gpqa_csv = cfg.run.gpqa_csv;
  bool named = false;
  for (const auto& r : card.results) {
    if (!opts.suite.empty() && r.suite != opts.suite) continue;
    named = true;
    if (r.metric != "pass@1") {
      skipped.push_back(fmt::format("{}: metric {} (verify tests pass@1)", r.suite, r.metric));
      continue;
    }
    try {
      Suite s = load_suite(r.suite, sopts);
      if (!make_scorer(s.scorer)) throw SuiteError(fmt::format("no scorer \"{}\" in this build", s.scorer));
      if (s.problems.empty()) throw SuiteError("no problems");
      return std::pair{r, std::move(s)};
    } catch (const SuiteError& e) {
      skipped.push_back(fmt::format("{}: {}", r.suite, e.what()));
      if (!opts.suite.empty()) throw ConfigError(fmt::format("--suite {}: {}", opts.suite, e.what()));
    }
  }
  if (!opts.suite.empty() && !named) {
    std::vector<std::string> have;
    for (const auto& r : card.results) have.push_back(r.suite);
    throw ConfigError(fmt::format("--suite {}: the card of {} ({}) has no result for it; it has: {}", opts.suite,
                                  card.name, card.source, fmt::join(have, ", ")));
  }
  return std::nullopt;
}

Verifier::SampleStats Verifier::sample(const std::string& test, const Suite& suite,
                                       const std::vector<const Problem*>& problems, const Sampling& sampling,
                                       const Observe& observe) {
  SampleStats st;
  auto scorer = make_scorer(suite.scorer);
  const Spend before = spend_;
  // Each test draws its own problems; the accuracy test's stream is the seed itself.
  const uint64_t stream = test == "accuracy" ? 0 : fnv1a64(test);  // its own draws per test
  Rng rng(opts_.seed ^ 0x7665726966790000ull ^ stream);
  struct Sent {
    CompletionRequest req;
    const Problem* problem = nullptr;
    PromptedSample prompt;
  };
  struct Arrived {
    const Problem* problem = nullptr;
    std::optional<bool> correct;  // nullopt: not an observation
    Completion completion;
  };
  std::map<uint64_t, Sent> sent;
  std::map<uint64_t, Arrived> arrived;
  uint64_t fed = 0;
  int in_flight = 0;
  bool decided = false;
  // With a budget, the first sample goes alone, so that the others know
  // what a sample costs.
  const bool budgeted = opts_.budget_usd > 0 || opts_.budget_tokens > 0;
  uint64_t round_limit = 0;
  auto next = [&]() -> std::optional<EngineJob> {
    if (stop_ || decided) return std::nullopt;
    if (static_cast<int>(st.dispatched) >= opts_.max_samples || st.dispatched >= round_limit) return std::nullopt;
    // Each sample in flight may cost what the ones so far cost on average.
    const int done = static_cast<int>(st.dispatched) - in_flight;
    const double mean_usd = done > 0 ? (spend_.usd - before.usd) / done : 0;
    const double mean_tokens = done > 0 ? static_cast<double>(spend_.tokens - before.tokens) / done : 0;
    if (over_budget(mean_usd * (in_flight + 1), static_cast<int64_t>(mean_tokens * (in_flight + 1)))) {
      budget_spent_ = true;
      return std::nullopt;
    }
    const Problem& p = *problems[rng.below(problems.size())];
    const uint64_t seed = sample_seed(opts_.seed ^ stream, suite.name, p.id, static_cast<int>(st.dispatched));
    Sent s{{}, &p, make_prompt(suite, p, seed)};
    s.req = request(s.prompt.user_message, sampling.max_tokens, seed);
    s.req.temperature = sampling.temperature;
    s.req.top_p = sampling.top_p;
    EngineJob job{st.dispatched++, s.req};
    sent.emplace(job.tag, std::move(s));
    ++in_flight;
    return job;
  };
  auto on_result = [&](uint64_t tag, CompletionResult res) {
    --in_flight;
    Sent& s = sent.at(tag);
    auto rec = record(test, s.problem->id, s.req, res);
    rec.gold = s.prompt.gold;
    Arrived got{s.problem, std::nullopt, {}};
    if (res) {
      const bool cut = res->finish_reason == "length" || res->reasoning_unclosed;
      Verdict v = judge_into(*scorer, *res, s.prompt.gold, rec);
      if (!v.error) {
        got.correct = v.correct;  // a truncated answer is a wrong one, as in the published pass@1
        got.completion = *res;
        st.truncated += cut;
      }
    }
    const bool cancelled = !res && res.error().code == ErrorCode::kCancelled;
    if (!got.correct && cancelled) ++st.cut_short;
    if (!got.correct && !cancelled) ++st.errors;
    if (st.errors >= 10 && st.errors > st.observed) st.failing = stop_ = true;
    store_.put_verify_request(rec);
    spend_.add(rec, model().pricing);
    arrived[tag] = std::move(got);
    // In dispatch order, so the order answers finish in cannot bias the test.
    while (!decided && arrived.count(fed)) {
      Arrived& a = arrived[fed];
      if (a.correct) {
        ++st.observed;
        decided = observe(*a.problem, *a.correct, a.completion);
      }
      arrived.erase(fed++);
    }
    if (decided) stop_ = true;
  };
  while (!decided && !cancelled_ && !budget_spent_ && !st.failing &&
         static_cast<int>(st.dispatched) < opts_.max_samples) {
    const uint64_t before_round = st.dispatched;
    round_limit = budgeted && st.dispatched == 0 ? 1 : static_cast<uint64_t>(opts_.max_samples);
    drive(next, on_result);
    if (st.dispatched == before_round) break;  // nothing could be sent
  }
  return st;
}

void Verifier::describe(const SampleStats& st, VerifyTest& t) const {
  if (st.truncated > 0) t.evidence.push_back(fmt::format("{} samples hit max_tokens and count as wrong", st.truncated));
  if (st.errors > 0) t.evidence.push_back(fmt::format("{} requests failed and are not counted", st.errors));
  if (st.cut_short > 0) {
    t.evidence.push_back(fmt::format("{} requests in flight when the test stopped were cancelled", st.cut_short));
  }
}

std::string Verifier::why_undecided(const SampleStats& st) const {
  return budget_spent_ ? "the budget ran out"
         : cancelled_  ? "interrupted"
         : st.failing  ? fmt::format("{} requests failed (see the stored requests)", st.errors)
                       : fmt::format("--max-samples {} reached", opts_.max_samples);
}

VerifyTest Verifier::accuracy_test() {
  VerifyTest t;
  t.name = "accuracy";
  if (!card_suite_) {
    t.summary = fmt::format("no suite on the card of {} can run here", card_.name);
    t.evidence = card_suite_skipped_;
    return t;
  }
  const CardResult& result = card_suite_->first;
  const Suite& suite = card_suite_->second;
  auto [bound, alternative] = accuracy_hypotheses(result, opts_);
  Sprt sprt(bound, alternative, opts_.alpha, opts_.beta);
  t.error_rate = fmt::format("<= {:g} (Wald's SPRT; always valid by Ville's inequality for any endpoint at or above "
                             "{:.1f}%)", opts_.alpha, bound * 100);
  const Spend before = spend_;
  std::vector<const Problem*> problems;
  for (const auto& p : suite.problems) problems.push_back(&p);
  const Sampling protocol{card_.protocol.temperature, card_.protocol.top_p, card_.protocol.max_tokens};
  const SampleStats st = sample("accuracy", suite, problems, protocol, [&](const Problem&, bool correct, const Completion&) {
    sprt.add(correct);
    if (sprt.samples() % 20 == 0) {
      progress(fmt::format("accuracy: {} samples, {} correct, log LR {:+.2f} (inconsistent at {:+.2f}, consistent at "
                           "{:+.2f})",
                           sprt.samples(), sprt.successes(), sprt.log_lr(), sprt.upper(), sprt.lower()));
    }
    return sprt.decision() != Sprt::Decision::kContinue;
  });
  const int64_t n = sprt.samples(), s = sprt.successes();
  const double rate = n > 0 ? static_cast<double>(s) / static_cast<double>(n) : 0;
  t.summary = fmt::format("{}: {}/{} correct ({:.1f}%); the claim's {} is {:.1f}%", suite.name, s, n, rate * 100,
                          result.metric, result.percent);
  t.evidence.push_back(fmt::format(
      "SPRT of accuracy >= {:.1f}% (card {:.1f}% minus {:.1f} points) against <= {:.1f}%: log likelihood ratio "
      "{:+.2f}; inconsistent at {:+.2f}, consistent at {:+.2f}",
      bound * 100, result.percent, opts_.tolerance * 100, alternative * 100, sprt.log_lr(), sprt.upper(),
      sprt.lower()));
  t.evidence.push_back(fmt::format("problems drawn uniformly with replacement from {} ({} problems), one sample "
                                   "each at temperature {:g}, top-p {:g}, max_tokens {}",
                                   suite.name, suite.problems.size(), protocol.temperature, protocol.top_p,
                                   protocol.max_tokens));
  describe(st, t);
  if (!result.note.empty()) t.evidence.push_back("card note: " + result.note);
  switch (sprt.decision()) {
    case Sprt::Decision::kRejectNull: t.verdict = VerifyVerdict::kInconsistent; break;
    case Sprt::Decision::kAcceptNull: t.verdict = VerifyVerdict::kConsistent; break;
    case Sprt::Decision::kContinue: {
      t.verdict = VerifyVerdict::kUndecided;
      const double drift = sprt.drift(n > 0 ? rate : bound);
      const double left = drift > 0 ? (sprt.upper() - sprt.log_lr()) / drift : (sprt.log_lr() - sprt.lower()) / -drift;
      next_step_ = fmt::format(
          "{}; at the accuracy seen so far about {:.0f} more accuracy samples would decide it (raise --budget-usd "
          "or --max-samples)",
          why_undecided(st), std::isfinite(left) ? std::ceil(std::max(left, 1.0)) : 1.0);
      break;
    }
  }
  charge(t, before);
  progress(fmt::format("accuracy: {} after {} samples", to_string(t.verdict), n));
  return t;
}


// Loads "RUN" or "RUN:MODEL" from the store and checks that this build can
// pose the same problems the same way. Throws ConfigError naming what differs.
ReferenceRun load_reference(Store& store, const Config& cfg, const VerifyOptions& opts) {
  ReferenceRun ref;
  const size_t colon = opts.reference.rfind(':');
  ref.run_id = colon == std::string::npos ? opts.reference : opts.reference.substr(0, colon);
  ref.model = colon == std::string::npos ? "" : opts.reference.substr(colon + 1);
  auto run = store.get_run(ref.run_id);
  if (!run) throw ConfigError(fmt::format("--reference: no run \"{}\" in {}", ref.run_id, store.path()));
  const auto resolved = nlohmann::json::parse(run->config_json, nullptr, false);
  if (!resolved.is_object()) throw ConfigError(fmt::format("--reference: run {} has no readable config", ref.run_id));
  std::vector<std::string> names;
  const nlohmann::json* model = nullptr;
  const nlohmann::json models = resolved.value("models", nlohmann::json::array());
  for (const auto& m : models) {
    names.push_back(m.value("name", ""));
    if (ref.model.empty() ? models.size() == 1 : m.value("name", "") == ref.model) model = &m;
  }
  if (!model) {
    throw ConfigError(fmt::format("--reference {}: name one of the run's models as RUN:MODEL ({})", opts.reference,
                                  fmt::join(names, ", ")));
  }
  ref.model = model->value("name", "");
  ref.temperature = model->value("temperature", 0.6);
  ref.top_p = model->value("top_p", 0.95);
  ref.max_tokens = model->value("max_tokens", 32768);
  std::vector<std::string> suites;
  const nlohmann::json run_suites = resolved.value("suites", nlohmann::json::object());
  for (const auto& [name, _] : run_suites.items()) suites.push_back(name);
  std::string suite = opts.suite;
  if (suite.empty() && !suites.empty()) suite = suites.front();
  if (std::find(suites.begin(), suites.end(), suite) == suites.end()) {
    throw ConfigError(fmt::format("--reference {}: the run has no suite \"{}\" (it has: {})", opts.reference, suite,
                                  fmt::join(suites, ", ")));
  }
  SuiteOptions sopts;
  sopts.gpqa_csv = cfg.run.gpqa_csv;
  try {
    ref.suite = load_suite(suite, sopts);
  } catch (const SuiteError& e) {
    throw ConfigError(fmt::format("--reference {}: {}", opts.reference, e.what()));
  }
  // As `rigor compare` refuses runs that did not pose the same problems the same way.
  const nlohmann::json& was = run_suites.at(suite);
  std::vector<std::string> differ;
  auto check = [&](const char* key, const std::string& now) {
    if (was.value(key, "") != now) differ.push_back(fmt::format("{} {} there, {} here", key, was.value(key, ""), now));
  };
  check("data_hash", ref.suite.data_hash);
  check("template", ref.suite.template_id);
  check("scorer_version", make_scorer(ref.suite.scorer)->version());
  if (!differ.empty()) {
    throw ConfigError(fmt::format("--reference {}: suite {} is not posed as in the reference run: {}", opts.reference,
                                  suite, fmt::join(differ, "; ")));
  }
  for (const auto& s : store.samples(ref.run_id)) {
    if (s.model != ref.model || s.suite != suite || s.status != SampleStatus::kOk) continue;
    ref.pool[s.problem_id].push_back(traits_of(s));
    ++ref.samples;
  }
  if (ref.pool.empty()) {
    throw ConfigError(fmt::format("--reference {}: model {} has no finished {} samples in run {}", opts.reference,
                                  ref.model, suite, ref.run_id));
  }
  return ref;
}

Verifier::PairStats Verifier::sample_pairs(const Suite& suite, const std::vector<const Problem*>& problems,
                                           const Sampling& sampling, const StoredPool* pool,
                                           const ObservePair& observe) {
  PairStats st;
  auto scorer = make_scorer(suite.scorer);
  const Spend before = spend_;
  const uint64_t stream = fnv1a64("paired");
  Rng rng(opts_.seed ^ 0x7665726966790000ull ^ stream);
  struct Draw {
    const Problem* problem = nullptr;
    PromptedSample prompt;
    CompletionRequest req[2];               // the endpoint's, the live reference's
    std::optional<SampleTraits> sides[2];   // what each side showed, once judged
    int back = 0;                           // sides come back (a stored reference side at once)
    bool dropped = false;                   // a side failed: not a pair
  };
  std::map<uint64_t, Draw> draws;
  StoredPool unused = pool ? *pool : StoredPool{};
  std::vector<const Problem*> open = problems;  // problems that can still be drawn
  uint64_t fed = 0, finished = 0;
  bool decided = false;
  std::mutex mu;
  const bool budgeted = opts_.budget_usd > 0 || opts_.budget_tokens > 0;
  // Two rounds of requests in flight a batch: fewer waits for a batch's slowest
  // answer; no more requests wasted at a decision, which stops the sending.
  const size_t batch_size = 2 * static_cast<size_t>(std::max(1, std::min(opts_.concurrency, model().concurrency)));

  // One side of a draw came back: judge it, store it, and feed complete pairs in draw order.
  auto arrive = [&](int side, uint64_t tag, CompletionResult res) {
    std::lock_guard<std::mutex> lock(mu);
    Draw& d = draws.at(tag);
    const ModelConfig& mc = side == 0 ? model() : *live_reference_;
    auto rec = record(side == 0 ? "paired" : "paired-reference", d.problem->id, d.req[side], res, &mc);
    rec.gold = d.prompt.gold;
    if (res) {
      Verdict v = judge_into(*scorer, *res, d.prompt.gold, rec);
      if (!v.error) d.sides[side] = traits_of(*res, v);
    }
    if (!d.sides[side]) {
      d.dropped = true;
      if (!res && res.error().code == ErrorCode::kCancelled) {
        ++st.cut_short;
      } else {
        ++(side == 0 ? st.errors : st.reference_errors);
      }
    }
    store_.put_verify_request(rec);
    spend_.add(rec, mc.pricing);
    if (side == 1) reference_spend_.add(rec, mc.pricing);
    if (++d.back == 2) ++finished;
    if (st.errors + st.reference_errors >= 10 && st.errors + st.reference_errors > st.pairs) st.failing = stop_ = true;
    while (!decided && fed < st.draws && draws.at(fed).back == 2) {
      Draw& a = draws.at(fed++);
      if (a.dropped) continue;
      ++st.pairs;
      decided = observe(*a.sides[0], *a.sides[1]);
    }
    if (decided) stop_ = true;
  };

  while (!decided && !cancelled_ && !budget_spent_ && !st.failing && !st.pool_spent &&
         static_cast<int>(st.draws) < opts_.max_samples) {
    // A batch of draws at a time, the same for both sides; with a budget the
    // first pair goes alone, so that the others know what a pair costs.
    const uint64_t first = st.draws;
    const size_t want = budgeted && finished == 0 ? 1 : batch_size;
    const double mean_usd = finished > 0 ? (spend_.usd - before.usd) / static_cast<double>(finished) : 0;
    const double mean_tokens =
        finished > 0 ? static_cast<double>(spend_.tokens - before.tokens) / static_cast<double>(finished) : 0;
    for (size_t i = 0; i < want && static_cast<int>(st.draws) < opts_.max_samples; ++i) {
      const double k = static_cast<double>(i + 1);
      if (over_budget(mean_usd * k, static_cast<int64_t>(mean_tokens * k))) {
        budget_spent_ = true;
        break;
      }
      if (pool) {
        std::erase_if(open, [&](const Problem* p) { return unused[p->id].empty(); });
        if (open.empty()) {
          st.pool_spent = true;
          break;
        }
      }
      const Problem& p = *open[rng.below(open.size())];
      const uint64_t seed = sample_seed(opts_.seed ^ stream, suite.name, p.id, static_cast<int>(st.draws));
      Draw d;
      d.problem = &p;
      d.prompt = make_prompt(suite, p, seed);
      for (int side = 0; side < 2; ++side) {
        d.req[side] = request(d.prompt.user_message, sampling.max_tokens, seed, side == 0 ? model_ : live_reference_);
        d.req[side].temperature = sampling.temperature;
        d.req[side].top_p = sampling.top_p;
      }
      if (pool) {
        auto& left = unused[p.id];
        const size_t j = rng.below(left.size());
        d.sides[1] = left[j];
        left[j] = left.back();
        left.pop_back();
        d.back = 1;
      }
      draws.emplace(st.draws++, std::move(d));
    }
    const uint64_t end = st.draws;
    if (end == first) break;  // nothing could be drawn
    uint64_t cursor[2] = {first, first};
    auto next_of = [&](int side) {
      return [&, side]() -> std::optional<EngineJob> {
        std::lock_guard<std::mutex> lock(mu);
        if (stop_ || decided || cursor[side] >= end) return std::nullopt;
        const uint64_t tag = cursor[side]++;
        return EngineJob{tag, draws.at(tag).req[side]};
      };
    };
    auto on_result_of = [&](int side) {
      return [&, side](uint64_t tag, CompletionResult res) { arrive(side, tag, std::move(res)); };
    };
    if (pool) {
      drive(next_of(0), on_result_of(0));
    } else {
      drive_both(next_of(0), on_result_of(0), next_of(1), on_result_of(1));
    }
  }
  return st;
}

std::vector<VerifyTest> Verifier::reference_tests() {
  const bool live = live_reference_ != nullptr;
  if (live && !card_suite_) {
    VerifyTest t;
    t.name = "paired accuracy";
    t.summary = fmt::format("no suite on the card of {} can run here", card_.name);
    t.evidence = card_suite_skipped_;
    return {t};
  }
  const Suite& suite = live ? card_suite_->second : reference_->suite;
  std::vector<const Problem*> problems;
  for (const auto& p : suite.problems) {
    if (live || reference_->pool.count(p.id)) problems.push_back(&p);
  }
  const Sampling sampling = live ? Sampling{card_.protocol.temperature, card_.protocol.top_p, card_.protocol.max_tokens}
                                 : Sampling{reference_->temperature, reference_->top_p, reference_->max_tokens};
  const std::string against = live ? "the reference " + live_reference_->name
                                   : fmt::format("run {} ({})", reference_->run_id, reference_->model);
  ReferenceComparison cmp({opts_.alpha, opts_.beta, opts_.tolerance, opts_.gap});
  const Spend before = spend_, ref_before = reference_spend_;
  const PairStats st = sample_pairs(suite, problems, sampling, live ? nullptr : &reference_->pool,
                                    [&](const SampleTraits& e, const SampleTraits& r) {
                                      cmp.add(e, r);
                                      if (cmp.pairs() % 20 == 0) progress(fmt::format("reference: {} pairs", cmp.pairs()));
                                      return cmp.decided();
                                    });
  std::vector<VerifyTest> tests = cmp.tests(against);
  VerifyTest& first = tests.front();
  if (live) {
    first.evidence.push_back(fmt::format(
        "problems drawn uniformly with replacement from {} ({} problems); each sent to the endpoint and to {} with "
        "the same prompt and seed, at the card's temperature {:g}, top-p {:g}, max_tokens {}",
        suite.name, problems.size(), against, sampling.temperature, sampling.top_p, sampling.max_tokens));
    first.evidence.push_back(fmt::format(
        "spent on pairs: the endpoint {} requests, {} tokens, ${:.4f}; the reference {} requests, {} tokens, ${:.4f}; "
        "both count against --budget-usd and --budget-tokens",
        (spend_.requests - before.requests) - (reference_spend_.requests - ref_before.requests),
        (spend_.tokens - before.tokens) - (reference_spend_.tokens - ref_before.tokens),
        (spend_.usd - before.usd) - (reference_spend_.usd - ref_before.usd),
        reference_spend_.requests - ref_before.requests, reference_spend_.tokens - ref_before.tokens,
        reference_spend_.usd - ref_before.usd));
  } else {
    first.evidence.push_back(fmt::format(
        "problems drawn uniformly with replacement from the {} problems the reference answered, at its temperature "
        "{:g}, top-p {:g}, max_tokens {}; each paired with one of that problem's {} stored samples in all, each "
        "used once",
        problems.size(), sampling.temperature, sampling.top_p, sampling.max_tokens, reference_->samples));
  }
  if (st.errors > 0) first.evidence.push_back(fmt::format("{} endpoint requests failed: their pairs are not counted", st.errors));
  if (st.reference_errors > 0) {
    first.evidence.push_back(
        fmt::format("{} reference requests failed: their pairs are dropped, not counted", st.reference_errors));
  }
  if (st.cut_short > 0) {
    first.evidence.push_back(fmt::format("{} requests in flight when the test stopped were cancelled", st.cut_short));
  }
  for (size_t i = 1; i < tests.size(); ++i) {
    tests[i].evidence.push_back(fmt::format("on the same {} pairs as {} (its requests and spend)", cmp.pairs(),
                                            first.name));
  }
  if (!cmp.decided()) {
    const std::string why = st.pool_spent
                                ? fmt::format("every stored sample of run {} was paired once", reference_->run_id)
                            : budget_spent_ ? "the budget ran out"
                            : cancelled_    ? "interrupted"
                            : st.failing    ? fmt::format("{} requests failed (see the stored requests)",
                                                          st.errors + st.reference_errors)
                                            : fmt::format("--max-samples {} reached", opts_.max_samples);
    next_step_ = st.pool_spent
                     ? fmt::format("{}; a reference run with more samples per problem (rigor run -n) would allow "
                                   "more pairs",
                                   why)
                     : fmt::format("{}; more pairs against the reference would decide it (raise --budget-usd or "
                                   "--max-samples)",
                                   why);
    if (st.pool_spent) first.evidence.push_back(why);
  }
  charge(first, before);
  progress(fmt::format("reference: {} after {} pairs", cmp.consistent()     ? "consistent"
                                                       : cmp.inconsistent() ? "inconsistent"
                                                                            : "undecided",
                       cmp.pairs()));
  return tests;
}

VerifyOutcome Verifier::run() {
  for (const auto& m : cfg_.models) {
    if (m.name == opts_.model) model_ = &m;
  }
  if (!model_) {
    std::vector<std::string> names;
    for (const auto& m : cfg_.models) names.push_back(m.name);
    throw ConfigError(fmt::format("{}: no model \"{}\" (models: {})", cfg_.path, opts_.model, fmt::join(names, ", ")));
  }
  if (!(opts_.alpha > 0 && opts_.alpha < 0.5)) throw ConfigError("--alpha must be in (0, 0.5)");
  if (!(opts_.beta > 0 && opts_.beta < 0.5)) throw ConfigError("--beta must be in (0, 0.5)");
  std::vector<ModelCard> cards = opts_.cards_dir.empty() ? load_model_cards() : load_model_cards(opts_.cards_dir);
  const ModelCard* card = find_model_card(cards, opts_.claim);
  if (!card) {
    std::vector<std::string> names;
    for (const auto& c : cards) names.push_back(c.name);
    throw ConfigError(fmt::format("unknown claim \"{}\": no model card has that name or alias (cards: {}; add your "
                                  "own with --cards DIR)",
                                  opts_.claim, fmt::join(names, ", ")));
  }
  card_ = *card;
  // Options that cannot work fail before any request.
  for (const auto& m : cfg_.models) {
    if (!opts_.reference.empty() && m.name == opts_.reference) live_reference_ = &m;
  }
  if (!opts_.reference.empty() && opts_.tolerance + opts_.gap >= 1) {
    throw ConfigError("--tolerance plus --gap must stay below 100 points");
  }
  if (live_reference_) {
    if (live_reference_ == model_) throw ConfigError("--reference names the model under test; name a trusted one");
    if (store_.get_run(opts_.reference)) {
      throw ConfigError(fmt::format("--reference {} is both a model of {} and a run in {}; rename one",
                                    opts_.reference, cfg_.path, store_.path()));
    }
    // The card's suite and protocol, without its figures: the accuracy test
    // compares with the live reference instead.
    card_suite_ = accuracy_suite(card_, opts_, cfg_, card_suite_skipped_);
  } else if (!opts_.reference.empty()) {
    reference_ = load_reference(store_, cfg_, opts_);
  } else {
    choose_card_suite();
  }

  // Each endpoint: the configured URL, a launched engine, or rigor's simulator.
  struct Endpoint {
    std::unique_ptr<SimProcess> sim;
    std::unique_ptr<LaunchedEngine> launched;
  };
  std::vector<Endpoint> endpoints;
  auto start = [&](const ModelConfig& model) {
    Endpoint& e = endpoints.emplace_back();
    std::string url = model.base_url;
    if (model.engine == "sim") {
      try {
        e.sim = std::make_unique<SimProcess>(opts_.exe.empty() ? self_exe() : opts_.exe, model.sim_profiles, 15, 1,
                                             cfg_.run.gpqa_csv, model.sim_seed);
      } catch (const std::exception& ex) {
        throw ConfigError(fmt::format("{}: model {}: {}", cfg_.path, model.name, ex.what()));
      }
      url = e.sim->base_url();
    } else if (model.launch) {
      e.launched = launch_model_engine(model, cfg_.path, &url);
    }
    ModelConfig m = model;
    m.concurrency = std::max(1, std::min(opts_.concurrency, m.concurrency));
    if (m.check_timeout_s > 0) {
      EndpointCheck check = check_endpoint(m, url, factory_);
      if (!check.ok) throw EndpointUnavailable(fmt::format("{}: endpoint check failed: {}", m.name, check.problem));
    }
    return factory_(m, url);
  };
  engine_ = start(model());
  if (live_reference_) reference_engine_ = start(*live_reference_);
  for (const ModelConfig* m : {model_, live_reference_}) {
    if (!m) continue;
    try {
      secrets_[m == model_ ? 0 : 1] = api_key_for(*m);
    } catch (const ConfigError&) {
      // No key configured: nothing to redact.
    }
  }

  VerifyOutcome out;
  out.id = fmt::format("verify-{}-{}", model().name, utc_now("%Y%m%dT%H%M%SZ"));
  for (int i = 2; store_.get_verify(out.id); ++i) out.id = fmt::format("verify-{}-{}-{}", model().name, utc_now("%Y%m%dT%H%M%SZ"), i);
  id_ = out.id;
  out.claim = card_.name;
  out.card_source = card_.source;
  nlohmann::json detail = {
      {"version", RIGOR_VERSION},
      {"config", cfg_.path},
      {"model", {{"name", model().name}, {"engine", model().engine}, {"model_id", model().model_id},
                 {"base_url", model().engine == "sim" ? "" : model().base_url}, {"dialect", model().dialect},
                 {"pricing", model().pricing.to_json()}}},
      {"card", card_.source},
      {"options", {{"alpha", opts_.alpha}, {"beta", opts_.beta}, {"tolerance", opts_.tolerance},
                   {"gap", opts_.gap}, {"max_samples", opts_.max_samples}, {"budget_usd", opts_.budget_usd},
                   {"budget_tokens", opts_.budget_tokens}, {"seed", opts_.seed}, {"suite", opts_.suite},
                   {"reference", opts_.reference}, {"reference_is_live", live_reference_ != nullptr}}}};
  VerifyRecord rec{out.id, model().name, card_.name, utc_now(), "", "", detail.dump()};
  store_.put_verify(rec);
  progress(fmt::format("against the claim {} ({}), stored as {}", card_.name, card_.source, out.id));

  const bool against_reference = reference_ || live_reference_;
  out.tests.push_back(tokenizer_test());
  if (out.tests.back().verdict == VerifyVerdict::kInconsistent) {
    VerifyTest skipped;
    skipped.name = against_reference ? "paired accuracy" : "accuracy";
    skipped.summary = "not needed: the tokenizer test decided";
    out.tests.push_back(skipped);
  } else if (!cancelled_ && !budget_spent_) {
    // Against a trusted reference when there is one: it sees what the card
    // cannot (a copy a few points weaker, reasoning longer, under the same protocol).
    if (against_reference) {
      for (auto& t : reference_tests()) out.tests.push_back(std::move(t));
    } else {
      out.tests.push_back(accuracy_test());
    }
  }
  bool any_consistent = false, any_undecided = false, any_inconsistent = false;
  for (const auto& t : out.tests) {
    any_consistent |= t.verdict == VerifyVerdict::kConsistent;
    any_undecided |= t.verdict == VerifyVerdict::kUndecided;
    any_inconsistent |= t.verdict == VerifyVerdict::kInconsistent;
  }
  out.verdict = any_inconsistent                     ? VerifyVerdict::kInconsistent
                : any_consistent && !any_undecided ? VerifyVerdict::kConsistent
                                                   : VerifyVerdict::kUndecided;
  out.requests = spend_.requests;
  out.tokens = spend_.tokens;
  out.cost_usd = spend_.usd;
  out.estimated = spend_.estimated;
  out.reference_requests = reference_spend_.requests;
  out.reference_tokens = reference_spend_.tokens;
  out.reference_cost_usd = reference_spend_.usd;
  out.budget_spent = budget_spent_;
  out.cancelled = cancelled_;
  out.next_step = out.verdict == VerifyVerdict::kUndecided ? next_step_ : "";
  if (out.verdict == VerifyVerdict::kUndecided && out.next_step.empty()) {
    out.next_step = cancelled_       ? "interrupted; run the same command again"
                    : budget_spent_ ? "the budget ran out; raise --budget-usd or --budget-tokens"
                                    : "no test could decide; give the card a suite this build can run";
  }
  detail["outcome"] = out.to_json();
  rec.finished_at = utc_now();
  rec.verdict = to_string(out.verdict);
  rec.detail_json = detail.dump();
  store_.put_verify(rec);
  return out;
}

}  // namespace

VerifyOutcome execute_verify(const Config& cfg, const VerifyOptions& opts, Store& store,
                             const std::atomic<bool>* cancel, EngineFactory factory) {
  if (!factory) factory = make_default_engine;
  return Verifier(cfg, opts, store, cancel, std::move(factory)).run();
}

std::string format_verify(const VerifyOutcome& out) {
  std::string s = fmt::format("rigor verify {} against the claim {} ({})\n", out.id, out.claim, out.card_source);
  for (const auto& t : out.tests) {
    s += fmt::format("  {:<19} {:<13} {}\n", t.name, to_string(t.verdict), t.summary);
    for (const auto& e : t.evidence) s += fmt::format("  {:<19} {:<13}   {}\n", "", "", e);
    if (t.verdict != VerifyVerdict::kNotRun && !t.error_rate.empty()) {
      s += fmt::format("  {:<19} {:<13}   false-accusation rate: {}\n", "", "", t.error_rate);
    }
    if (t.requests > 0) {
      s += fmt::format("  {:<19} {:<13}   spent {} requests, {} tokens, ${:.4f}\n", "", "", t.requests, t.tokens,
                       t.cost_usd);
    }
  }
  std::string verdict = out.verdict == VerifyVerdict::kConsistent     ? "CONSISTENT with the claim"
                        : out.verdict == VerifyVerdict::kInconsistent ? "INCONSISTENT with the claim"
                                                                      : "UNDECIDED within the budget";
  s += fmt::format("verdict: {} {} (spent {} requests, {} tokens, ${:.4f}{})\n", verdict, out.claim, out.requests,
                   out.tokens, out.cost_usd,
                   out.reference_requests > 0
                       ? fmt::format("; of which the reference {} requests, {} tokens, ${:.4f}", out.reference_requests,
                                     out.reference_tokens, out.reference_cost_usd)
                       : "");
  if (out.estimated > 0) {
    s += fmt::format("  ({} requests came back without usage: their tokens and cost are estimated from their text)\n",
                     out.estimated);
  }
  if (!out.next_step.empty()) s += fmt::format("next: {}\n", out.next_step);
  return s;
}

}  // namespace rigor
