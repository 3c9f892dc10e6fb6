#include "harness/engines/dialect.h"

#include <fmt/format.h>

#include <array>
#include <utility>


namespace rigor {
namespace {

constexpr std::array<std::pair<ProviderDialect, const char*>, 8> kNames = {{
    {ProviderDialect::kOpenAI, "openai"},
    {ProviderDialect::kVllm, "vllm"},
    {ProviderDialect::kSglang, "sglang"},
    {ProviderDialect::kLlamaCpp, "llamacpp"},
    {ProviderDialect::kOllama, "ollama"},
    {ProviderDialect::kDeepSeek, "deepseek"},
    {ProviderDialect::kOpenRouter, "openrouter"},
    {ProviderDialect::kOpenAIReasoning, "openai-reasoning"},
}};

}  // namespace

std::optional<ProviderDialect> parse_dialect(std::string_view name) {
  for (const auto& [d, n] : kNames) {
    if (name == n) return d;
  }
  return std::nullopt;
}

const char* to_string(ProviderDialect d) {
  for (const auto& [x, n] : kNames) {
    if (x == d) return n;
  }
  return "?";
}

std::vector<std::string> dialect_names() {
  std::vector<std::string> out;
  for (const auto& [d, n] : kNames) out.emplace_back(n);
  return out;
}

std::string check_dialect_extra(ProviderDialect d, const nlohmann::json& extra) {
  if (!extra.is_object()) return "";
  if (extra.contains("n") && !(extra["n"].is_number_integer() && extra["n"].get<int64_t>() == 1)) {
    // Every sample is its own request with its own seed; a second choice would be dropped.
    return d == ProviderDialect::kLlamaCpp || d == ProviderDialect::kOllama
               ? fmt::format("n: {} refuses n > 1, and rigor sends one request per sample anyway", to_string(d))
               : "n: rigor sends one request per sample (set run.n instead)";
  }
  if (extra.contains("stream") && extra["stream"] != true) return "stream: rigor always streams";
  if (d == ProviderDialect::kOpenAIReasoning && extra.contains("max_tokens")) {
    return "max_tokens: dialect openai-reasoning sends sampling.max_tokens as max_completion_tokens";
  }
  return "";
}

}  // namespace rigor
