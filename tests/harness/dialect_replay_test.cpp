// Every provider dialect (and Anthropic's Messages API) replays a recorded
// streaming response through the real engine over loopback: the request it
// sends, and the text, reasoning, usage and cost it makes of the reply.
// Cases live in tests/data/dialects/cases.jsonl, one line each.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <stdlib.h>

#include <algorithm>
#include <sstream>

#include "harness/budget.h"
#include "harness/config.h"
#include "harness/engine_factory.h"
#include "tests/harness/engine_test_server.h"
#include "tests/harness/engine_test_util.h"

namespace rigor {
namespace {

std::string trim(std::string s) {
  const char* ws = " \n\r\t";
  s.erase(0, s.find_first_not_of(ws) == std::string::npos ? s.size() : s.find_first_not_of(ws));
  s.erase(s.find_last_not_of(ws) + 1);
  return s;
}

std::vector<nlohmann::json> load_cases() {
  std::istringstream in(test::read_data_file("dialects/cases.jsonl"));
  std::vector<nlohmann::json> out;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line[0] != '#') out.push_back(nlohmann::json::parse(line));
  }
  return out;
}

class DialectReplay : public ::testing::TestWithParam<nlohmann::json> {};

TEST_P(DialectReplay, RequestTextReasoningUsageAndCost) {
  const nlohmann::json& c = GetParam();
  const std::string raw = test::read_data_file("dialects/" + c["fixture"].get<std::string>());
  test::ScriptedServer server([&](const test::ScriptedRequest&, int) { return test::sse_raw_response(raw, 97); });

  ::setenv("RIGOR_TEST_DIALECT_KEY", "sk-test", 1);
  ModelConfig m;
  m.name = c["name"];
  m.engine = c["engine"];
  m.dialect = c.value("dialect", "openai");
  m.base_url = server.base_url();
  m.model_id = "model-under-test";
  m.api_key_env = "RIGOR_TEST_DIALECT_KEY";
  m.max_tokens = c["max_tokens"];
  m.thinking_budget = c.value("thinking_budget", 0);
  m.extra = c["extra"];
  m.max_attempts = 1;
  if (c["pricing"].is_object()) {
    const auto& p = c["pricing"];
    m.pricing.input = p["input"];
    m.pricing.cached_input = p["cached_input"];
    m.pricing.output = p["output"];
    m.pricing.cache_write = p.value("cache_write", -1.0);
  }
  auto engine = make_default_engine(m, m.base_url);

  EngineJob job;
  job.request.model = m.model_id;
  job.request.messages = {{"user", "What is the answer?"}};
  job.request.temperature = m.temperature;
  job.request.top_p = m.top_p;
  job.request.max_tokens = m.max_tokens;
  job.request.seed = 7;
  job.request.extra = m.extra;
  bool pulled = false;
  std::optional<CompletionResult> result;
  engine->run([&]() -> std::optional<EngineJob> {
    if (pulled) return std::nullopt;
    pulled = true;
    return job;
  }, [&](uint64_t, CompletionResult r) { result = std::move(r); });

  // What went over the wire.
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].target, c["path"].get<std::string>());
  for (const auto& [name, value] : c["headers"].items()) {
    EXPECT_EQ(requests[0].headers[name], value.get<std::string>()) << "header " << name;
  }
  const auto body = nlohmann::json::parse(requests[0].body);
  EXPECT_EQ(body["model"], "model-under-test");
  for (const auto& [key, value] : c["body_has"].items()) EXPECT_EQ(body[key], value) << "body." << key;
  for (const auto& key : c["body_lacks"]) EXPECT_FALSE(body.contains(key.get<std::string>())) << "body has " << key;

  // What rigor made of the reply.
  ASSERT_TRUE(result.has_value());
  ASSERT_TRUE(result->has_value()) << result->error().message;
  const Completion& got = **result;
  const auto& e = c["expect"];
  EXPECT_EQ(trim(got.text), e["text"].get<std::string>());
  EXPECT_EQ(trim(got.reasoning), e["reasoning"].get<std::string>());
  EXPECT_EQ(got.finish_reason, e["finish_reason"].get<std::string>());
  EXPECT_EQ(got.server_model, e["server_model"].get<std::string>());
  EXPECT_EQ(got.usage.prompt_tokens, e["prompt_tokens"].get<int64_t>());
  EXPECT_EQ(got.usage.cached_tokens, e["cached_tokens"].get<int64_t>());
  EXPECT_EQ(got.usage.cache_write_tokens, e["cache_write_tokens"].get<int64_t>());
  EXPECT_EQ(got.usage.completion_tokens, e["completion_tokens"].get<int64_t>());
  EXPECT_EQ(got.usage.reasoning_tokens, e["reasoning_tokens"].get<int64_t>());
  EXPECT_NEAR(cost_usd(m.pricing, got.usage), e["cost"].get<double>(), 1e-9);
  EXPECT_GE(got.ttft_s, 0);
  if (!e["reasoning"].get<std::string>().empty()) {
    EXPECT_GT(got.ttfat_s, got.ttft_s - 1e-9);
  }
}

INSTANTIATE_TEST_SUITE_P(Recorded, DialectReplay, ::testing::ValuesIn(load_cases()),
                         [](const ::testing::TestParamInfo<nlohmann::json>& info) {
                           return info.param["name"].get<std::string>();
                         });

TEST(DialectConfig, RefusesSecondChoicesAndUnknownNames) {
  const std::string base = R"([run]
seed = 1
suites = ["aime24"]
[[models]]
name = "m"
engine = "openai"
base_url = "http://127.0.0.1:1/v1"
model_id = "x"
)";
  EXPECT_NO_THROW(parse_config(base + "dialect = \"deepseek\"\n", "t.toml"));
  try {
    parse_config(base + "dialect = \"llamacpp\"\n[models.extra]\nn = 4\n", "t.toml");
    FAIL() << "n = 4 accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("models[0].extra"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("n > 1"), std::string::npos) << e.what();
  }
  try {
    parse_config(base + "dialect = \"vllm-ish\"\n", "t.toml");
    FAIL() << "unknown dialect accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("t.toml:9: models[0].dialect"), std::string::npos) << e.what();
  }
  EXPECT_THROW(parse_config(base + "dialect = \"openai-reasoning\"\n[models.extra]\nmax_tokens = 5\n", "t.toml"),
               ConfigError);
}

TEST(DialectConfig, DialectIsPartOfTheResolvedConfigOnlyWhenSet) {
  const std::string base = R"([run]
seed = 1
suites = ["aime24"]
[[models]]
name = "m"
engine = "openai"
base_url = "http://127.0.0.1:1/v1"
model_id = "x"
)";
  // Old configs keep their hash (and so their run id) unchanged.
  EXPECT_FALSE(parse_config(base, "t.toml").resolved()["models"][0].contains("dialect"));
  EXPECT_EQ(parse_config(base + "dialect = \"sglang\"\n", "t.toml").resolved()["models"][0]["dialect"], "sglang");
}

}  // namespace
}  // namespace rigor
