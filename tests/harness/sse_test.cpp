// The SSE parser and the OpenAI chunk decoder, driven by tests/data/sse_*.
#include "harness/sse.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <utility>
#include <vector>

#include "harness/engines/openai_stream.h"
#include "tests/case_table.h"
#include "tests/harness/engine_test_util.h"

namespace rigor {
namespace {

using Events = std::vector<std::pair<std::string, std::string>>;

// sse_chunks.tsv (name, chunk, expected) and sse_streams.tsv (file, expected)
// hold JSON: their backslashes are JSON's escapes and are read as written.
std::vector<testing::CaseRow> chunk_cases() {
  return testing::read_cases("sse_chunks.tsv", 3, {.escapes = testing::Escapes::kNone});
}
std::vector<testing::CaseRow> stream_cases() {
  return testing::read_cases("sse_streams.tsv", 2, {.escapes = testing::Escapes::kNone});
}

// Feeds input cut at the given offsets (sorted) and collects the events.
Events parse_split(const std::string& input, const std::vector<size_t>& cuts) {
  SseParser parser;
  Events events;
  auto on_event = [&](const SseEvent& e) { events.emplace_back(std::string(e.type), std::string(e.data)); };
  size_t pos = 0;
  for (size_t cut : cuts) {
    parser.feed(std::string_view(input).substr(pos, cut - pos), on_event);
    pos = cut;
  }
  parser.feed(std::string_view(input).substr(pos), on_event);
  return events;
}

TEST(SseParser, EventCasesFromDataFileAtEverySplit) {
  std::istringstream lines(test::read_data_file("sse_events.jsonl"));
  std::string line;
  int cases = 0;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    const auto c = nlohmann::json::parse(line);
    const std::string input = c["input"];
    Events expected;
    for (const auto& e : c["events"]) expected.emplace_back(e[0], e[1]);
    SCOPED_TRACE(c["name"].get<std::string>());
    EXPECT_EQ(parse_split(input, {}), expected);
    for (size_t cut = 0; cut <= input.size(); ++cut) {
      EXPECT_EQ(parse_split(input, {cut}), expected) << "split at " << cut;
    }
    std::vector<size_t> every;
    for (size_t i = 1; i < input.size(); ++i) every.push_back(i);
    EXPECT_EQ(parse_split(input, every), expected) << "byte by byte";
    ++cases;
  }
  EXPECT_GT(cases, 10);
}

// Line ends are found sixteen bytes a step: CR, LF and CRLF must end a line
// wherever they fall in the step.
TEST(SseParser, LineEndsAreFoundAtEveryOffset) {
  for (const std::string eol : {"\n", "\r", "\r\n"}) {
    for (size_t len = 0; len <= 40; ++len) {
      const std::string value(len, 'x');
      const std::string input = "data: " + value + eol + "data: y" + eol + eol;
      const Events expected = {{"", value + "\ny"}};
      EXPECT_EQ(parse_split(input, {}), expected) << len;
      EXPECT_EQ(parse_split(input, {6 + len}), expected) << len << " split before the line end";
    }
  }
}

TEST(SseParser, FinishReportsAnEventCutShort) {
  SseParser parser;
  int events = 0;
  parser.feed("data: a\n\ndata: {\"half", [&](const SseEvent&) { ++events; });
  EXPECT_EQ(events, 1);
  EXPECT_TRUE(parser.finish());
  parser.feed("data: a\n\n", [&](const SseEvent&) { ++events; });
  EXPECT_FALSE(parser.finish());
}

TEST(SseParser, IdPersistsAndRetryIsRead) {
  SseParser parser;
  std::vector<std::string> ids;
  parser.feed("id: 1\nretry: 2500\ndata: a\n\ndata: b\n\n", [&](const SseEvent& e) { ids.emplace_back(e.id); });
  EXPECT_EQ(ids, (std::vector<std::string>{"1", "1"}));
  EXPECT_EQ(parser.retry_ms(), 2500);
}

// ---- chunk decoding -------------------------------------------------------

void expect_chunk(const ChatChunk& got, const nlohmann::json& want) {
  if (want.contains("content")) {
    if (want["content"].is_null()) {
      EXPECT_FALSE(got.has_content);
    } else {
      EXPECT_TRUE(got.has_content);
      EXPECT_EQ(got.content, want["content"].get<std::string>());
    }
  }
  if (want.contains("reasoning")) {
    if (want["reasoning"].is_null()) {
      EXPECT_FALSE(got.has_reasoning);
    } else {
      EXPECT_TRUE(got.has_reasoning);
      EXPECT_EQ(got.reasoning, want["reasoning"].get<std::string>());
    }
  }
  if (want.contains("finish_reason")) {
    EXPECT_EQ(got.finish_reason, want["finish_reason"].get<std::string>());
  }
  if (want.contains("model")) {
    EXPECT_EQ(got.model, want["model"].get<std::string>());
  }
  if (want.contains("usage")) {
    if (want["usage"].is_null()) {
      EXPECT_FALSE(got.has_usage);
    } else {
      EXPECT_TRUE(got.has_usage);
      const auto& u = want["usage"];
      EXPECT_EQ(got.usage.prompt_tokens, u[0].get<int64_t>());
      EXPECT_EQ(got.usage.cached_tokens, u[1].get<int64_t>());
      EXPECT_EQ(got.usage.completion_tokens, u[2].get<int64_t>());
      EXPECT_EQ(got.usage.reasoning_tokens, u[3].get<int64_t>());
    }
  }
  if (want.contains("error")) {
    if (want["error"].is_null()) {
      EXPECT_FALSE(got.has_error);
    } else {
      EXPECT_TRUE(got.has_error);
      EXPECT_EQ(got.error_message, want["error"][0].get<std::string>());
      EXPECT_EQ(got.error_type, want["error"][1].get<std::string>());
      EXPECT_EQ(got.error_status, want["error"][2].get<int>());
    }
  }
}

TEST(ChatChunkDecode, CasesFromDataFile) {
  ChatChunk chunk;  // reused, as the engine does: no state may leak between chunks
  int cases = 0;
  for (const auto& row : chunk_cases()) {
    SCOPED_TRACE(row[0]);
    const auto want = nlohmann::json::parse(row[2]);
    const auto result = decode_chat_chunk(row[1], chunk);
    if (want.value("parse_error", false)) {
      EXPECT_FALSE(result.has_value());
      if (!result) {
        EXPECT_NE(result.error().find("at byte"), std::string::npos) << result.error();
      }
    } else {
      ASSERT_TRUE(result.has_value()) << result.error();
      expect_chunk(chunk, want);
    }
    ++cases;
  }
  EXPECT_GT(cases, 25);
}

// The hand-written decoder must agree with a full JSON parser on every chunk
// we have: content, reasoning, finish_reason, model and usage.
void cross_check(std::string_view payload) {
  const auto doc = nlohmann::json::parse(payload);
  ChatChunk chunk;
  const auto result = decode_chat_chunk(payload, chunk);
  ASSERT_TRUE(result.has_value()) << result.error() << " in " << payload;
  const nlohmann::json* delta = nullptr;
  if (doc.contains("choices") && doc["choices"].is_array() && !doc["choices"].empty()) {
    const auto& c0 = doc["choices"][0];
    if (c0.contains("delta")) delta = &c0["delta"];
    const std::string finish = c0.contains("finish_reason") && c0["finish_reason"].is_string()
                                   ? c0["finish_reason"].get<std::string>()
                                   : "";
    EXPECT_EQ(chunk.finish_reason, finish);
  }
  auto str = [&](const char* key) -> std::optional<std::string> {
    if (delta && delta->contains(key) && (*delta)[key].is_string()) return (*delta)[key].get<std::string>();
    return std::nullopt;
  };
  const auto content = str("content");
  EXPECT_EQ(chunk.has_content, content.has_value());
  if (content) {
    EXPECT_EQ(chunk.content, *content);
  }
  auto reasoning = str("reasoning_content");
  if (!reasoning) reasoning = str("reasoning");
  EXPECT_EQ(chunk.has_reasoning, reasoning.has_value());
  if (reasoning) {
    EXPECT_EQ(chunk.reasoning, *reasoning);
  }
  EXPECT_EQ(chunk.model, doc.value("model", std::string()));
  const bool has_usage = doc.contains("usage") && doc["usage"].is_object();
  EXPECT_EQ(chunk.has_usage, has_usage);
  if (has_usage) {
    EXPECT_EQ(chunk.usage.prompt_tokens, doc["usage"].value("prompt_tokens", int64_t{-1}));
    EXPECT_EQ(chunk.usage.completion_tokens, doc["usage"].value("completion_tokens", int64_t{-1}));
  }
}

TEST(ChatChunkDecode, AgreesWithNlohmannOnEveryRecordedChunk) {
  int checked = 0;
  for (const auto& row : stream_cases()) {
    const std::string stream = test::read_data_file(row[0]);
    SseParser parser;
    parser.feed(stream, [&](const SseEvent& e) {
      if (e.data == "[DONE]") return;
      cross_check(e.data);
      ++checked;
    });
  }
  for (const auto& row : chunk_cases()) {
    if (nlohmann::json::parse(row[2]).value("parse_error", false)) continue;
    if (nlohmann::json::parse(row[1]).contains("error")) continue;
    if (nlohmann::json::parse(row[1]).value("object", "") == "error") continue;
    cross_check(row[1]);
    ++checked;
  }
  EXPECT_GT(checked, 40);
}

// Every edit of a chunk (a byte dropped, something inserted, the chunk cut)
// either reads as a full JSON parser reads it or is refused as malformed.
TEST(ChatChunkDecode, EveryEditOfAChunkReadsAsAFullParserDoesOrIsRefused) {
  const std::string chunk =
      R"({"id":"chatcmpl-1","object":"chat.completion.chunk","created":17,"model":"m","choices":[{"index":0,)"
      R"("delta":{"reasoning_content":"a\nb"},"logprobs":null,"finish_reason":null}],"usage":null})";
  const std::string inserts[] = {"}", "]", "\"", ",", " ", "x", "null", R"({"content":"z"})", R"("extra":"stop",)"};
  // (A duplicated key is left out: JSON does not say which one counts.)
  int read = 0, refused = 0;
  for (size_t at = 0; at <= chunk.size(); ++at) {
    std::vector<std::string> variants;
    for (const std::string& ins : inserts) variants.push_back(chunk.substr(0, at) + ins + chunk.substr(at));
    if (at < chunk.size()) variants.push_back(chunk.substr(0, at) + chunk.substr(at + 1));  // a byte dropped
    variants.push_back(chunk.substr(0, at));                                                  // cut here
    for (const std::string& v : variants) {
      const auto doc = nlohmann::json::parse(v, nullptr, false);
      if (!doc.is_discarded() && doc.is_object()) {
        cross_check(v);
        ++read;
      } else {
        ChatChunk out;
        EXPECT_FALSE(decode_chat_chunk(v, out).has_value()) << v;
        ++refused;
      }
    }
  }
  EXPECT_GT(read, 200);
  EXPECT_GT(refused, 800);
}

// Random text (ASCII, controls, BMP and astral code points) encoded by
// nlohmann both escaped (\uXXXX, surrogate pairs) and raw must decode back.
TEST(ChatChunkDecode, RoundTripsRandomTextThroughBothEncodings) {
  uint64_t x = 12345;
  auto next = [&x] {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  };
  auto utf8 = [](std::string& out, uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  };
  ChatChunk chunk;
  for (int round = 0; round < 2000; ++round) {
    std::string text;
    const int len = static_cast<int>(next() % 40);
    for (int i = 0; i < len; ++i) {
      uint32_t cp;
      switch (next() % 4) {
        case 0: cp = static_cast<uint32_t>(next() % 0x80); break;
        case 1: cp = static_cast<uint32_t>(0x80 + next() % 0x780); break;
        case 2: cp = static_cast<uint32_t>(0x800 + next() % 0xD000); break;  // below the surrogates
        default: cp = static_cast<uint32_t>(0x10000 + next() % 0x100000); break;
      }
      if (cp >= 0xD800 && cp <= 0xDFFF) cp = 0xE000;
      utf8(text, cp);
    }
    const nlohmann::json doc = {{"choices", {{{"delta", {{"content", text}}}}}}};
    for (bool ascii : {true, false}) {
      const std::string payload = doc.dump(-1, ' ', ascii);
      const auto result = decode_chat_chunk(payload, chunk);
      ASSERT_TRUE(result.has_value()) << result.error() << " in " << payload;
      ASSERT_EQ(chunk.content, text) << payload;
    }
  }
}

// ---- whole recorded streams -------------------------------------------------

CompletionResult run_stream(const std::string& bytes, const std::vector<size_t>& cuts) {
  SseParser parser;
  ChatStream stream;
  std::optional<Error> failure;
  double t = 0;
  auto on_event = [&](const SseEvent& e) {
    if (failure) return;
    t += 0.01;
    if (auto r = stream.on_data(e.data, t); !r) failure = r.error();
  };
  size_t pos = 0;
  for (size_t cut : cuts) {
    parser.feed(std::string_view(bytes).substr(pos, cut - pos), on_event);
    pos = cut;
  }
  parser.feed(std::string_view(bytes).substr(pos), on_event);
  parser.finish();
  if (failure) return tl::make_unexpected(*failure);
  return stream.finish(t + 0.01);
}

void expect_completion(const CompletionResult& got, const nlohmann::json& want) {
  if (want.contains("error")) {
    ASSERT_FALSE(got.has_value()) << "a cut stream must never come back complete";
    EXPECT_EQ(to_string(got.error().code), want["error"].get<std::string>());
    return;
  }
  ASSERT_TRUE(got.has_value()) << got.error().message;
  const Completion& c = *got;
  EXPECT_EQ(c.text, want["text"].get<std::string>());
  EXPECT_EQ(c.reasoning, want["reasoning"].get<std::string>());
  EXPECT_EQ(c.finish_reason, want["finish_reason"].get<std::string>());
  EXPECT_EQ(c.server_model, want["model"].get<std::string>());
  EXPECT_EQ(c.usage.prompt_tokens, want["prompt_tokens"].get<int64_t>());
  EXPECT_EQ(c.usage.cached_tokens, want["cached_tokens"].get<int64_t>());
  EXPECT_EQ(c.usage.completion_tokens, want["completion_tokens"].get<int64_t>());
  EXPECT_EQ(c.usage.reasoning_tokens, want["reasoning_tokens"].get<int64_t>());
  EXPECT_EQ(c.reasoning_unclosed, want["unclosed"].get<bool>());
  EXPECT_EQ(c.chunks.size(), want["chunks"].get<size_t>());
  size_t answer_chunks = 0;
  for (const ChunkTime& ch : c.chunks) answer_chunks += ch.reasoning ? 0 : 1;
  EXPECT_EQ(answer_chunks, want["answer_chunks"].get<size_t>());
  ASSERT_FALSE(c.chunks.empty());
  EXPECT_DOUBLE_EQ(c.ttft_s, c.chunks.front().t_s);
  EXPECT_DOUBLE_EQ(c.last_token_s, c.chunks.back().t_s);
  if (answer_chunks == 0) {
    EXPECT_EQ(c.ttfat_s, -1);
  } else {
    EXPECT_GE(c.ttfat_s, c.ttft_s);
  }
}

TEST(ChatStream, RecordedStreamsFromDataFile) {
  for (const auto& row : stream_cases()) {
    SCOPED_TRACE(row[0]);
    expect_completion(run_stream(test::read_data_file(row[0]), {}), nlohmann::json::parse(row[1]));
  }
}

// Network reads split anywhere: the result must not depend on where.
TEST(ChatStream, RecordedStreamsSplitAtEveryByte) {
  for (const auto& row : stream_cases()) {
    SCOPED_TRACE(row[0]);
    const std::string bytes = test::read_data_file(row[0]);
    const auto want = nlohmann::json::parse(row[1]);
    for (size_t cut = 1; cut < bytes.size(); ++cut) {
      const auto got = run_stream(bytes, {cut});
      if (want.contains("error")) {
        ASSERT_FALSE(got.has_value()) << "split at " << cut;
      } else {
        ASSERT_TRUE(got.has_value()) << "split at " << cut << ": " << got.error().message;
        ASSERT_EQ(got->text, want["text"].get<std::string>()) << "split at " << cut;
        ASSERT_EQ(got->reasoning, want["reasoning"].get<std::string>()) << "split at " << cut;
      }
    }
    std::vector<size_t> every;
    for (size_t i = 1; i < bytes.size(); ++i) every.push_back(i);
    expect_completion(run_stream(bytes, every), want);
  }
}

TEST(ChatStream, ErrorObjectInStreamIsAnErrorWithItsStatus) {
  ChatStream stream;
  ASSERT_TRUE(stream.on_data(R"({"choices":[{"delta":{"content":"a"}}]})", 0.1));
  const auto r = stream.on_data(R"({"error":{"message":"overloaded","code":503}})", 0.2);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kServer);
  EXPECT_EQ(r.error().http_status, 503);
  EXPECT_NE(r.error().message.find("overloaded"), std::string::npos);
}

