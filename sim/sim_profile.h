// Simulator profiles: what one simulated model looks like on the wire and in
// its answers. Loaded from TOML (see configs/sim_profiles.toml, where every
// key is documented).
#pragma once

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>

namespace rigor {

// A malformed profile file. The message names the file, line and key path
// ("profiles.flaky.faults.rate_429"), so it is fatal and shown to the user as is.
class SimProfileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Where the reasoning text goes in the response.
enum class ReasoningDelivery {
  kReasoningContent,  // delta.reasoning_content (vLLM reasoning parser, DeepSeek API)
  kReasoning,         // delta.reasoning (OpenRouter, newer vLLM)
  kThinkTags,         // inline "<think>...</think>" at the start of content
};

// Which server's streaming quirks to imitate.
enum class Dialect {
  kVllm,      // role delta first; usage in a final chunk with empty choices
              // when stream_options.include_usage; n > 1 rejected with 400
  kLlamaCpp,  // no role delta; usage + "timings" in the chunk carrying
              // finish_reason; n > 1 answered with HTTP 500
};

// What the response says about token counts.
enum class UsageReport {
  kExact,      // usage as counted (words, or the tokenizer's counts for probes)
  kEstimated,  // prompt_tokens estimated as a proxy might: ceil(characters / 4) per message
  kNone,       // no usage at all, whatever the client asks
};

// A clipped lognormal length distribution, in tokens (= words).
struct LengthDist {
  double mean = 0;  // mean of the unclipped lognormal, > 0
  double sd = 0;    // standard deviation of the unclipped lognormal, >= 0
  int64_t min = 1;  // clip bounds, 1 <= min <= max
  int64_t max = 1;
};

// Fault probabilities per attempt. Their sum must be <= 1; at most one fault
// hits an attempt. Faults hit only attempts 0 .. fault_attempts-1 of a given
// (model, prompt, seed), so a client that retries eventually succeeds.
struct SimFaults {
  double rate_429 = 0;        // HTTP 429 with Retry-After: retry_after_s
  int64_t retry_after_s = 1;  // seconds, in the Retry-After header (not scaled)
  double rate_500 = 0;        // HTTP 500 with an error body
  double rate_cut = 0;        // stream closed mid-way, without finish or [DONE]
  double rate_stall = 0;      // no bytes for stall_s seconds mid-stream, then it goes on
  double stall_s = 5;         // real seconds (not scaled: it must outlast client idle timeouts)
  double rate_malformed = 0;  // one chunk's JSON is broken
  int64_t fault_attempts = 1; // attempts per request seed that faults may hit
  bool any() const { return rate_429 + rate_500 + rate_cut + rate_stall + rate_malformed > 0; }
};

struct SimProfile {
  std::string name;   // the model id clients ask for; the response "model" field
  std::string label;  // human description; must contain "simulated"
  Dialect dialect = Dialect::kVllm;
  ReasoningDelivery reasoning = ReasoningDelivery::kReasoningContent;
  std::map<std::string, double> accuracy;  // suite name -> target mean accuracy in [0,1]
  double accuracy_default = 0.5;           // for suites not listed in accuracy
  double difficulty_slope = 8;             // logistic slope on (ability - difficulty)
  double no_answer_prob = 0;               // answer without any \boxed{} answer
  double equivalent_form_prob = 0;         // correct answer written in an equivalent form
  LengthDist reasoning_tokens;             // reasoning length
  LengthDist answer_tokens;                // answer-part length
  double ttft_ms = 0;                      // request -> first generated token
  double tokens_per_s = 1;                 // decode speed
  int64_t tokens_per_chunk = 1;            // tokens per streamed chunk
  double time_scale = 1;                   // multiplies ttft and decode delays; 0 = no delay
  SimFaults faults;
  int64_t rpm_limit = 0;                   // requests per sliding minute, 0 = unlimited (real time)
  double rpm_window_s = 60;                // the sliding window rpm_limit counts over (tests shorten it)
  // Tokenizer family on the fingerprint cards (suites/cards/tokenizers/) whose
  // counts a probe prompt's usage.prompt_tokens follows; empty = words, as
  // for every other prompt.
  std::string tokenizer;
  // A router: this fraction of requests (chosen per request, deterministically)
  // is answered by profile route_to instead; empty = no routing.
  std::string route_to;
  double route_fraction = 0;
  UsageReport usage = UsageReport::kExact;
  // Each streamed chunk's text is " @N": N the nanoseconds from the moment
  // the simulator parsed the request (and sent the headers) to the moment it
  // wrote this chunk. Timing tests measure a client against these instead of
  // the nominal delays, which the simulator's own timer wake-ups miss by
  // up to milliseconds on a busy machine. The answer is then not gradable.
  bool stamp_chunks = false;
};

// Loads every profile in a TOML file: tables [profiles.NAME]. A profile may
// say base = "OTHER" to start from another profile's keys (deep-merged).
// Throws SimProfileError on an unreadable file, TOML syntax error, unknown
// key, wrong type, missing required key or out-of-range value.
std::map<std::string, SimProfile> load_sim_profiles(const std::string& path);

// The same, from text; `source_name` is used in error messages.
std::map<std::string, SimProfile> parse_sim_profiles(const std::string& text,
                                                     const std::string& source_name);

const char* to_string(Dialect d);
const char* to_string(ReasoningDelivery r);
const char* to_string(UsageReport u);

}  // namespace rigor
