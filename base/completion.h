// rigor's own request and response types. Every engine translates between its
// provider's wire format and these; nothing outside harness/engines/ and
// sim/ ever sees a provider's JSON.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>
#include <tl/expected.hpp>

namespace rigor {

struct Message {
  std::string role;     // "system", "user" or "assistant"
  std::string content;  // plain text
};

struct CompletionRequest {
  std::string model;               // model id as the server knows it
  std::vector<Message> messages;   // the conversation, usually one user turn
  double temperature = 0.6;        // DeepSeek-R1 protocol default
  double top_p = 0.95;             // DeepSeek-R1 protocol default
  int max_tokens = 32768;          // output budget, reasoning included
  std::optional<uint64_t> seed;    // per-sample seed; the simulator is a pure function of it
  nlohmann::json extra = nlohmann::json::object();  // extra body fields from config, merged last
};

// Token counts as the server reported them; -1 means the server did not say.
struct Usage {
  int64_t prompt_tokens = -1;      // all input tokens, cached included
  int64_t cached_tokens = -1;      // input tokens served from the provider's cache
  int64_t completion_tokens = -1;  // all output tokens, reasoning included
  int64_t reasoning_tokens = -1;   // output tokens spent on reasoning
  int64_t cache_write_tokens = -1; // input tokens written to the provider's cache (Anthropic), part of prompt_tokens
};

// Arrival time of one streamed chunk that carried generated text.
struct ChunkTime {
  double t_s = 0;          // seconds since the request was sent
  bool reasoning = false;  // the chunk carried reasoning, not answer text
};

struct Completion {
  std::string text;                 // the answer part only (reasoning removed)
  std::string reasoning;            // reasoning_content / reasoning / <think> body
  bool reasoning_unclosed = false;  // "<think>" never closed: the answer was never reached
  std::string finish_reason;        // "stop", "length", ... as the server said
  Usage usage;
  std::string server_model;         // the "model" field the server answered with
  double ttft_s = -1;               // request sent -> first generated token (reasoning included)
  double ttfat_s = -1;              // request sent -> first answer token; -1 if none
  double last_token_s = -1;         // request sent -> last generated token
  double total_s = -1;              // request sent -> stream finished
  std::vector<ChunkTime> chunks;    // one entry per content-bearing chunk
  int attempts = 1;                 // HTTP attempts made, retries included
  double retry_wait_s = 0;          // time spent in backoff between attempts
  double limit_wait_s = 0;          // time held back by rate limits: client budgets + backoff after 429s
};

enum class ErrorCode {
  kTimeout,         // connect, idle-stream or total timeout
  kRateLimited,     // HTTP 429
  kServer,          // HTTP 5xx or 408
  kInvalidRequest,  // HTTP 4xx other than 401/403/408/429
  kAuth,            // HTTP 401/403
  kParse,           // malformed response body or event
  kTransport,       // connection refused/reset, DNS, TLS
  kIncomplete,      // stream ended without a finish_reason / [DONE]
  kCancelled,       // the run was stopped
};

const char* to_string(ErrorCode code);
// The code to_string names `name`; nullopt for any other text.
std::optional<ErrorCode> error_code_named(std::string_view name);

struct Error {
  ErrorCode code = ErrorCode::kTransport;
  std::string message;       // human-readable, never contains an API key
  int http_status = 0;       // 0 when there was no HTTP response
  double retry_after_s = -1; // from Retry-After, -1 when absent
  int attempts = -1;         // requests made before giving up; -1 when the engine did not say
};

using CompletionResult = tl::expected<Completion, Error>;

}  // namespace rigor