TEST(ChatStream, MalformedChunkIsAParseError) {
  ChatStream stream;
  const auto r = stream.on_data(R"({"choices":[{"delta":{"content":"a)", 0.1);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kParse);
}

TEST(ChatStream, DoneWithoutFinishReasonIsComplete) {
  ChatStream stream;
  ASSERT_TRUE(stream.on_data(R"({"choices":[{"delta":{"content":"a"}}]})", 0.1));
  ASSERT_TRUE(stream.on_data("[DONE]", 0.2));
  const auto r = stream.finish(0.3);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->text, "a");
  EXPECT_EQ(r->finish_reason, "");
}

TEST(ChatStream, UsageFieldsMergeAcrossChunks) {
  ChatStream stream;
  ASSERT_TRUE(stream.on_data(R"({"choices":[{"delta":{"content":"a"},"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":1}})", 0.1));
  ASSERT_TRUE(stream.on_data(R"({"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":2,"completion_tokens_details":{"reasoning_tokens":0}}})", 0.2));
  const auto r = stream.finish(0.3);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->usage.completion_tokens, 2);
  EXPECT_EQ(r->usage.reasoning_tokens, 0);
  EXPECT_EQ(r->usage.cached_tokens, -1);
}

}  // namespace
}  // namespace rigor
