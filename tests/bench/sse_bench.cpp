// Parsing speed of streamed chat chunks: SSE framing plus the chunk JSON
// decode, on realistic vLLM and llama.cpp lines. Items = chunks.
// Target: >= 2,000,000 chunks/s on one core (<= 0.5 us a chunk), decode
// included. Figures with their load: see the commit that last changed the
// decoding path.
#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "harness/engines/openai_stream.h"
#include "harness/sse.h"

namespace rigor {
namespace {

constexpr int kChunks = 2000;
constexpr size_t kReadSize = 16384;  // a typical socket read

std::string vllm_line(int i) {
  const bool reasoning = i % 4 != 3;
  return std::string(R"(data: {"id":"chatcmpl-5f1e0a7b9c2d4e6f8a0b","object":"chat.completion.chunk","created":1737012345,"model":"deepseek-ai/DeepSeek-R1-Distill-Qwen-7B","choices":[{"index":0,"delta":{)") +
         (reasoning ? R"("reasoning_content":" the sum \u2211 of")" : R"("content":" $\\boxed{4}$\n")") +
         R"(},"logprobs":null,"finish_reason":null}]})" + "\n\n";
}

std::string llamacpp_line(int i) {
  return std::string(R"(data: {"choices":[{"finish_reason":null,"index":0,"delta":{"content":")") +
         (i % 2 ? " token" : "\\nCaf\\u00e9") +
         R"("}}],"created":1737012345,"id":"chatcmpl-Qx7hN2","model":"DeepSeek-R1-Distill-Qwen-1.5B-Q4_K_M.gguf","system_fingerprint":"b4600-8a1d9c3f","object":"chat.completion.chunk"})" +
         "\r\n\r\n";
}

std::string stream_of(std::string (*line)(int)) {
  std::string s;
  for (int i = 0; i < kChunks; ++i) s += line(i);
  return s;
}

void feed_in_reads(SseParser& parser, const std::string& bytes, const SseHandler& on_event) {
  for (size_t pos = 0; pos < bytes.size(); pos += kReadSize) {
    parser.feed(std::string_view(bytes).substr(pos, kReadSize), on_event);
  }
}

void BM_SseParseAndDecode(benchmark::State& state, std::string (*line)(int)) {
  const std::string bytes = stream_of(line);
  ChatChunk chunk;
  size_t text = 0;
  for (auto _ : state) {
    SseParser parser;
    feed_in_reads(parser, bytes, [&](const SseEvent& e) {
      if (!decode_chat_chunk(e.data, chunk)) state.SkipWithError("decode failed");
      text += chunk.content.size() + chunk.reasoning.size();
    });
    benchmark::DoNotOptimize(text);
  }
  state.SetItemsProcessed(state.iterations() * kChunks);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(bytes.size()));
}
BENCHMARK_CAPTURE(BM_SseParseAndDecode, vllm, vllm_line);
BENCHMARK_CAPTURE(BM_SseParseAndDecode, llamacpp, llamacpp_line);

// The whole per-attempt path: framing, decode, accumulation, <think> split.
void BM_ChatStream(benchmark::State& state) {
  const std::string bytes = stream_of(vllm_line);
  for (auto _ : state) {
    SseParser parser;
    ChatStream stream;
    double t = 0;
    feed_in_reads(parser, bytes, [&](const SseEvent& e) {
      t += 1e-3;
      if (!stream.on_data(e.data, t)) state.SkipWithError("stream failed");
    });
    stream.on_data(R"({"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]})", t);
    auto c = stream.finish(t);
    benchmark::DoNotOptimize(c);
  }
  state.SetItemsProcessed(state.iterations() * kChunks);
}
BENCHMARK(BM_ChatStream);

// As the engine is fed: curl hands over one HTTP chunk per write callback,
// and a streaming server sends one event per HTTP chunk, so each feed() is a
// single event. Texts as a math answer streams them, a token a chunk.
std::string math_line(int i) {
  // JSON string bodies: LaTeX backslashes and newlines arrive escaped.
  static const char* const kPieces[] = {R"( Let)", R"( \\()", R"(x)", R"(^2)", R"( +)", R"( \\frac{1}{2})",
                                        R"(\\))", R"( so)", R"( the)", R"( answer)", R"( is)", R"( \\boxed{)",
                                        R"(42)", R"(})", R"(.)", R"(\n\n)"};
  const bool reasoning = i % 8 != 7;
  return std::string(R"(data: {"id":"chatcmpl-7d0c3b9e","object":"chat.completion.chunk","created":1764000000,"model":"sim-full","choices":[{"index":0,"delta":{)") +
         (reasoning ? R"("reasoning_content":")" : R"("content":")") + kPieces[i % 16] +
         R"("},"logprobs":null,"finish_reason":null}]})" + "\n\n";
}

void BM_ChatStreamEventPerFeed(benchmark::State& state) {
  std::vector<std::string> events;
  for (int i = 0; i < kChunks; ++i) events.push_back(math_line(i));
  const SseHandler* handler = nullptr;
  for (auto _ : state) {
    SseParser parser;
    ChatStream stream;
    double t = 0;
    const SseHandler on_event = [&](const SseEvent& e) {
      if (!stream.on_data(e.data, t)) state.SkipWithError("stream failed");
    };
    handler = &on_event;
    for (const std::string& e : events) {
      t += 1e-3;
      parser.feed(e, *handler);
    }
    stream.on_data(R"({"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]})", t);
    auto c = stream.finish(t);
    benchmark::DoNotOptimize(c);
  }
  state.SetItemsProcessed(state.iterations() * kChunks);
}
BENCHMARK(BM_ChatStreamEventPerFeed);

void BM_SseParseOnly(benchmark::State& state) {
  const std::string bytes = stream_of(vllm_line);
  size_t n = 0;
  for (auto _ : state) {
    SseParser parser;
    feed_in_reads(parser, bytes, [&](const SseEvent& e) { n += e.data.size(); });
    benchmark::DoNotOptimize(n);
  }
  state.SetItemsProcessed(state.iterations() * kChunks);
}
BENCHMARK(BM_SseParseOnly);

// For comparison: the same fields through a full nlohmann DOM per chunk.
void BM_SseParseAndNlohmannDom(benchmark::State& state) {
  const std::string bytes = stream_of(vllm_line);
  size_t text = 0;
  for (auto _ : state) {
    SseParser parser;
    feed_in_reads(parser, bytes, [&](const SseEvent& e) {
      const auto doc = nlohmann::json::parse(e.data);
      const auto& delta = doc["choices"][0]["delta"];
      if (delta.contains("content")) text += delta["content"].get_ref<const std::string&>().size();
      if (delta.contains("reasoning_content")) text += delta["reasoning_content"].get_ref<const std::string&>().size();
    });
    benchmark::DoNotOptimize(text);
  }
  state.SetItemsProcessed(state.iterations() * kChunks);
}
BENCHMARK(BM_SseParseAndNlohmannDom);

}  // namespace
}  // namespace rigor

BENCHMARK_MAIN();
