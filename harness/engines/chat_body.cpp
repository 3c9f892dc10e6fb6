#include "harness/engines/chat_body.h"

#include <utility>

namespace rigor {

nlohmann::json chat_request_body(const CompletionRequest& request, ProviderDialect dialect, bool include_usage) {
  nlohmann::json messages = nlohmann::json::array();
  for (const Message& m : request.messages) messages.push_back({{"role", m.role}, {"content", m.content}});
  nlohmann::json body = {{"model", request.model}, {"messages", std::move(messages)}, {"stream", true}};
  switch (dialect) {
    case ProviderDialect::kOpenAIReasoning:
      // Reasoning models reject max_tokens and any non-default sampling.
      body["max_completion_tokens"] = request.max_tokens;
      break;
    case ProviderDialect::kOpenRouter:
      // OpenRouter reports cost and cached tokens only when asked.
      body["usage"] = {{"include", true}};
      [[fallthrough]];
    case ProviderDialect::kOpenAI:
    case ProviderDialect::kVllm:
    case ProviderDialect::kSglang:
    case ProviderDialect::kLlamaCpp:
    case ProviderDialect::kOllama:
    case ProviderDialect::kDeepSeek:
      body["max_tokens"] = request.max_tokens;
      body["temperature"] = request.temperature;
      body["top_p"] = request.top_p;
      break;
  }
  if (request.seed) body["seed"] = *request.seed;
  if (include_usage) body["stream_options"] = {{"include_usage", true}};
  if (!request.extra.is_null()) body.merge_patch(request.extra);
  return body;
}

}  // namespace rigor
