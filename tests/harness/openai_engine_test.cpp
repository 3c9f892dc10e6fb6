// OpenAIEngine against a scripted HTTP server on 127.0.0.1.
#include "harness/engines/openai_engine.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <ctime>
#include <map>
#include <thread>

#include "harness/engines/fake_engine.h"
#include "tests/harness/engine_test_server.h"
#include "tests/harness/engine_test_util.h"

namespace rigor {
namespace {

using test::ScriptedRequest;
using test::ScriptedResponse;
using test::ScriptedServer;

constexpr const char* kKey = "sk-test-secret-0123456789";

OpenAIEngineOptions fast_options(const ScriptedServer& server) {
  OpenAIEngineOptions o;
  o.base_url = server.base_url();
  o.api_key = kKey;
  o.concurrency = 2;
  o.connect_timeout_s = 2;
  o.idle_timeout_s = 5;
  o.total_timeout_s = 30;
  o.retry.base_delay_s = 0.01;
  o.retry.max_delay_s = 0.05;
  o.retry.max_attempts = 3;
  return o;
}

CompletionRequest request(const std::string& prompt = "What is 2+2?") {
  CompletionRequest r;
  r.model = "test-model";
  r.messages = {{"user", prompt}};
  r.seed = 42;
  r.max_tokens = 100;
  return r;
}

// Runs jobs through the engine and returns results by tag.
std::map<uint64_t, CompletionResult> run_jobs(OpenAIEngine& engine, std::vector<CompletionRequest> reqs,
                                              const std::atomic<bool>* cancel = nullptr) {
  size_t next_index = 0;
  std::map<uint64_t, CompletionResult> results;
  engine.run(
      [&]() -> std::optional<EngineJob> {
        if (next_index >= reqs.size()) return std::nullopt;
        EngineJob j{next_index, reqs[next_index]};
        ++next_index;
        return j;
      },
      [&](uint64_t tag, CompletionResult r) {
        EXPECT_EQ(results.count(tag), 0u) << "one result per job";
        results.emplace(tag, std::move(r));
      },
      cancel);
  return results;
}

CompletionResult run_one(OpenAIEngine& engine) {
  auto results = run_jobs(engine, {request()});
  EXPECT_EQ(results.size(), 1u);
  return std::move(results.at(0));
}

ScriptedResponse good_stream(const std::string& answer) {
  return test::sse_response({test::content_chunk(answer.substr(0, 1)), test::content_chunk(answer.substr(1), "stop")});
}

TEST(OpenAIEngine, StreamsARecordedVllmReplyAndSendsTheRequestWeExpect) {
  const std::string raw = test::read_data_file("sse_stream_vllm_reasoning.txt");
  ScriptedServer server([&](const ScriptedRequest&, int) { return test::sse_raw_response(raw, 37); });
  auto options = fast_options(server);
  options.headers = {"X-Team: evals"};
  OpenAIEngine engine(options);
  CompletionRequest req = request();
  req.extra = {{"top_k", 20}, {"stream_options", {{"continuous_usage_stats", true}}}};
  auto results = run_jobs(engine, {req});
  const CompletionResult& r = results.at(0);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->text, "The answer is $\\boxed{4}$");
  EXPECT_EQ(r->reasoning, "Okay, so I need to find $x$\n\nLet's compute: \"2+2\"");
  EXPECT_EQ(r->finish_reason, "stop");
  EXPECT_EQ(r->usage.completion_tokens, 1000);
  EXPECT_EQ(r->attempts, 1);
  EXPECT_EQ(r->chunks.size(), 8u);
  EXPECT_GE(r->ttft_s, 0);
  EXPECT_GE(r->ttfat_s, r->ttft_s);
  EXPECT_GE(r->last_token_s, r->ttfat_s);
  EXPECT_GE(r->total_s, r->last_token_s);

  const auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].method, "POST");
  EXPECT_EQ(reqs[0].target, "/v1/chat/completions");
  EXPECT_EQ(reqs[0].headers.at("authorization"), std::string("Bearer ") + kKey);
  EXPECT_EQ(reqs[0].headers.at("x-team"), "evals");
  const auto body = nlohmann::json::parse(reqs[0].body);
  EXPECT_EQ(body["model"], "test-model");
  EXPECT_EQ(body["stream"], true);
  EXPECT_EQ(body["seed"], 42);
  EXPECT_EQ(body["max_tokens"], 100);
  EXPECT_DOUBLE_EQ(body["temperature"].get<double>(), 0.6);
  EXPECT_DOUBLE_EQ(body["top_p"].get<double>(), 0.95);
  EXPECT_EQ(body["messages"][0]["content"], "What is 2+2?");
  EXPECT_EQ(body["top_k"], 20);
  EXPECT_EQ(body["stream_options"]["include_usage"], true);
  EXPECT_EQ(body["stream_options"]["continuous_usage_stats"], true);
  EXPECT_FALSE(body.contains("n")) << "one request per sample: n is never sent";
}

