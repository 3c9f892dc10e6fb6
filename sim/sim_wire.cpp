#include "sim/sim_wire.h"

#include <charconv>
#include <optional>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/json_escape.h"
#include "base/json_scanner.h"
#include "sim/sim_generate.h"

namespace rigor::sim {
namespace {

using nlohmann::json;
using ordered = nlohmann::ordered_json;

HttpError bad_request(std::string message, std::string code = "") {
  return HttpError{400, "invalid_request_error", std::move(message), std::move(code)};
}

// A message's text: a string, or an array of {"type":"text","text":...} parts.
tl::expected<std::string, HttpError> message_text(const json& content, size_t i) {
  if (content.is_string()) return content.get<std::string>();
  if (content.is_array()) {
    std::string text;
    for (size_t k = 0; k < content.size(); ++k) {
      const json& part = content[k];
      if (!part.is_object() || !part.contains("text") || !part["text"].is_string())
        return tl::unexpected(bad_request(fmt::format("messages[{}].content[{}]: expected {{\"type\":\"text\",\"text\":...}}", i, k)));
      text += part["text"].get<std::string>();
    }
    return text;
  }
  if (content.is_null()) return std::string();
  return tl::unexpected(bad_request(fmt::format("messages[{}].content: expected a string or an array of parts", i)));
}

std::string usage_json(const SimProfile& p, const SimScript& s) {
  if (p.dialect == Dialect::kLlamaCpp)
    return fmt::format(R"({{"completion_tokens":{},"prompt_tokens":{},"total_tokens":{}}})", s.completion_tokens,
                       s.prompt_tokens, s.prompt_tokens + s.completion_tokens);
  return fmt::format(
      R"({{"prompt_tokens":{},"total_tokens":{},"completion_tokens":{},"completion_tokens_details":{{"reasoning_tokens":{}}}}})",
      s.prompt_tokens, s.prompt_tokens + s.completion_tokens, s.completion_tokens, s.reasoning_tokens);
}

std::string timings_json(const SimScript& s, double prompt_ms, double gen_ms) {
  auto per_token = [](double ms, int64_t n) { return n > 0 ? ms / static_cast<double>(n) : 0.0; };
  auto per_second = [](double ms, int64_t n) { return ms > 0 ? 1000.0 * static_cast<double>(n) / ms : 0.0; };
  return fmt::format(
      R"({{"prompt_n":{},"prompt_ms":{:.3f},"prompt_per_token_ms":{:.3f},"prompt_per_second":{:.3f},"predicted_n":{},"predicted_ms":{:.3f},"predicted_per_token_ms":{:.3f},"predicted_per_second":{:.3f}}})",
      s.prompt_tokens, prompt_ms, per_token(prompt_ms, s.prompt_tokens), per_second(prompt_ms, s.prompt_tokens),
      s.completion_tokens, gen_ms, per_token(gen_ms, s.completion_tokens), per_second(gen_ms, s.completion_tokens));
}

std::string json_quoted(std::string_view s) {
  std::string out = "\"";
  rigor::json::append_escaped(out, s);
  out += '"';
  return out;
}

}  // namespace

// The common request, read without building a document: ASCII, string
// contents, the documented types. Anything else (non-ASCII, content parts,
// a repeated key, a wrong type, an error) returns nullopt and goes through
// the full parser below, which gives the same result for valid requests
// and the detailed error for invalid ones.
std::optional<ChatRequest> parse_simple_chat_request(std::string_view body) {
  for (char c : body) {
    if (static_cast<unsigned char>(c) >= 0x80) return std::nullopt;  // UTF-8 is validated by the full parser
  }
  rigor::json::Scanner s(body);
  ChatRequest r;
  bool have_model = false, have_messages = false, have_user = false;
  std::optional<int64_t> max_tokens, max_completion_tokens;
  std::vector<std::string_view> seen;
  auto positive = [&](std::optional<int64_t>& out) {
    if (s.null()) return true;
    std::string_view token;
    if (!s.number(token)) return false;
    int64_t v = 0;
    const auto [ptr, ec] = std::from_chars(token.data(), token.data() + token.size(), v);
    if (ec != std::errc() || ptr != token.data() + token.size() || v < 1) return false;
    out = v;
    return true;
  };
  const bool ok = s.object([&](std::string_view k) {
    for (std::string_view prior : seen) {
      if (prior == k) return false;
    }
    if (seen.size() < 32) seen.push_back(k);
    if (k == "model") {
      have_model = true;
      return s.string(&r.model);
    }
    if (k == "messages") {
      have_messages = true;
      return s.array([&](size_t) {
        std::string role, text;
        bool have_role = false, have_content = false;
        const bool m_ok = s.object([&](std::string_view mk) {
          if (mk == "role") {
            if (have_role) return false;
            have_role = true;
            return s.string(&role);
          }
          if (mk == "content") {
            if (have_content) return false;
            have_content = true;
            if (s.null()) return true;
            return s.string(&text);
          }
          return s.skip();
        });
        if (!m_ok || !have_role) return false;
        r.prompt_tokens += count_words(text);
        if (role == "user") {
          r.prompt = std::move(text);
          have_user = true;
        }
        return true;
      });
    }
    if (k == "stream") return s.null() || s.boolean(r.stream);
    if (k == "stream_options") {
      if (s.null()) return true;
      bool have_include = false;
      return s.object([&](std::string_view ok_key) {
        if (ok_key != "include_usage") return s.skip();
        if (have_include) return false;
        have_include = true;
        return s.boolean(r.include_usage);
      });
    }
    if (k == "max_tokens") return positive(max_tokens);
    if (k == "max_completion_tokens") return positive(max_completion_tokens);
    if (k == "n") {
      std::optional<int64_t> n;
      if (!positive(n)) return false;
      if (n) r.n = *n;
      return true;
    }
    if (k == "seed") {
      if (s.null()) return true;
      std::string_view token;
      if (!s.number(token)) return false;
      const char* end = token.data() + token.size();
      if (!token.empty() && token.front() == '-') {
        int64_t v = 0;
        const auto [ptr, ec] = std::from_chars(token.data(), end, v);
        if (ec != std::errc() || ptr != end) return false;
        r.seed = static_cast<uint64_t>(v);
        return true;
      }
      const auto [ptr, ec] = std::from_chars(token.data(), end, r.seed);
      return ec == std::errc() && ptr == end;
    }
    return s.skip();
  }) && s.at_end();
  if (!ok || !have_model || !have_messages || !have_user) return std::nullopt;
  // As the full parser: max_completion_tokens is read after max_tokens.
  r.max_tokens = max_completion_tokens ? max_completion_tokens : max_tokens;
  return r;
}

tl::expected<ChatRequest, HttpError> parse_chat_request(std::string_view body) {
  if (auto simple = parse_simple_chat_request(body)) return std::move(*simple);
  return parse_chat_request_document(body);
}

tl::expected<ChatRequest, HttpError> parse_chat_request_document(std::string_view body) {
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return tl::unexpected(bad_request("request body is not valid JSON"));
  if (!j.is_object()) return tl::unexpected(bad_request("request body must be a JSON object"));
  ChatRequest r;
  if (!j.contains("model") || !j["model"].is_string())
    return tl::unexpected(bad_request("model: required string field", "invalid_value"));
  r.model = j["model"].get<std::string>();
  if (!j.contains("messages") || !j["messages"].is_array() || j["messages"].empty())
    return tl::unexpected(bad_request("messages: required non-empty array"));
  const json& msgs = j["messages"];
  bool have_user = false;
  for (size_t i = 0; i < msgs.size(); ++i) {
    const json& m = msgs[i];
    if (!m.is_object() || !m.contains("role") || !m["role"].is_string())
      return tl::unexpected(bad_request(fmt::format("messages[{}]: expected an object with a string role", i)));
    auto text = message_text(m.value("content", json()), i);
    if (!text) return tl::unexpected(text.error());
    r.prompt_tokens += count_words(*text);
    if (m["role"] == "user") {
      r.prompt = std::move(*text);
      have_user = true;
    }
  }
  if (!have_user) return tl::unexpected(bad_request("messages: no user message"));
  if (j.contains("stream") && !j["stream"].is_null()) {
    if (!j["stream"].is_boolean()) return tl::unexpected(bad_request("stream: expected a boolean"));
    r.stream = j["stream"].get<bool>();
  }
  if (j.contains("stream_options") && !j["stream_options"].is_null()) {
    const json& so = j["stream_options"];
    if (!so.is_object()) return tl::unexpected(bad_request("stream_options: expected an object"));
    if (so.contains("include_usage")) {
      if (!so["include_usage"].is_boolean())
        return tl::unexpected(bad_request("stream_options.include_usage: expected a boolean"));
      r.include_usage = so["include_usage"].get<bool>();
    }
  }
  for (const char* key : {"max_tokens", "max_completion_tokens"}) {
    if (!j.contains(key) || j[key].is_null()) continue;
    if (!j[key].is_number_integer() || j[key].get<int64_t>() < 1)
      return tl::unexpected(bad_request(fmt::format("{}: expected an integer >= 1", key)));
    r.max_tokens = j[key].get<int64_t>();
  }
  if (j.contains("seed") && !j["seed"].is_null()) {
    if (j["seed"].is_number_unsigned()) r.seed = j["seed"].get<uint64_t>();
    else if (j["seed"].is_number_integer()) r.seed = static_cast<uint64_t>(j["seed"].get<int64_t>());
    else return tl::unexpected(bad_request("seed: expected an integer"));
  }
  if (j.contains("n") && !j["n"].is_null()) {
    if (!j["n"].is_number_integer() || j["n"].get<int64_t>() < 1)
      return tl::unexpected(bad_request("n: expected an integer >= 1"));
    r.n = j["n"].get<int64_t>();
  }
  return r;
}

std::string error_body(const HttpError& e) {
  ordered err = {{"message", e.message}, {"type", e.type}, {"param", nullptr}};
  err["code"] = e.code.empty() ? ordered(e.status) : ordered(e.code);
  return ordered{{"error", err}}.dump();
}

ChunkRenderer::ChunkRenderer(const SimProfile& profile, std::string_view id, int64_t created) : profile_(profile) {
  std::string model = json_quoted(profile.name);
  if (profile.dialect == Dialect::kVllm) {
    meta_ = fmt::format(R"("id":{},"object":"chat.completion.chunk","created":{},"model":{})", json_quoted(id), created,
                        model);
    head_ = "data: {" + meta_ + R"(,"choices":[{"index":0,"delta":)";
    tail_ = "},\"logprobs\":null,\"finish_reason\":null}]}\n\n";
  } else {
    meta_ = fmt::format(R"("created":{},"id":{},"model":{},"system_fingerprint":"rigor-sim","object":"chat.completion.chunk")",
                        created, json_quoted(id), model);
    head_ = R"(data: {"choices":[{"finish_reason":null,"index":0,"delta":)";
    tail_ = "}}]," + meta_ + "}\n\n";
  }
  content_open_ = R"({"content":")";
  reasoning_open_ = profile.reasoning == ReasoningDelivery::kReasoning ? R"({"reasoning":")" : R"({"reasoning_content":")";
}

std::string ChunkRenderer::role_event() const {
  if (profile_.dialect != Dialect::kVllm) return {};
  return head_ + R"({"role":"assistant","content":"")" + tail_;
}

void ChunkRenderer::append_chunk(std::string& out, const SimChunk& chunk, bool malformed) const {
  out += head_;
  out += chunk.reasoning ? reasoning_open_ : content_open_;
  rigor::json::append_escaped(out, chunk.text);
  if (malformed) {
    out += "\n\n";  // the string, the delta and the chunk are never closed
    return;
  }
  out += '"';
  out += tail_;
}

std::string ChunkRenderer::finish_events(const SimScript& script, bool include_usage, double prompt_ms,
                                         double gen_ms) const {
  std::string out;
  const std::string finish = json_quoted(script.finish_reason);
  if (profile_.dialect == Dialect::kVllm) {
    out += head_ + R"({"content":""},"logprobs":null,"finish_reason":)" + finish + ",\"stop_reason\":null}]}\n\n";
    if (include_usage && profile_.usage != UsageReport::kNone)
      out += "data: {" + meta_ + R"(,"choices":[],"usage":)" + usage_json(profile_, script) + "}\n\n";
  } else {
    const std::string usage =
        profile_.usage == UsageReport::kNone ? "" : R"(,"usage":)" + usage_json(profile_, script);
    out += R"(data: {"choices":[{"finish_reason":)" + finish + R"(,"index":0,"delta":{}}],)" + meta_ + usage +
           R"(,"timings":)" + timings_json(script, prompt_ms, gen_ms) + "}\n\n";
  }
  out += "data: [DONE]\n\n";
  return out;
}

std::string completion_body(const SimProfile& profile, std::string_view id, int64_t created,
                            const SimScript& script) {
  std::string content, reasoning;
  for (const SimChunk& c : script.chunks) (c.reasoning ? reasoning : content) += c.text;
  ordered message = {{"role", "assistant"}, {"content", content}};
  if (profile.reasoning == ReasoningDelivery::kReasoningContent) message["reasoning_content"] = reasoning;
  if (profile.reasoning == ReasoningDelivery::kReasoning) message["reasoning"] = reasoning;
  ordered choice = {{"index", 0}, {"message", message}, {"finish_reason", script.finish_reason}};
  ordered body = {{"id", id}, {"object", "chat.completion"}, {"created", created}, {"model", profile.name},
                  {"choices", ordered::array({choice})}};
  if (profile.usage != UsageReport::kNone) body["usage"] = ordered::parse(usage_json(profile, script));
  return body.dump();
}

std::string models_body(const std::vector<const SimProfile*>& profiles, int64_t created) {
  ordered data = ordered::array();
  for (const SimProfile* p : profiles) {
    data.push_back({{"id", p->name},
                    {"object", "model"},
                    {"created", created},
                    {"owned_by", "rigor-sim"},
                    {"simulated", true},
                    {"label", p->label},
                    {"dialect", to_string(p->dialect)},
                    {"reasoning_delivery", to_string(p->reasoning)}});
  }
  return ordered{{"object", "list"}, {"data", data}}.dump();
}

}  // namespace rigor::sim
