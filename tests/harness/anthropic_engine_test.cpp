// Anthropic Messages engine: retries on in-stream errors, incomplete
// streams, the request body, and its config keys.
#include "harness/engines/anthropic_engine.h"

#include <gtest/gtest.h>

#include "harness/config.h"
#include "harness/engines/anthropic_stream.h"
#include "tests/harness/engine_test_server.h"
#include "tests/harness/engine_test_util.h"

namespace rigor {
namespace {

OpenAIEngineOptions options_for(const test::ScriptedServer& server) {
  OpenAIEngineOptions o;
  o.base_url = server.base_url();
  o.api_key = "sk-ant-secret";
  o.retry.max_attempts = 3;
  o.retry.base_delay_s = 0.01;
  o.retry.max_delay_s = 0.02;
  return o;
}

CompletionResult run_one(Engine& engine, CompletionRequest request) {
  bool pulled = false;
  std::optional<CompletionResult> out;
  engine.run([&]() -> std::optional<EngineJob> {
    if (pulled) return std::nullopt;
    pulled = true;
    return EngineJob{1, request};
  }, [&](uint64_t, CompletionResult r) { out = std::move(r); });
  return std::move(*out);
}

CompletionRequest simple_request() {
  CompletionRequest r;
  r.model = "claude-test";
  r.messages = {{"system", "Answer briefly."}, {"user", "2+2?"}};
  r.max_tokens = 100;
  return r;
}

TEST(AnthropicEngine, OverloadedErrorEventIsRetriedThenSucceeds) {
  const std::string good = test::read_data_file("dialects/anthropic_thinking.sse");
  const std::string overloaded =
      "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"model\":\"claude-test\",\"usage\":"
      "{\"input_tokens\":5,\"output_tokens\":1}}}\n\nevent: error\ndata: {\"type\":\"error\",\"error\":{\"type\":"
      "\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n";
  test::ScriptedServer server([&](const test::ScriptedRequest&, int i) {
    return test::sse_raw_response(i == 0 ? overloaded : good, 64);
  });
  auto engine = make_anthropic_engine(options_for(server), 0);
  auto r = run_one(*engine, simple_request());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->attempts, 2);
  EXPECT_EQ(r->text, "27 * 453 = \\boxed{12231}");
}

TEST(AnthropicEngine, StreamWithoutMessageStopIsIncompleteNeverAnAnswer) {
  const std::string cut =
      "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"model\":\"claude-test\",\"usage\":"
      "{\"input_tokens\":5,\"output_tokens\":1}}}\n\nevent: content_block_delta\ndata: {\"type\":"
      "\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"The answer is\"}}\n\n";
  test::ScriptedServer server([&](const test::ScriptedRequest&, int) { return test::sse_raw_response(cut, 64); });
  auto o = options_for(server);
  o.retry.max_attempts = 1;
  auto engine = make_anthropic_engine(o, 0);
  auto r = run_one(*engine, simple_request());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kIncomplete);
}

TEST(AnthropicEngine, RateLimitErrorStatusCarriesRetryAfterAndKeyIsNeverInMessages) {
  test::ScriptedServer server([&](const test::ScriptedRequest&, int) {
    return test::status_response(429, R"({"type":"error","error":{"type":"rate_limit_error","message":"slow down sk-ant-secret"}})",
                                 {"Retry-After: 0"});
  });
  auto o = options_for(server);
  o.retry.max_attempts = 2;
  auto engine = make_anthropic_engine(o, 0);
  auto r = run_one(*engine, simple_request());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kRateLimited);
  EXPECT_EQ(r.error().message.find("sk-ant-secret"), std::string::npos);
  EXPECT_EQ(server.requests().size(), 2u);
}

TEST(AnthropicEngine, SystemMessagesBecomeTheTopLevelSystemField) {
  auto body = anthropic_request_body(simple_request(), 0);
  EXPECT_EQ(body["system"], "Answer briefly.");
  ASSERT_EQ(body["messages"].size(), 1u);
  EXPECT_EQ(body["messages"][0]["role"], "user");
  auto thinking = anthropic_request_body(simple_request(), 2048);
  EXPECT_EQ(thinking["thinking"]["budget_tokens"], 2048);
  EXPECT_FALSE(thinking.contains("temperature"));
}

TEST(AnthropicStream, UnknownDeltaTypeIsAParseError) {
  AnthropicStream s;
  auto r = s.on_event("content_block_delta",
                      R"({"type":"content_block_delta","index":0,"delta":{"type":"mystery_delta","x":1}})", 0.1);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kParse);
}

TEST(AnthropicConfig, EngineAnthropicWithThinkingBudget) {
  const std::string base = R"([run]
seed = 1
suites = ["aime24"]
[[models]]
name = "claude"
engine = "anthropic"
base_url = "https://api.anthropic.com/v1"
model_id = "claude-sonnet-4-5"
api_key_env = "ANTHROPIC_API_KEY"
thinking_budget = 16000
[models.sampling]
max_tokens = 32000
[models.pricing]
input = 3
cached_input = 0.3
cache_write = 3.75
output = 15
)";
  Config c = parse_config(base, "a.toml");
  EXPECT_EQ(c.models[0].thinking_budget, 16000);
  EXPECT_DOUBLE_EQ(c.models[0].pricing.cache_write, 3.75);
  EXPECT_EQ(c.resolved()["models"][0]["thinking_budget"], 16000);

  std::string too_big = base;
  too_big.replace(too_big.find("max_tokens = 32000"), 18, "max_tokens = 8000");
  EXPECT_THROW(parse_config(too_big, "a.toml"), ConfigError);
  std::string too_small = base;
  too_small.replace(too_small.find("thinking_budget = 16000"), 23, "thinking_budget = 100");
  EXPECT_THROW(parse_config(too_small, "a.toml"), ConfigError);
}

}  // namespace
}  // namespace rigor