TEST(OpenAIEngine, RateLimitedThenSucceedsHonouringRetryAfter) {
  ScriptedServer server([](const ScriptedRequest&, int i) {
    if (i == 0) return test::status_response(429, R"({"error":{"message":"slow down"}})", {"Retry-After: 1"});
    return good_stream("ok");
  });
  OpenAIEngine engine(fast_options(server));
  const auto r = run_one(engine);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->text, "ok");
  EXPECT_EQ(r->attempts, 2);
  EXPECT_GE(r->retry_wait_s, 1.0);  // the server's Retry-After, not our 10 ms backoff
}

TEST(OpenAIEngine, ServerErrorThenSucceeds) {
  ScriptedServer server([](const ScriptedRequest&, int i) {
    if (i == 0) return test::status_response(500, R"({"message":"engine restarting"})");
    return good_stream("fine");
  });
  OpenAIEngine engine(fast_options(server));
  const auto r = run_one(engine);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->text, "fine");
  EXPECT_EQ(r->attempts, 2);
  EXPECT_GT(r->retry_wait_s, 0);
}

ScriptedResponse cut_stream() {
  // Two chunks, then the connection drops without the terminating chunk.
  ScriptedResponse r = test::sse_response({test::content_chunk("partial "), test::content_chunk("answ")}, false);
  r.close = true;
  return r;
}

TEST(OpenAIEngine, StreamCutMidwayIsRetriedAndOnlyTheFullAnswerReturned) {
  ScriptedServer server([](const ScriptedRequest&, int i) { return i == 0 ? cut_stream() : good_stream("whole"); });
  OpenAIEngine engine(fast_options(server));
  const auto r = run_one(engine);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->text, "whole");
  EXPECT_EQ(r->attempts, 2);
}

TEST(OpenAIEngine, StreamCutEveryTimeIsNeverReturnedAsComplete) {
  ScriptedServer server([](const ScriptedRequest&, int) { return cut_stream(); });
  OpenAIEngine engine(fast_options(server));
  const auto r = run_one(engine);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kIncomplete);
  EXPECT_EQ(server.requests().size(), 3u);
  EXPECT_NE(r.error().message.find("after 3 attempts"), std::string::npos) << r.error().message;
}

TEST(OpenAIEngine, CleanEndWithoutFinishOrDoneIsIncomplete) {
  ScriptedServer server([](const ScriptedRequest&, int) {
    ScriptedResponse r = test::sse_response({test::content_chunk("no finish")}, false);
    r.steps.push_back({0, "0\r\n\r\n"});
    return r;
  });
  auto options = fast_options(server);
  options.retry.max_attempts = 1;
  OpenAIEngine engine(options);
  const auto r = run_one(engine);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kIncomplete);
}

TEST(OpenAIEngine, StallBeyondIdleTimeoutIsATimeout) {
  ScriptedServer server([](const ScriptedRequest&, int) {
    ScriptedResponse r = test::sse_response({test::content_chunk("thinking")}, false);
    r.steps.push_back({10000, test::http_chunk("data: " + test::content_chunk(" late", "stop") + "\n\n")});
    return r;
  });
  auto options = fast_options(server);
  options.idle_timeout_s = 0.3;
  options.retry.max_attempts = 1;
  OpenAIEngine engine(options);
  const auto r = run_one(engine);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kTimeout);
  EXPECT_NE(r.error().message.find("idle"), std::string::npos);
}

TEST(OpenAIEngine, MalformedChunkIsAParseErrorAfterRetries) {
  ScriptedServer server([](const ScriptedRequest&, int) {
    return test::sse_response({test::content_chunk("a"), R"({"choices":[{"delta":{"content":"b"}]})"});
  });
  auto options = fast_options(server);
  options.retry.max_attempts = 2;
  OpenAIEngine engine(options);
  const auto r = run_one(engine);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kParse);
  EXPECT_EQ(server.requests().size(), 2u);
  EXPECT_EQ(r.error().attempts, 2);
}

