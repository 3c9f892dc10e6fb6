// The simulator over real loopback sockets: what a client of vLLM or
// llama-server would see, including injected faults.
#include <sstream>
#include <thread>
#include <utility>  // before Boost 1.74 Asio: its awaitable.hpp uses std::exchange

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "sim/sim_generate.h"
#include "sim/sim_server.h"

namespace rigor {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using nlohmann::json;

struct Reply {
  int status = 0;
  std::string body;
  std::string content_type;
  std::string retry_after;
  bool complete = false;  // the HTTP message ended properly
};

Reply send(tcp::socket& sock, http::verb verb, const std::string& target, const std::string& body) {
  http::request<http::string_body> req{verb, target, 11};
  req.set(http::field::host, "127.0.0.1");
  req.set(http::field::content_type, "application/json");
  req.body() = body;
  req.prepare_payload();
  http::write(sock, req);
  beast::flat_buffer buf;
  http::response_parser<http::string_body> parser;
  parser.body_limit(boost::none);
  beast::error_code ec;
  http::read(sock, buf, parser, ec);
  Reply r;
  r.status = static_cast<int>(parser.get().result_int());
  r.body = parser.get().body();
  r.content_type = std::string(parser.get()[http::field::content_type]);
  r.retry_after = std::string(parser.get()[http::field::retry_after]);
  r.complete = !ec && parser.is_done();
  return r;
}

Reply request(int port, http::verb verb, const std::string& target, const std::string& body = "") {
  asio::io_context ioc;
  tcp::socket sock(ioc);
  sock.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)));
  return send(sock, verb, target, body);
}

std::string chat_body(const std::string& model, const std::string& prompt, uint64_t seed, bool stream,
                      std::optional<int> max_tokens = std::nullopt, int n = 1) {
  json j = {{"model", model},
            {"messages", {{{"role", "user"}, {"content", prompt}}}},
            {"seed", seed},
            {"stream", stream},
            {"temperature", 0.6},
            {"n", n}};
  if (stream) j["stream_options"] = {{"include_usage", true}};
  if (max_tokens) j["max_tokens"] = *max_tokens;
  return j.dump();
}

// SSE events: the payload of every "data: " line.
std::vector<std::string> sse_events(const std::string& body) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < body.size()) {
    size_t end = body.find("\n\n", pos);
    if (end == std::string::npos) end = body.size();
    std::string ev = body.substr(pos, end - pos);
    EXPECT_EQ(ev.rfind("data: ", 0), 0u) << ev;
    out.push_back(ev.substr(6));
    pos = end + 2;
  }
  return out;
}

struct Streamed {
  std::string reasoning, content, finish_reason, model;
  json usage, last;
  bool done = false;  // saw [DONE] last
  bool role_first = false;
  int bad_json = 0;
};

Streamed decode(const std::string& body, const char* reasoning_field = "reasoning_content") {
  Streamed s;
  auto events = sse_events(body);
  for (size_t i = 0; i < events.size(); ++i) {
    if (events[i] == "[DONE]") {
      s.done = i + 1 == events.size();
      continue;
    }
    json j = json::parse(events[i], nullptr, false);
    if (j.is_discarded()) {
      ++s.bad_json;
      continue;
    }
    EXPECT_EQ(j["object"], "chat.completion.chunk");
    EXPECT_TRUE(j.contains("id") && j.contains("created"));
    s.model = j["model"];
    if (j.contains("usage") && !j["usage"].is_null()) s.usage = j["usage"];
    s.last = j;
    for (const auto& c : j["choices"]) {
      const json& d = c["delta"];
      if (i == 0 && d.contains("role")) s.role_first = true;
      if (d.contains(reasoning_field)) s.reasoning += d[reasoning_field].get<std::string>();
      if (d.contains("content")) s.content += d["content"].get<std::string>();
      if (!c["finish_reason"].is_null()) s.finish_reason = c["finish_reason"];
    }
  }
  return s;
}

SimProfile base_profile(const std::string& name) {
  SimProfile p;
  p.name = name;
  p.label = "simulated " + name;
  p.accuracy_default = 0.5;
  p.difficulty_slope = 8;
  p.reasoning_tokens = {60, 20, 10, 200};
  p.answer_tokens = {20, 5, 12, 40};
  p.tokens_per_chunk = 3;
  p.tokens_per_s = 1000;
  p.ttft_ms = 5;
  p.time_scale = 0;
  return p;
}

