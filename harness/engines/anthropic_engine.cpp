#include "harness/engines/anthropic_engine.h"

#include <strings.h>

#include "harness/engines/anthropic_stream.h"

namespace rigor {

nlohmann::json anthropic_request_body(const CompletionRequest& request, int thinking_budget) {
  std::string system;
  nlohmann::json messages = nlohmann::json::array();
  for (const Message& m : request.messages) {
    // The Messages API takes the system prompt as a top-level field.
    if (m.role == "system") {
      system += (system.empty() ? "" : "\n\n") + m.content;
    } else {
      messages.push_back({{"role", m.role}, {"content", m.content}});
    }
  }
  nlohmann::json body = {
      {"model", request.model},
      {"max_tokens", request.max_tokens},
      {"stream", true},
      {"messages", std::move(messages)},
  };
  if (!system.empty()) body["system"] = system;
  if (thinking_budget > 0) {
    body["thinking"] = {{"type", "enabled"}, {"budget_tokens", thinking_budget}};
  } else {
    body["temperature"] = request.temperature;
  }
  if (!request.extra.is_null()) body.merge_patch(request.extra);
  return body;
}

OpenAIEngineOptions anthropic_engine_options(OpenAIEngineOptions o, int thinking_budget) {
  o.path = "/messages";
  o.api_key_header = "x-api-key";
  bool has_version = false;
  for (const auto& h : o.headers) has_version |= strncasecmp(h.c_str(), "anthropic-version:", 18) == 0;
  if (!has_version) o.headers.push_back(std::string("anthropic-version: ") + kAnthropicVersion);
  o.include_usage = false;
  o.make_body = [thinking_budget](const CompletionRequest& r) { return anthropic_request_body(r, thinking_budget); };
  o.make_decoder = [] { return std::make_unique<AnthropicStream>(); };
  return o;
}

std::unique_ptr<Engine> make_anthropic_engine(OpenAIEngineOptions base, int thinking_budget) {
  return std::make_unique<OpenAIEngine>(anthropic_engine_options(std::move(base), thinking_budget));
}

}  // namespace rigor
