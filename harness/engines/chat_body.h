// The request body of an OpenAI-compatible chat completion, for `rigor run`
// and `rigor perf` alike: one writer, so both send what the model's dialect
// asks for.
#pragma once

#include <nlohmann/json.hpp>

#include "base/completion.h"
#include "harness/engines/dialect.h"

namespace rigor {

// model, messages, stream, sampling, seed and stream_options, rewritten for
// the dialect (openai-reasoning: max_completion_tokens, no temperature or
// top_p; openrouter: usage accounting requested), then request.extra merged
// last (RFC 7386: it may override anything, null deletes).
nlohmann::json chat_request_body(const CompletionRequest& request, ProviderDialect dialect, bool include_usage);

}  // namespace rigor