std::shared_ptr<SimIndex> index_with_one_problem() {
  Suite s;
  s.name = "aime24";
  s.scorer = "aime";
  Problem p;
  p.id = "1";
  p.statement = "Find x.";
  p.gold = "33";
  p.meta["difficulty"] = 0.5;
  s.problems.push_back(p);
  auto index = std::make_shared<SimIndex>();
  index->add_suite(s, [](const Problem& q) { return q.statement; });
  return index;
}

class SimServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::map<std::string, SimProfile> profiles;
    profiles["vllm"] = base_profile("vllm");
    SimProfile llama = base_profile("llama");
    llama.dialect = Dialect::kLlamaCpp;
    llama.reasoning = ReasoningDelivery::kThinkTags;
    profiles["llama"] = llama;
    SimProfile delayed = base_profile("delayed");
    delayed.time_scale = 0.01;  // ttft 50 us, 10 us per token: real timers, still fast
    profiles["delayed"] = delayed;
    for (auto [name, kind] : {std::pair{"f500", 0}, {"f429", 1}, {"fcut", 2}, {"fmal", 3}, {"fstall", 4}}) {
      SimProfile f = base_profile(name);
      f.faults.rate_500 = kind == 0;
      f.faults.rate_429 = kind == 1;
      f.faults.retry_after_s = 7;
      f.faults.rate_cut = kind == 2;
      f.faults.rate_malformed = kind == 3;
      f.faults.rate_stall = kind == 4;
      f.faults.stall_s = 0.05;
      profiles[name] = f;
    }
    SimProfile stamped = base_profile("stamped");
    stamped.time_scale = 1;  // ttft 5 ms, 1 ms per token, 3 tokens per chunk
    stamped.stamp_chunks = true;
    profiles["stamped"] = stamped;
    SimProfile rpm = base_profile("rpm");
    rpm.rpm_limit = 2;
    profiles["rpm"] = rpm;
    profiles_ = profiles;
    index_ = index_with_one_problem();
    SimOptions opts;
    opts.threads = 2;
    opts.seed = 11;
    server_ = std::make_unique<SimServer>(opts, profiles, index_);
    port_ = server_->start();
  }

  // What the server must have streamed for this request.
  SimScript expected(const std::string& profile, const std::string& prompt, uint64_t seed,
                     std::optional<int64_t> max_tokens = std::nullopt) {
    return SimModel(profiles_.at(profile), index_, 11).generate(prompt, seed, max_tokens);
  }
  static std::string text_of(const SimScript& s, bool reasoning) {
    std::string out;
    for (const auto& c : s.chunks)
      if (c.reasoning == reasoning) out += c.text;
    return out;
  }

  std::map<std::string, SimProfile> profiles_;
  std::shared_ptr<SimIndex> index_;
  std::unique_ptr<SimServer> server_;
  int port_ = 0;
};

TEST_F(SimServerTest, ModelsEndpointMarksSimulation) {
  Reply r = request(port_, http::verb::get, "/v1/models");
  ASSERT_EQ(r.status, 200);
  json j = json::parse(r.body);
  EXPECT_EQ(j["object"], "list");
  ASSERT_EQ(j["data"].size(), profiles_.size());
  for (const auto& m : j["data"]) {
    EXPECT_TRUE(profiles_.count(m["id"].get<std::string>()));
    EXPECT_EQ(m["owned_by"], "rigor-sim");
    EXPECT_EQ(m["simulated"], true);
    EXPECT_NE(m["label"].get<std::string>().find("simulated"), std::string::npos);
  }
  EXPECT_EQ(request(port_, http::verb::get, "/health").status, 200);
}

