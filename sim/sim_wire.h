// The simulator's wire format: parsing an OpenAI-style chat request and
// rendering vLLM- or llama.cpp-shaped responses. Per-chunk rendering is
// string concatenation over fragments rendered once per response (no JSON DOM
// per chunk): the simulator must outrun the clients it benchmarks.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <tl/expected.hpp>

#include "sim/sim_generate.h"
#include "sim/sim_profile.h"

namespace rigor::sim {

// A parsed POST /v1/chat/completions body.
struct ChatRequest {
  std::string model;
  std::string prompt;                 // content of the last user message
  int64_t prompt_tokens = 0;          // words in every message
  bool stream = false;
  bool include_usage = false;         // stream_options.include_usage
  std::optional<int64_t> max_tokens;  // max_tokens or max_completion_tokens
  uint64_t seed = 0;                  // absent: 0
  int64_t n = 1;
};

struct HttpError {
  int status = 400;
  std::string type;     // OpenAI error type, e.g. "invalid_request_error"
  std::string message;  // says what is wrong and where
  std::string code;     // OpenAI error code, may be empty
};

// Parses and validates a request body: 400 for bad JSON or a field of the
// wrong type/range, naming the field. The common shape is read by the
// allocation-light simple parser; everything else by the document parser.
tl::expected<ChatRequest, HttpError> parse_chat_request(std::string_view body);

// The two halves, exposed for tests: the simple parser returns nullopt for
// anything it does not handle (it never rejects), and whenever it returns a
// request, the document parser returns the same one.
std::optional<ChatRequest> parse_simple_chat_request(std::string_view body);
tl::expected<ChatRequest, HttpError> parse_chat_request_document(std::string_view body);

// {"error":{"message":..,"type":..,"param":null,"code":..}}
std::string error_body(const HttpError& e);

// Renders one streamed response's SSE events ("data: ...\n\n").
class ChunkRenderer {
 public:
  ChunkRenderer(const SimProfile& profile, std::string_view id, int64_t created);

  // vLLM's first event: the assistant role with empty content. Empty string for llama.cpp.
  std::string role_event() const;
  // One content or reasoning chunk; `malformed` truncates its JSON.
  void append_chunk(std::string& out, const SimChunk& chunk, bool malformed = false) const;
  // The finish event(s) for `script`, usage per the dialect, then "data: [DONE]".
  // `gen_ms` is the simulated generation time reported in llama.cpp timings.
  std::string finish_events(const SimScript& script, bool include_usage, double prompt_ms, double gen_ms) const;

 private:
  const SimProfile& profile_;
  std::string head_;            // up to and including "delta":
  std::string tail_;            // after the delta object, through "\n\n"
  std::string content_open_;    // {"content":"
  std::string reasoning_open_;  // {"reasoning_content":"  or {"reasoning":"
  std::string meta_;            // "id":..,"object":..,"created":..,"model":..
};

// A non-streamed response body (object "chat.completion").
std::string completion_body(const SimProfile& profile, std::string_view id, int64_t created,
                            const SimScript& script);

// GET /v1/models: every profile, marked simulated, with its label.
std::string models_body(const std::vector<const SimProfile*>& profiles, int64_t created);

}  // namespace rigor::sim
