// The Anthropic Messages API engine: POST base_url + "/messages", streamed,
// over the same curl-multi transfer loop, retries and rate limiter as the
// OpenAI engine (only the body, the headers and the stream decoder differ).
//
// Headers: "x-api-key: <key>" and "anthropic-version". The body: model,
// max_tokens, stream, system (from system messages), messages; temperature
// only without thinking (the API refuses it with thinking on); extended
// thinking as {"thinking":{"type":"enabled","budget_tokens":N}} when
// thinking_budget > 0; no seed (the API has none); request.extra merged last.
#pragma once

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "harness/engines/openai_engine.h"

namespace rigor {

inline constexpr const char* kAnthropicVersion = "2023-06-01";
inline constexpr int kAnthropicMinThinkingBudget = 1024;  // the API's floor

// The request body for one job. thinking_budget 0 = thinking off.
nlohmann::json anthropic_request_body(const CompletionRequest& request, int thinking_budget);

// Turns options (base_url, key, concurrency, timeouts, retry, headers,
// limiter) into Anthropic ones: path, auth header, version header, body and
// decoder.
OpenAIEngineOptions anthropic_engine_options(OpenAIEngineOptions base, int thinking_budget);

std::unique_ptr<Engine> make_anthropic_engine(OpenAIEngineOptions base, int thinking_budget);

}  // namespace rigor
