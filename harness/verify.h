// rigor verify: is an endpoint the model it claims to be?
//
// Tests run cheapest first and stop as soon as one is decisive:
//   1. tokenizer: a few probe requests with max_tokens = 1; the slope of
//      usage.prompt_tokens over repetitions of a probe unit is that unit's
//      exact token count, compared with the fingerprint card of the claim's
//      tokenizer (suites/fingerprint.h). Deterministic: a genuine endpoint is
//      never called inconsistent by it, as long as its server reports the
//      tokenizer's own counts.
//   2. accuracy: problems of a suite on the claim's card, drawn uniformly with
//      replacement, one sample each at the card's protocol, fed in dispatch
//      order to Wald's SPRT of "accuracy >= card - tolerance" against
//      "accuracy <= card - tolerance - gap" (base/sprt.h): an endpoint as
//      accurate as its claim is called inconsistent with probability <= alpha.
//   2'. reference (instead of 2, with --reference): the same kind of draws,
//      each answered by the endpoint and by the reference: with --reference
//      RUN, one of the trusted run's stored samples of the problem (each used
//      once), at the run's sampling settings; with --reference MODEL, the live
//      trusted endpoint, sent the same prompt and seed at the card's protocol.
//      Five paired tests by betting at alpha/5 each (harness/verify_compare.h):
//      accuracy more than `tolerance` below the reference's, reasoning length,
//      answer length, truncation rate and extraction failures (a quantized or
//      routed copy keeps the tokenizer but not always its accuracy or lengths).
// Every request and its response is stored (Store::put_verify_request).
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/config.h"
#include "harness/engine_factory.h"
#include "store/store.h"
#include "suites/fingerprint.h"
#include "suites/model_card.h"

namespace rigor {

struct VerifyOptions {
  std::string model;            // the config's model to verify
  std::string claim;            // card name or alias
  std::string cards_dir;        // model cards; "" = bundled
  std::string suite;            // accuracy suite; "" = the first on the card this build can run
                                // (with a reference: the first of the reference run's suites)
  // "RUN" or "RUN:MODEL" in the same store: compare accuracy, lengths,
  // truncation and extraction failures with it instead of the card. Or the
  // name of another model of the config (a live trusted endpoint): compare
  // the tokenizer with it, and those with its answers to the same draws.
  std::string reference;
  double alpha = 0.01;          // false-accusation rate of the whole verify
  double beta = 0.05;           // accuracy test: miss rate against an endpoint `gap` below the bound
  double tolerance = 0.05;      // the claim's lower bound is the card's figure minus this
  double gap = 0.15;            // the weaker alternative the SPRT is tuned to reject
  int max_samples = 400;        // accuracy samples (against a reference: draws, one pair each) at most; then undecided
  double budget_usd = 0;        // stop before spending more; 0 = none
  int64_t budget_tokens = 0;    // stop before more tokens (prompt + completion); 0 = none
  uint64_t seed = 0;            // problem draws and request seeds
  int concurrency = 8;          // requests in flight (at most the model's own)
  bool progress = true;         // progress lines on stderr
  std::string exe;              // rigor executable for a `sim` child; "" = self
};

enum class VerifyVerdict { kConsistent, kInconsistent, kUndecided, kNotRun };
const char* to_string(VerifyVerdict v);

struct VerifyTest {
  std::string name;                    // "tokenizer" | "accuracy" | against a reference: "paired accuracy",
                                       // "reasoning length", "answer length", "truncation", "extraction failures"
  VerifyVerdict verdict = VerifyVerdict::kNotRun;
  std::string summary;                 // one line: what was found
  std::vector<std::string> evidence;   // the figures behind it
  std::string error_rate;              // the false-accusation rate it controls, in words
  int requests = 0;
  int64_t tokens = 0;
  double cost_usd = 0;
  nlohmann::json to_json() const;
};

struct VerifyOutcome {
  std::string id;
  VerifyVerdict verdict = VerifyVerdict::kUndecided;
  std::string claim;       // the card's name
  std::string card_source;
  std::vector<VerifyTest> tests;
  int requests = 0;
  int64_t tokens = 0;
  double cost_usd = 0;
  bool priced = true;      // every model sent to is priced per token; else cost_usd leaves the others out
  int estimated = 0;       // requests without usage: their tokens and $ are estimates
  // Of the spend above, the live reference's (--reference MODEL), at its pricing.
  int reference_requests = 0;
  int64_t reference_tokens = 0;
  double reference_cost_usd = 0;
  bool budget_spent = false;
  bool cancelled = false;
  std::string next_step;   // when undecided: what would decide it
  nlohmann::json to_json() const;
};

// --- the decisions, pure (tested on their own) ---

// One probe measurement: unit, repetitions, the prompt_tokens reported (-1 none).
struct ProbeReading {
  std::string unit;
  int k = 0;
  int64_t prompt_tokens = -1;
};

// The tokenizer test's verdict from its readings. `repeats` are readings of
// prompts already read once (sent again when a line was not exact): the same
// prompt counted two ways means two tokenizers behind one endpoint.
VerifyTest decide_tokenizer(const FingerprintCards& cards, const std::string& claimed_family,
                            const std::vector<ProbeReading>& readings, const std::vector<ProbeReading>& repeats);

// The tokenizer test against a live reference endpoint instead of a card:
// consistent when every unit's exact slope equals the reference's, for any
// tokenizer family. `repeats` as for decide_tokenizer (the endpoint's).
VerifyTest compare_tokenizers(const std::vector<ProbeReading>& endpoint, const std::vector<ProbeReading>& reference,
                              const std::vector<ProbeReading>& repeats, const std::string& reference_name);

// The lower bound of the claim on `result` and the SPRT's alternative, as
// fractions: card - tolerance, and that minus gap. Throws ConfigError when
// the bound leaves no room (bound <= gap, or >= 1).
std::pair<double, double> accuracy_hypotheses(const CardResult& result, const VerifyOptions& opts);

// --- the command ---

// Runs verify for opts.model of cfg against opts.claim. Throws ConfigError
// for an unknown model or claim, a card without a suite this build can run
// (and no tokenizer to test), bad options. A failed endpoint check throws
// EndpointUnavailable.
VerifyOutcome execute_verify(const Config& cfg, const VerifyOptions& opts, Store& store,
                             const std::atomic<bool>* cancel = nullptr, EngineFactory factory = nullptr);

class EndpointUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The outcome as text for the terminal (what each test found, the verdict,
// what was spent).
std::string format_verify(const VerifyOutcome& out);

}  // namespace rigor