TEST_F(SimServerTest, VllmStreamIsWellFormedSseEndingInDone) {
  Reply r = request(port_, http::verb::post, "/v1/chat/completions", chat_body("vllm", "Find x.", 5, true));
  ASSERT_EQ(r.status, 200);
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.content_type, "text/event-stream");
  Streamed s = decode(r.body);
  EXPECT_TRUE(s.done);
  EXPECT_TRUE(s.role_first);
  EXPECT_EQ(s.bad_json, 0);
  EXPECT_EQ(s.model, "vllm");
  EXPECT_EQ(s.finish_reason, "stop");
  SimScript want = expected("vllm", "Find x.", 5);
  EXPECT_EQ(s.reasoning, text_of(want, true));
  EXPECT_EQ(s.content, text_of(want, false));
  EXPECT_NE(s.content.find("\\boxed{"), std::string::npos);
  // vLLM: usage arrives in a last chunk with empty choices.
  EXPECT_TRUE(s.last["choices"].empty());
  EXPECT_EQ(s.usage["completion_tokens"], count_words(s.reasoning) + count_words(s.content));
  EXPECT_EQ(s.usage["completion_tokens_details"]["reasoning_tokens"], count_words(s.reasoning));
  EXPECT_EQ(s.usage["prompt_tokens"], 2);
}

// A stamped chunk's text is when the simulator wrote it: what timing tests
// measure a client against. Never before the chunk is due, always in order.
TEST_F(SimServerTest, StampedChunksCarryTheirWriteTimes) {
  Reply r = request(port_, http::verb::post, "/v1/chat/completions", chat_body("stamped", "Find x.", 5, true));
  ASSERT_EQ(r.status, 200);
  Streamed s = decode(r.body);
  EXPECT_TRUE(s.done);
  std::vector<double> stamps;
  std::istringstream words(s.reasoning + s.content);
  for (std::string w; words >> w;) {
    ASSERT_EQ(w[0], '@') << w;
    stamps.push_back(std::stod(w.substr(1)) * 1e-9);
  }
  const SimScript want = expected("stamped", "Find x.", 5);
  ASSERT_EQ(stamps.size(), want.chunks.size());
  int64_t tokens = 0;
  for (size_t i = 0; i < stamps.size(); ++i) {
    tokens += want.chunks[i].tokens;
    EXPECT_GE(stamps[i], 0.005 + 0.001 * static_cast<double>(tokens - 1)) << "chunk " << i;  // its due time
    if (i > 0) EXPECT_GT(stamps[i], stamps[i - 1]);
  }
  EXPECT_LT(stamps.back(), 10.0);  // seconds, not a clock reading
}

TEST_F(SimServerTest, LlamaCppStreamHasNoRoleChunkAndUsageWithTimingsOnFinish) {
  Reply r = request(port_, http::verb::post, "/v1/chat/completions", chat_body("llama", "Find x.", 5, true));
  ASSERT_EQ(r.status, 200);
  Streamed s = decode(r.body);
  EXPECT_TRUE(s.done);
  EXPECT_FALSE(s.role_first);
  EXPECT_EQ(s.reasoning, "");
  EXPECT_EQ(s.content.rfind("<think>", 0), 0u);
  EXPECT_NE(s.content.find("</think>"), std::string::npos);
  EXPECT_EQ(s.last["choices"][0]["finish_reason"], "stop");
  EXPECT_TRUE(s.last.contains("timings"));
  EXPECT_EQ(s.usage["completion_tokens"], count_words(s.content));
  EXPECT_EQ(s.last["timings"]["predicted_n"], count_words(s.content));
  // llama-server answers n > 1 with HTTP 500.
  Reply n2 = request(port_, http::verb::post, "/v1/chat/completions", chat_body("llama", "Find x.", 5, true, {}, 2));
  EXPECT_EQ(n2.status, 500);
}

TEST_F(SimServerTest, NonStreamingResponseCarriesMessageAndUsage) {
  Reply r = request(port_, http::verb::post, "/v1/chat/completions", chat_body("vllm", "Find x.", 8, false));
  ASSERT_EQ(r.status, 200);
  json j = json::parse(r.body);
  SimScript want = expected("vllm", "Find x.", 8);
  EXPECT_EQ(j["object"], "chat.completion");
  EXPECT_EQ(j["model"], "vllm");
  EXPECT_EQ(j["choices"][0]["message"]["content"], text_of(want, false));
  EXPECT_EQ(j["choices"][0]["message"]["reasoning_content"], text_of(want, true));
  EXPECT_EQ(j["choices"][0]["finish_reason"], "stop");
  EXPECT_EQ(j["usage"]["completion_tokens"], want.completion_tokens);
}

