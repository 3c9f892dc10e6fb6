// The pure part of the simulator: what a simulated model answers. A response
// is a function of (profile, server seed, prompt, request seed, max_tokens)
// only, never of arrival order or concurrency; faults additionally depend on
// the attempt number. No I/O, no clocks; safe to call from any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/sim_index.h"
#include "sim/sim_profile.h"
#include "suites/fingerprint.h"

namespace rigor {

// One streamed chunk's text. Tokens are words: one word (with the space or
// newline before it) is one token, so usage counts equal what was streamed.
struct SimChunk {
  std::string text;
  bool reasoning = false;  // goes in the reasoning field; never set with think_tags,
                           // where "<think>...</think>" is part of the content
  int tokens = 0;          // tokens in this chunk
};

struct SimScript {
  std::vector<SimChunk> chunks;    // in stream order; empty only when max_tokens is 0
  int64_t prompt_tokens = 0;       // words in all request messages
  int64_t completion_tokens = 0;   // tokens in chunks (the sum of SimChunk::tokens)
  int64_t reasoning_tokens = 0;    // of which reasoning; with think_tags the two tags count as reasoning
  std::string finish_reason;       // "stop", or "length" when cut at max_tokens
  // Provenance for tests and logs; never sent to the client.
  const SimProblem* problem = nullptr;  // nullptr: the prompt is not a known problem
  bool correct = false;     // the planned answer equals the gold (before any truncation)
  bool answered = true;     // the planned answer part has a \boxed{} answer
  std::string answer;       // what goes in \boxed{}, empty when not answered
  bool probe = false;       // the prompt is a fingerprint probe, counted as the profile's tokenizer does
  std::string answered_by;  // the profile that generated it: the router's route target when routed
};

// One profile made ready to answer: the profile plus each suite's ability,
// solved once so that the mean P(correct) over the suite hits the target.
class SimModel {
 public:
  // `index` may be empty; it must outlive the model. A router profile
  // (route_to set) needs `route_target`, the model of profile route_to.
  // Throws std::invalid_argument if the profile cannot be calibrated (never,
  // for a validated profile), if a router has no target or the wrong one, or
  // if the profile's tokenizer is not on the fingerprint cards; SuiteError if
  // the cards cannot be read.
  SimModel(SimProfile profile, std::shared_ptr<const SimIndex> index, uint64_t server_seed = 0,
           std::shared_ptr<const SimModel> route_target = nullptr);

  // The response to `prompt` (the last user message); prompt_tokens is what
  // usage reports (the word count of every message). A fingerprint probe
  // prompt (suites/fingerprint.h) to a profile with a tokenizer reports
  // instead the other messages' words + kSimTemplateTokens + the words of the
  // probe's lead and tail + k × the unit's count on that family's card.
  // A router hands route_fraction of requests, chosen by (server seed, prompt,
  // seed), to its target. max_tokens: nullopt = no limit.
  SimScript generate(std::string_view prompt, int64_t prompt_tokens, uint64_t seed,
                     std::optional<int64_t> max_tokens) const;
  // Same, with prompt_tokens counted from `prompt` alone.
  SimScript generate(std::string_view prompt, uint64_t seed, std::optional<int64_t> max_tokens) const;

  // P(correct) for a problem: logistic(slope * (ability(suite) - difficulty)) * (1 - no_answer_prob).
  double p_correct(const SimProblem& p) const;
  double ability(const std::string& suite) const;
  const SimProfile& profile() const { return profile_; }
  const SimIndex& index() const { return *index_; }

 private:
  SimProfile profile_;
  std::shared_ptr<const SimIndex> index_;
  uint64_t server_seed_;
  uint64_t profile_key_;
  std::vector<std::pair<std::string, double>> abilities_;  // per indexed suite
  const TokenizerCard* tokenizer_ = nullptr;             // on bundled_fingerprint_cards(), or nullptr
  std::shared_ptr<const SimModel> route_target_;
};

// The simulated chat template's cost in prompt tokens of a probe prompt.
inline constexpr int64_t kSimTemplateTokens = 7;

// Counts whitespace-separated words: the simulator's notion of tokens.
int64_t count_words(std::string_view text);

// The mean target accuracy is reachable only up to 1 - no_answer_prob; the
// solved ability is clamped to [-kMaxAbility, kMaxAbility].
inline constexpr double kMaxAbility = 60;

enum class FaultKind { kNone, k429, k500, kCut, kStall, kMalformed };
const char* to_string(FaultKind k);

struct SimFault {
  FaultKind kind = FaultKind::kNone;
  size_t at_chunk = 0;  // cut/stall/malformed: before which content chunk (< chunk count)
};

// The fault (if any) for attempt `attempt` (0-based) of this request.
SimFault decide_fault(const SimProfile& profile, uint64_t server_seed, std::string_view prompt, uint64_t seed,
                      int attempt, size_t n_chunks);

// The key under which attempts of the same request are counted.
uint64_t request_key(const SimProfile& profile, uint64_t server_seed, std::string_view prompt, uint64_t seed);

}  // namespace rigor