TEST(OpenAIEngine, ErrorObjectInsideA200StreamIsAnError) {
  ScriptedServer server([](const ScriptedRequest&, int) {
    return test::sse_response({test::content_chunk("a"), R"({"error":{"message":"KV cache exhausted","code":503}})"});
  });
  auto options = fast_options(server);
  options.retry.max_attempts = 1;
  OpenAIEngine engine(options);
  const auto r = run_one(engine);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kServer);
  EXPECT_NE(r.error().message.find("KV cache exhausted"), std::string::npos);
}

TEST(OpenAIEngine, AuthFailureIsNotRetriedAndTheKeyAppearsInNoMessage) {
  ScriptedServer server([](const ScriptedRequest& req, int) {
    // Some providers echo the key they were given; we must not pass it on.
    const std::string key = req.headers.at("authorization").substr(7);
    return test::status_response(401, R"({"error":{"message":"Incorrect API key provided: )" + key + R"("}})");
  });
  OpenAIEngine engine(fast_options(server));
  const auto r = run_one(engine);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kAuth);
  EXPECT_EQ(r.error().http_status, 401);
  EXPECT_EQ(server.requests().size(), 1u);
  EXPECT_EQ(r.error().attempts, 1);  // not retried, and stored as one attempt
  EXPECT_EQ(r.error().message.find(kKey), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("Incorrect API key"), std::string::npos);
}

TEST(OpenAIEngine, BadRequestIsNotRetried) {
  ScriptedServer server([](const ScriptedRequest&, int) {
    return test::status_response(400, R"({"object":"error","message":"max_tokens too large","code":400})");
  });
  OpenAIEngine engine(fast_options(server));
  const auto r = run_one(engine);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidRequest);
  EXPECT_NE(r.error().message.find("max_tokens too large"), std::string::npos);
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST(OpenAIEngine, JsonReplyToAStreamingRequestIsAParseError) {
  ScriptedServer server([](const ScriptedRequest&, int) {
    return test::status_response(200, R"({"choices":[{"message":{"content":"hi"}}]})");
  });
  auto options = fast_options(server);
  options.retry.max_attempts = 1;
  OpenAIEngine engine(options);
  const auto r = run_one(engine);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kParse);
}

TEST(OpenAIEngine, ConnectionRefusedIsATransportError) {
  int port = 0;
  {
    ScriptedServer closed([](const ScriptedRequest&, int) { return ScriptedResponse{}; });
    port = closed.port();
  }
  OpenAIEngineOptions o;
  o.base_url = "http://127.0.0.1:" + std::to_string(port) + "/v1";
  o.retry.max_attempts = 2;
  o.retry.base_delay_s = 0.01;
  OpenAIEngine engine(o);
  const auto r = run_one(engine);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kTransport);
}

TEST(OpenAIEngine, ConcurrencyNeverExceedsTheLimitAndConnectionsAreReused) {
  ScriptedServer server([](const ScriptedRequest& req, int) {
    const auto body = nlohmann::json::parse(req.body);
    ScriptedResponse r = good_stream("answer to " + body["messages"][0]["content"].get<std::string>());
    r.steps.front().delay_ms = 20;  // keep requests overlapping
    return r;
  });
  auto options = fast_options(server);
  options.concurrency = 3;
  OpenAIEngine engine(options);
  std::vector<CompletionRequest> reqs;
  for (int i = 0; i < 15; ++i) reqs.push_back(request("q" + std::to_string(i)));
  const auto results = run_jobs(engine, reqs);
  ASSERT_EQ(results.size(), 15u);
  for (const auto& [tag, r] : results) {
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_EQ(r->text, "answer to q" + std::to_string(tag));
  }
  EXPECT_LE(server.max_concurrent(), 3);
  EXPECT_GE(server.max_concurrent(), 2) << "requests should overlap";
  EXPECT_LE(server.connections(), 3) << "keep-alive connections are reused";
}

// The server closes each connection after its response, unannounced (the
// head said keep-alive), so curl keeps an idle socket that turns readable.
ScriptedResponse closing_stream(const std::string& answer, int delay_ms = 0) {
  ScriptedResponse r = good_stream(answer);
  r.steps.front().delay_ms = delay_ms;
  r.close = true;
  return r;
}

double process_cpu_s() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