TEST_F(SimServerTest, MaxTokensEndsWithFinishReasonLength) {
  Reply r = request(port_, http::verb::post, "/v1/chat/completions", chat_body("vllm", "Find x.", 5, true, 7));
  Streamed s = decode(r.body);
  EXPECT_TRUE(s.done);
  EXPECT_EQ(s.finish_reason, "length");
  EXPECT_EQ(s.usage["completion_tokens"], 7);
  EXPECT_EQ(count_words(s.reasoning) + count_words(s.content), 7);
}

TEST_F(SimServerTest, ErrorsAreOpenAiShaped) {
  Reply unknown = request(port_, http::verb::post, "/v1/chat/completions", chat_body("gpt-9", "hi", 1, true));
  EXPECT_EQ(unknown.status, 404);
  json j = json::parse(unknown.body);
  EXPECT_EQ(j["error"]["code"], "model_not_found");
  EXPECT_NE(j["error"]["message"].get<std::string>().find("gpt-9"), std::string::npos);

  Reply bad = request(port_, http::verb::post, "/v1/chat/completions", "{not json");
  EXPECT_EQ(bad.status, 400);
  EXPECT_TRUE(json::parse(bad.body)["error"].is_object());

  Reply no_messages = request(port_, http::verb::post, "/v1/chat/completions", R"({"model":"vllm"})");
  EXPECT_EQ(no_messages.status, 400);
  EXPECT_NE(no_messages.body.find("messages"), std::string::npos);

  Reply bad_max = request(port_, http::verb::post, "/v1/chat/completions",
                          R"({"model":"vllm","messages":[{"role":"user","content":"x"}],"max_tokens":"many"})");
  EXPECT_EQ(bad_max.status, 400);
  EXPECT_NE(bad_max.body.find("max_tokens"), std::string::npos);

  EXPECT_EQ(request(port_, http::verb::get, "/v1/nothing").status, 404);
  EXPECT_EQ(request(port_, http::verb::get, "/v1/chat/completions").status, 405);
}

TEST_F(SimServerTest, Fault500OnFirstAttemptOnly) {
  std::string body = chat_body("f500", "Find x.", 3, true);
  EXPECT_EQ(request(port_, http::verb::post, "/v1/chat/completions", body).status, 500);
  Reply retry = request(port_, http::verb::post, "/v1/chat/completions", body);
  EXPECT_EQ(retry.status, 200);
  EXPECT_TRUE(decode(retry.body).done);
  // Another seed is another request, with its own first attempt.
  EXPECT_EQ(request(port_, http::verb::post, "/v1/chat/completions", chat_body("f500", "Find x.", 4, true)).status, 500);
}

TEST_F(SimServerTest, Fault429CarriesRetryAfter) {
  std::string body = chat_body("f429", "Find x.", 3, true);
  Reply first = request(port_, http::verb::post, "/v1/chat/completions", body);
  EXPECT_EQ(first.status, 429);
  EXPECT_EQ(first.retry_after, "7");
  EXPECT_EQ(request(port_, http::verb::post, "/v1/chat/completions", body).status, 200);
}

TEST_F(SimServerTest, CutStreamEndsWithoutFinishThenRetrySucceeds) {
  std::string body = chat_body("fcut", "Find x.", 3, true);
  Reply first = request(port_, http::verb::post, "/v1/chat/completions", body);
  EXPECT_EQ(first.status, 200);
  EXPECT_FALSE(first.complete);  // no terminating chunk: the connection just closed
  Streamed s = decode(first.body);
  EXPECT_FALSE(s.done);
  EXPECT_EQ(s.finish_reason, "");
  Reply retry = request(port_, http::verb::post, "/v1/chat/completions", body);
  EXPECT_TRUE(retry.complete);
  Streamed ok = decode(retry.body);
  EXPECT_TRUE(ok.done);
  EXPECT_EQ(ok.content, text_of(expected("fcut", "Find x.", 3), false));
}

TEST_F(SimServerTest, MalformedChunkOnFirstAttemptOnly) {
  std::string body = chat_body("fmal", "Find x.", 3, true);
  EXPECT_EQ(decode(request(port_, http::verb::post, "/v1/chat/completions", body).body).bad_json, 1);
  EXPECT_EQ(decode(request(port_, http::verb::post, "/v1/chat/completions", body).body).bad_json, 0);
}

