// The one request body writer, for run and perf: what each dialect sends.
#include "harness/engines/chat_body.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "perf/perf_bodies.h"

namespace rigor {
namespace {

using Json = nlohmann::json;

CompletionRequest make(const std::string& content) {
  CompletionRequest r;
  r.model = "deepseek-ai/DeepSeek-R1";
  r.messages = {{"system", "be brief"}, {"user", content}};
  r.temperature = 0.6;
  r.top_p = 0.95;
  r.seed = 1234567890123ULL;
  r.max_tokens = 32768;
  return r;
}

TEST(ChatRequestBody, PlainDialectsSendSamplingSeedAndUsage) {
  for (ProviderDialect d : {ProviderDialect::kOpenAI, ProviderDialect::kVllm, ProviderDialect::kSglang,
                            ProviderDialect::kLlamaCpp, ProviderDialect::kOllama, ProviderDialect::kDeepSeek}) {
    SCOPED_TRACE(to_string(d));
    const Json b = chat_request_body(make("q \" \\ \n"), d, true);
    EXPECT_EQ(b, Json::parse(R"({"model":"deepseek-ai/DeepSeek-R1","stream":true,
      "messages":[{"role":"system","content":"be brief"},{"role":"user","content":"q \" \\ \n"}],
      "max_tokens":32768,"temperature":0.6,"top_p":0.95,"seed":1234567890123,
      "stream_options":{"include_usage":true}})"));
  }
  CompletionRequest r = make("q");
  r.seed.reset();
  const Json b = chat_request_body(r, ProviderDialect::kOpenAI, false);
  EXPECT_FALSE(b.contains("seed"));
  EXPECT_FALSE(b.contains("stream_options"));
}

TEST(ChatRequestBody, OpenAIReasoningSendsMaxCompletionTokensAndNoSampling) {
  const Json b = chat_request_body(make("q"), ProviderDialect::kOpenAIReasoning, true);
  EXPECT_EQ(b["max_completion_tokens"], 32768);
  for (const char* refused : {"max_tokens", "temperature", "top_p"}) EXPECT_FALSE(b.contains(refused)) << refused;
  EXPECT_EQ(b["seed"], 1234567890123ULL);
}

TEST(ChatRequestBody, OpenRouterAsksForUsageAccounting) {
  const Json b = chat_request_body(make("q"), ProviderDialect::kOpenRouter, true);
  EXPECT_EQ(b["usage"], Json({{"include", true}}));
  EXPECT_EQ(b["max_tokens"], 32768);
}

TEST(ChatRequestBody, ExtrasAreMergedLastAndNullDeletes) {
  CompletionRequest r = make("q");
  r.extra = {{"reasoning_effort", "high"}, {"seed", nullptr}, {"stream_options", {{"continuous_usage_stats", true}}}};
  const Json b = chat_request_body(r, ProviderDialect::kOpenAIReasoning, true);
  EXPECT_EQ(b["reasoning_effort"], "high");
  EXPECT_FALSE(b.contains("seed"));
  EXPECT_EQ(b["stream_options"], Json({{"include_usage", true}, {"continuous_usage_stats", true}}));
}

TEST(ChatRequestBody, InvalidUtf8IsRefusedWhenWritten) {
  for (const char* bad : {"\xc3", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xff", "ok \xe2\x82"}) {
    EXPECT_THROW(chat_request_body(make(std::string("bad ") + bad), ProviderDialect::kOpenAI, true).dump(),
                 nlohmann::json::exception);
  }
}

// rigor perf wrote its bodies without the dialect: an openai-reasoning
// model was sent max_tokens and temperature, which such models refuse.
TEST(PerfRequestBodies, FollowTheModelsDialectLikeRun) {
  ModelConfig m;
  m.name = "o-model";
  m.model_id = "o4-mini";
  m.dialect = "openai-reasoning";
  m.send_seed = true;
  m.extra = {{"reasoning_effort", "low"}};
  const auto bodies = perf_request_bodies(m, {"first", "second"}, 256, 7);
  ASSERT_EQ(bodies.size(), 2u);
  for (size_t i = 0; i < bodies.size(); ++i) {
    const Json b = Json::parse(bodies[i]);
    CompletionRequest r;
    r.model = "o4-mini";
    r.messages = {{"user", i == 0 ? "first" : "second"}};
    r.temperature = m.temperature;
    r.top_p = m.top_p;
    r.max_tokens = 256;
    r.seed = 7 + i;
    r.extra = m.extra;
    EXPECT_EQ(b, chat_request_body(r, ProviderDialect::kOpenAIReasoning, true));
    EXPECT_FALSE(b.contains("max_tokens"));
    EXPECT_FALSE(b.contains("temperature"));
    EXPECT_EQ(b["max_completion_tokens"], 256);
  }
  m.dialect = "no-such-dialect";
  EXPECT_THROW(perf_request_bodies(m, {"q"}, 1, 0), ConfigError);
}

}  // namespace
}  // namespace rigor
