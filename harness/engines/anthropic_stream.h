// Anthropic's Messages API streaming format: accumulating the named events
// of one attempt (message_start, content_block_start/delta/stop,
// message_delta, message_stop, ping, error) into a Completion.
//
// thinking_delta text becomes Completion::reasoning, text_delta the answer;
// signature_delta and redacted_thinking blocks carry no text and are dropped.
// stop_reason maps onto rigor's finish reasons: end_turn and stop_sequence
// -> "stop", max_tokens -> "length", anything else is kept as sent.
// Usage: prompt_tokens = input_tokens + cache_read_input_tokens +
// cache_creation_input_tokens (Anthropic's input_tokens excludes both),
// cached_tokens = cache reads, cache_write_tokens = cache creation,
// completion_tokens = output_tokens (thinking included); message_delta's
// cumulative counts override message_start's.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/completion.h"
#include "harness/engines/openai_engine.h"

namespace rigor {

class AnthropicStream : public StreamDecoder {
 public:
  // An `error` event, a malformed event or an unknown delta type is an
  // error: kRateLimited for rate_limit_error, kServer for overloaded_error
  // and api_error (retried), kInvalidRequest for the rest.
  tl::expected<void, Error> on_event(std::string_view type, std::string_view data, double t_s) override;
  // Without message_stop (or at least a stop_reason) the stream is kIncomplete.
  CompletionResult finish(double total_s) override;

 private:
  std::string text_;
  std::string reasoning_;
  std::string stop_reason_;
  std::string model_;
  bool stopped_ = false;
  int64_t input_ = -1, cache_read_ = -1, cache_write_ = -1, output_ = -1;
  std::vector<ChunkTime> chunks_;
};

}  // namespace rigor