TEST_F(SimServerTest, StalledStreamStillDeliversTheSameResponse) {
  Reply r = request(port_, http::verb::post, "/v1/chat/completions", chat_body("fstall", "Find x.", 3, true));
  Streamed s = decode(r.body);
  EXPECT_TRUE(s.done);
  EXPECT_EQ(s.content, text_of(expected("fstall", "Find x.", 3), false));
  EXPECT_EQ(server_->stats().faults, 1u);
}

TEST_F(SimServerTest, RpmLimitAnswers429WithRetryAfter) {
  std::string body = chat_body("rpm", "hello", 1, false);
  EXPECT_EQ(request(port_, http::verb::post, "/v1/chat/completions", body).status, 200);
  EXPECT_EQ(request(port_, http::verb::post, "/v1/chat/completions", body).status, 200);
  Reply third = request(port_, http::verb::post, "/v1/chat/completions", body);
  EXPECT_EQ(third.status, 429);
  EXPECT_FALSE(third.retry_after.empty());
  EXPECT_GE(std::stoi(third.retry_after), 1);
}

TEST_F(SimServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  asio::io_context ioc;
  tcp::socket sock(ioc);
  sock.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port_)));
  for (uint64_t seed = 0; seed < 3; ++seed) {
    Reply r = send(sock, http::verb::post, "/v1/chat/completions", chat_body("delayed", "Find x.", seed, true));
    EXPECT_TRUE(r.complete);
    EXPECT_EQ(decode(r.body).content, text_of(expected("delayed", "Find x.", seed), false));
  }
  EXPECT_EQ(send(sock, http::verb::get, "/health", "").status, 200);
}

TEST_F(SimServerTest, ExpectContinueIsAnsweredBeforeTheBody) {
  // curl sends "Expect: 100-continue" for bodies over 1 KiB and waits for the go-ahead.
  asio::io_context ioc;
  tcp::socket sock(ioc);
  sock.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port_)));
  std::string body = chat_body("vllm", "Find x." + std::string(2000, ' '), 5, false);
  std::string head = "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                     "Expect: 100-continue\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  asio::write(sock, asio::buffer(head));
  std::string interim;
  asio::read_until(sock, asio::dynamic_buffer(interim), "\r\n\r\n");
  EXPECT_EQ(interim.rfind("HTTP/1.1 100 Continue\r\n\r\n", 0), 0u);
  asio::write(sock, asio::buffer(body));
  beast::flat_buffer buf;
  http::response<http::string_body> res;
  http::read(sock, buf, res);
  EXPECT_EQ(res.result_int(), 200u);
  EXPECT_EQ(json::parse(res.body())["choices"][0]["finish_reason"], "stop");
}

TEST_F(SimServerTest, ConcurrentStreamsAreEachDeterministic) {
  const int kClients = 24;
  std::vector<std::string> got(kClients);
  std::vector<std::thread> threads;
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&, i] {
      std::string prompt = i % 2 ? "Find x." : "synthetic load " + std::to_string(i % 5);
      got[i] = request(port_, http::verb::post, "/v1/chat/completions", chat_body("delayed", prompt, i, true)).body;
    });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < kClients; ++i) {
    std::string prompt = i % 2 ? "Find x." : "synthetic load " + std::to_string(i % 5);
    SimScript want = expected("delayed", prompt, static_cast<uint64_t>(i));
    Streamed s = decode(got[i]);
    EXPECT_TRUE(s.done);
    EXPECT_EQ(s.reasoning, text_of(want, true)) << i;
    EXPECT_EQ(s.content, text_of(want, false)) << i;
  }
}

TEST(SimServerBind, RefusesNonLoopbackWithoutAllowRemote) {
  std::map<std::string, SimProfile> profiles{{"a", base_profile("a")}};
  SimOptions opts;
  opts.host = "0.0.0.0";
  SimServer server(opts, profiles, nullptr);
  try {
    server.start();
    FAIL() << "bound a non-loopback address";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("non-loopback"), std::string::npos);
  }
}

TEST(SimMain, BadProfilesFileIsAUsageErrorNamingIt) {
  std::ostringstream out, err;
  EXPECT_EQ(sim_main(SimOptions{}, "/nonexistent/profiles.toml", out, err), 2);
  EXPECT_EQ(out.str(), "");
  EXPECT_NE(err.str().find("/nonexistent/profiles.toml"), std::string::npos);
}

}  // namespace
}  // namespace rigor
