// The OpenAI chat-completions streaming wire format: decoding one chunk's
// JSON, and accumulating a stream of chunks into a Completion.
//
// Covered dialects: OpenAI, vLLM/SGLang (`reasoning_content` or `reasoning`,
// usage in a final chunk with empty `choices` when stream_options.include_usage
// is sent), llama.cpp (no role delta, usage and `timings` in the finish chunk),
// DeepSeek (`prompt_cache_hit_tokens`), and inline <think> tags in content.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <tl/expected.hpp>

#include "base/completion.h"
#include "base/think_split.h"

namespace rigor {

// What one `data:` payload said. Strings are reused between decodes to
// avoid allocating per chunk; call decode_chat_chunk with the same object.
struct ChatChunk {
  bool has_content = false;      // choices[0].delta.content was a string
  std::string content;
  bool has_reasoning = false;    // delta.reasoning_content (preferred) or delta.reasoning was a string
  std::string reasoning;
  std::string finish_reason;     // empty when null or absent
  std::string model;             // empty when absent
  bool has_usage = false;        // a non-null top-level "usage" object
  Usage usage;
  bool has_error = false;        // an "error" member, or {"object":"error",...}
  std::string error_message;
  std::string error_type;
  int error_status = 0;          // a numeric error "code" when it looks like an HTTP status

  void clear();
};

// Decodes one chunk without building a DOM: a small validating scanner that
// extracts the fields above, skips unknown members in any order, and decodes
// all JSON string escapes (\uXXXX with surrogate pairs to UTF-8). On
// malformed JSON returns a message naming the byte offset.
tl::expected<void, std::string> decode_chat_chunk(std::string_view json, ChatChunk& out);

// Accumulates one streamed attempt into a Completion. Times are seconds since
// the request was handed to the transport. Not thread-safe.
class ChatStream {
 public:
  // Handles one SSE data payload that arrived at t_s. Returns an error for a
  // malformed chunk or an error object in the stream; the stream should then
  // be abandoned.
  tl::expected<void, Error> on_data(std::string_view data, double t_s);

  // True once "[DONE]" arrived.
  bool done() const { return done_; }
  // True once any chunk carried a finish_reason.
  bool finished() const { return !finish_reason_.empty(); }
  // True once any generated text (reasoning included) arrived.
  bool started() const { return !times_.empty(); }

  // Builds the Completion when the stream ended at total_s. A stream without
  // a finish_reason and without "[DONE]" is kIncomplete: it is never
  // returned as a complete answer.
  CompletionResult finish(double total_s);

 private:
  struct Arrival {
    double t_s;
    bool reasoning_field;  // carried reasoning in its own field
    int64_t piece = -1;    // index in splitter_.pieces() of its content, if any
  };

  void add_arrival(double t_s, bool reasoning_field, int64_t piece);

  ChatChunk chunk_;
  ThinkSplitter splitter_;
  std::string field_reasoning_;  // reasoning from reasoning_content / reasoning
  std::string finish_reason_;
  std::string model_;
  Usage usage_;
  bool done_ = false;
  std::vector<Arrival> times_;
};

}  // namespace rigor
