// An Engine for OpenAI-compatible chat-completions servers (vLLM, SGLang,
// llama.cpp's llama-server, Ollama, DeepSeek, OpenAI, OpenRouter), streaming.
//
// One request per sample: `n` is never sent. That is why llama.cpp's refusal
// of n > 1 does not matter, and why every sample can carry its own seed.
//
// run() drives all transfers from the calling thread through one libcurl
// multi handle (no thread per request); connections are kept alive and
// reused. Each response is parsed as it arrives (SSE, then the chunk JSON),
// with per-chunk arrival times on the steady clock, t = 0 being the moment
// the (successful) attempt is handed to curl. Failed attempts are retried
// inside run() per options.retry, honouring Retry-After; the backoff waits
// are scheduled, never slept, so other transfers keep flowing.
//
// Error codes: kTimeout (connect, idle gap between bytes, or total),
// kRateLimited (429), kServer (5xx/408 or an error object in the stream
// without a status), kInvalidRequest (other 4xx), kAuth (401/403), kParse
// (a malformed chunk, or a 2xx reply that is not an event stream),
// kTransport (connection refused/reset, DNS, TLS), kIncomplete (the stream
// ended without a finish_reason and without [DONE]: never a complete
// answer), kCancelled. The API key is sent only as "Authorization: Bearer"
// and scrubbed from every error message.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>
#include <tl/expected.hpp>

#include "base/completion.h"
#include "harness/engine.h"
#include "harness/engines/dialect.h"
#include "harness/rate_limit.h"
#include "base/retry.h"

namespace rigor {

// Decodes one streamed attempt of a non-OpenAI wire format (Anthropic's
// Messages API). Sees every SSE event, named ones included; one per attempt.
class StreamDecoder {
 public:
  virtual ~StreamDecoder() = default;
  // An error stops the attempt (and is retried per the policy).
  virtual tl::expected<void, Error> on_event(std::string_view type, std::string_view data, double t_s) = 0;
  // The stream ended at total_s; an unfinished stream is kIncomplete.
  virtual CompletionResult finish(double total_s) = 0;
};

struct OpenAIEngineOptions {
  std::string base_url;          // e.g. http://127.0.0.1:8000/v1; requests go to base_url + "/chat/completions"
  std::string api_key;           // resolved by the caller from the environment; empty sends no Authorization
  int concurrency = 8;           // requests in flight at most (backoff waits included)
  double connect_timeout_s = 10; // TCP (+TLS) connect
  double idle_timeout_s = 120;   // max gap between bytes of a response
  double total_timeout_s = 3600; // whole attempt, from hand-off to the last byte
  RetryPolicy retry;
  std::vector<std::string> headers;  // extra "Name: value" request headers
  bool include_usage = true;     // sends stream_options.include_usage
  // Extension points for dialects and other wire formats (all optional).
  std::string path = "/chat/completions";  // appended to base_url
  std::string api_key_header;    // "" = "Authorization: Bearer <key>"; else "<name>: <key>" (e.g. x-api-key)
  ProviderDialect dialect = ProviderDialect::kOpenAI;  // shapes the body (chat_body.h)
  std::function<nlohmann::json(const CompletionRequest&)> make_body;  // another wire format's body; null = chat_request_body()
  std::function<std::unique_ptr<StreamDecoder>()> make_decoder;       // null = the OpenAI chat stream
  // Client-side RPM/TPM budgets and adaptive concurrency; null = none. Time
  // a request waits for it lands in Completion::limit_wait_s.
  std::shared_ptr<RateLimiter> limiter;
};

class OpenAIEngine : public Engine {
 public:
  // Throws std::invalid_argument when options are unusable (empty base_url,
  // concurrency < 1, non-positive timeouts, max_attempts < 1).
  explicit OpenAIEngine(OpenAIEngineOptions options);
  ~OpenAIEngine() override;
  OpenAIEngine(const OpenAIEngine&) = delete;
  OpenAIEngine& operator=(const OpenAIEngine&) = delete;

  void run(const NextJob& next, const OnResult& on_result,
           const std::atomic<bool>* cancel = nullptr) override;

  const OpenAIEngineOptions& options() const { return options_; }

 private:
  OpenAIEngineOptions options_;
};

// A blocking GET of a JSON document (e.g. base_url + "/models", a health
// URL). Sends the key as a Bearer token when non-empty. Errors as above;
// a non-JSON body is kParse.
tl::expected<nlohmann::json, Error> get_json(const std::string& url, const std::string& api_key,
                                             double timeout_s);

}  // namespace rigor