TEST(OpenAIEngine, IdleConnectionClosedByTheServerDoesNotSpinTheLoop) {
  // Request 0 ends at once and its connection is closed; request 1 answers
  // after a second, during which the closed idle socket stays readable.
  ScriptedServer server([](const ScriptedRequest&, int index) {
    return index == 0 ? closing_stream("fast") : closing_stream("slow", 1000);
  });
  auto options = fast_options(server);
  options.concurrency = 2;
  OpenAIEngine engine(options);
  const double cpu0 = process_cpu_s();
  const auto results = run_jobs(engine, {request("a"), request("b")});
  const double cpu_s = process_cpu_s() - cpu0;
  ASSERT_EQ(results.size(), 2u);
  for (const auto& [tag, r] : results) ASSERT_TRUE(r.has_value()) << r.error().message;
  // Waking for the idle socket on every turn would burn the whole second.
  EXPECT_LT(cpu_s, 0.15) << "the wait for the slow answer should sleep";
}

TEST(OpenAIEngine, EveryRequestSucceedsWhenTheServerClosesEachConnection) {
  // Closed sockets free their descriptor numbers, which the next connection
  // takes again: it must still be watched.
  ScriptedServer server([](const ScriptedRequest& req, int) {
    const auto body = nlohmann::json::parse(req.body);
    return closing_stream("answer to " + body["messages"][0]["content"].get<std::string>());
  });
  auto options = fast_options(server);
  options.concurrency = 1;
  OpenAIEngine engine(options);
  size_t next = 0;
  std::map<uint64_t, CompletionResult> results;
  engine.run(
      [&]() -> std::optional<EngineJob> {
        if (next == 6) return std::nullopt;
        // Time for the close to arrive while the connection is idle.
        if (next > 0) std::this_thread::sleep_for(std::chrono::milliseconds(30));
        EngineJob j{next, request("q" + std::to_string(next))};
        ++next;
        return j;
      },
      [&](uint64_t tag, CompletionResult r) { results.emplace(tag, std::move(r)); });
  ASSERT_EQ(results.size(), 6u);
  for (const auto& [tag, r] : results) {
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_EQ(r->text, "answer to q" + std::to_string(tag));
    EXPECT_EQ(r->attempts, 1);
  }
  EXPECT_EQ(server.connections(), 6);
}

// A send that fails on a reused connection the server has closed without
// saying so is a reconnect: never an error, never an attempt, no backoff.
void expect_every_request_first_attempt(const test::ScriptedServerOptions& server_options, int requests,
                                        int pause_ms, bool close_each, size_t prompt_bytes = 0) {
  ScriptedServer server(
      [close_each](const ScriptedRequest& req, int) {
        const auto body = nlohmann::json::parse(req.body);
        ScriptedResponse r = good_stream("answer to " + body["messages"][0]["content"].get<std::string>());
        r.close = close_each;
        return r;
      },
      server_options);
  auto options = fast_options(server);
  options.concurrency = 1;
  options.retry.max_attempts = 1;  // a reconnect that counted as a failure would fail the sample
  OpenAIEngine engine(options);
  int next = 0;
  std::map<uint64_t, CompletionResult> results;
  engine.run(
      [&]() -> std::optional<EngineJob> {
        if (next == requests) return std::nullopt;
        if (next > 0 && pause_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms));
        EngineJob j{static_cast<uint64_t>(next), request("q" + std::to_string(next) + std::string(prompt_bytes, ' '))};
        ++next;
        return j;
      },
      [&](uint64_t tag, CompletionResult r) { results.emplace(tag, std::move(r)); });
  ASSERT_EQ(results.size(), static_cast<size_t>(requests));
  for (const auto& [tag, r] : results) {
    ASSERT_TRUE(r.has_value()) << "request " << tag << ": " << r.error().message;
    EXPECT_EQ(r->text, "answer to q" + std::to_string(tag) + std::string(prompt_bytes, ' '));
    EXPECT_EQ(r->attempts, 1);
    EXPECT_EQ(r->retry_wait_s, 0);
  }
  EXPECT_GT(server.connections(), 1) << "the server should have closed connections";
}

TEST(OpenAIEngine, ServerClosingAfterEachStreamedResponseCostsNoAttempt) {
  for (int delay_ms : {0, 1, 3}) {
    SCOPED_TRACE(delay_ms);
    test::ScriptedServerOptions so;
    so.close_delay_ms = delay_ms;
    expect_every_request_first_attempt(so, 60, 0, true);
  }
}

