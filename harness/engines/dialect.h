// Provider dialects of the OpenAI chat-completions API. The stream decoder
// already reads every dialect's replies (reasoning_content / reasoning,
// DeepSeek's prompt_cache_hit_tokens, llama.cpp's usage in the finish chunk,
// completion_tokens_details.reasoning_tokens); a dialect decides what the
// request looks like (chat_body.h) and which settings the provider refuses.
//
//   openai            plain chat completions (the default)
//   vllm, sglang      as plain; reasoning arrives in reasoning_content with a
//                     reasoning parser, inline <think> without one
//   llamacpp          llama-server: no role delta, usage + timings in the
//                     finish chunk; `n` > 1 is refused
//   ollama            Ollama's /v1 endpoint; `n` > 1 is refused
//   deepseek          reasoning_content; cache hits/misses priced as cached /
//                     uncached input
//   openrouter        `reasoning` field; usage accounting requested
//                     (usage.include); routing (`provider`) passed through extra
//   openai-reasoning  o-series / GPT-5: max_completion_tokens instead of
//                     max_tokens, no temperature/top_p, reasoning_effort via
//                     extra, reasoning_tokens in usage
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/completion.h"

namespace rigor {

enum class ProviderDialect { kOpenAI, kVllm, kSglang, kLlamaCpp, kOllama, kDeepSeek, kOpenRouter, kOpenAIReasoning };

std::optional<ProviderDialect> parse_dialect(std::string_view name);
const char* to_string(ProviderDialect d);
std::vector<std::string> dialect_names();

// What is wrong with a model's extra request fields under the dialect
// ("" = nothing): rigor sends one request per sample, so `n` must stay 1
// everywhere; keys the dialect replaces (max_tokens for openai-reasoning)
// must not be set by hand.
std::string check_dialect_extra(ProviderDialect d, const nlohmann::json& extra);


}  // namespace rigor