TEST(OpenAIEngine, ServerClosingAfterNRequestsCostsNoAttempt) {
  test::ScriptedServerOptions so;
  so.max_requests_per_connection = 3;
  so.close_delay_ms = 1;
  expect_every_request_first_attempt(so, 60, 0, false);
}

TEST(OpenAIEngine, LargeRequestOnAConnectionTheServerClosedCostsNoAttempt) {
  // A body of 64 KiB or more leaves after the request head, where a failed
  // send is not resent by curl itself.
  test::ScriptedServerOptions so;
  so.close_delay_ms = 1;
  expect_every_request_first_attempt(so, 20, 0, true, 200 * 1024);
}

TEST(OpenAIEngine, ServerClosingIdleConnectionsCostsNoAttempt) {
  test::ScriptedServerOptions so;
  so.idle_close_ms = 5;
  // Pauses around the idle limit: some requests race the close.
  expect_every_request_first_attempt(so, 40, 5, false);
}

TEST(OpenAIEngine, CancellationEndsInFlightJobsAsCancelled) {
  ScriptedServer server([](const ScriptedRequest&, int) {
    ScriptedResponse r = test::sse_response({test::content_chunk("slow")}, false);
    r.steps.push_back({10000, "0\r\n\r\n"});
    return r;
  });
  OpenAIEngine engine(fast_options(server));
  std::atomic<bool> cancel{false};
  std::thread canceller([&] {
    while (server.requests().size() < 2) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    cancel = true;
  });
  const auto results = run_jobs(engine, {request(), request(), request()}, &cancel);
  canceller.join();
  ASSERT_EQ(results.size(), 2u) << "the third job is never pulled";
  for (const auto& [tag, r] : results) {
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, ErrorCode::kCancelled);
  }
}

TEST(GetJson, ReadsModelsAndMapsErrors) {
  ScriptedServer server([](const ScriptedRequest& req, int) {
    if (req.target == "/v1/models") return test::status_response(200, R"({"data":[{"id":"m1"}]})");
    if (req.target == "/v1/text") {
      ScriptedResponse r = test::status_response(200, "not json");
      return r;
    }
    return test::status_response(404, R"({"detail":"Not Found"})");
  });
  const auto ok = get_json(server.base_url() + "/models", kKey, 5);
  ASSERT_TRUE(ok.has_value()) << ok.error().message;
  EXPECT_EQ((*ok)["data"][0]["id"], "m1");
  EXPECT_EQ(server.requests().at(0).headers.at("authorization"), std::string("Bearer ") + kKey);
  const auto missing = get_json(server.base_url() + "/nope", "", 5);
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, ErrorCode::kInvalidRequest);
  EXPECT_EQ(missing.error().http_status, 404);
  EXPECT_NE(missing.error().message.find("Not Found"), std::string::npos);
  const auto text = get_json(server.base_url() + "/text", "", 5);
  ASSERT_FALSE(text.has_value());
  EXPECT_EQ(text.error().code, ErrorCode::kParse);
}

TEST(FakeEngine, AnswersInPullOrderWithinTheConcurrency) {
  FakeEngine engine(
      [](const CompletionRequest& r) -> CompletionResult {
        if (r.messages[0].content == "bad") return FakeEngine::error(ErrorCode::kServer, "scripted", 500);
        return FakeEngine::completion("echo " + r.messages[0].content);
      },
      2, /*out_of_order=*/true);
  std::vector<CompletionRequest> reqs = {request("a"), request("bad"), request("c")};
  size_t i = 0;
  std::vector<uint64_t> order;
  std::map<uint64_t, CompletionResult> results;
  engine.run([&]() -> std::optional<EngineJob> {
    if (i >= reqs.size()) return std::nullopt;
    return EngineJob{i, reqs[i++]};
  }, [&](uint64_t tag, CompletionResult r) {
    order.push_back(tag);
    results.emplace(tag, std::move(r));
  });
  EXPECT_EQ(order, (std::vector<uint64_t>{1, 0, 2}));
  EXPECT_EQ(results.at(0)->text, "echo a");
  EXPECT_FALSE(results.at(1).has_value());
  EXPECT_EQ(engine.max_in_flight(), 2);
  EXPECT_EQ(engine.requests().size(), 3u);
}

}  // namespace
}  // namespace rigor
