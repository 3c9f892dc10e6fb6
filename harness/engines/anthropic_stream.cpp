#include "harness/engines/anthropic_stream.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace rigor {
namespace {

std::string excerpt(std::string_view text) {
  return text.size() <= 300 ? std::string(text) : std::string(text.substr(0, 300)) + "...";
}

Error parse_error(std::string_view what, std::string_view data) {
  return Error{ErrorCode::kParse, fmt::format("Anthropic stream: {}: {}", what, excerpt(data)), 0, -1};
}

ErrorCode code_for_error_type(const std::string& type) {
  if (type == "rate_limit_error") return ErrorCode::kRateLimited;
  if (type == "overloaded_error" || type == "api_error" || type == "timeout_error") return ErrorCode::kServer;
  if (type == "authentication_error" || type == "permission_error") return ErrorCode::kAuth;
  return ErrorCode::kInvalidRequest;
}

void read_count(const nlohmann::json& usage, const char* key, int64_t& dst) {
  auto it = usage.find(key);
  if (it != usage.end() && it->is_number_integer()) dst = it->get<int64_t>();
}

void read_usage(const nlohmann::json& usage, int64_t& input, int64_t& cache_read, int64_t& cache_write,
                int64_t& output) {
  if (!usage.is_object()) return;
  read_count(usage, "input_tokens", input);
  read_count(usage, "cache_read_input_tokens", cache_read);
  read_count(usage, "cache_creation_input_tokens", cache_write);
  read_count(usage, "output_tokens", output);
}

std::string string_at(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

tl::expected<void, Error> AnthropicStream::on_event(std::string_view type, std::string_view data, double t_s) {
  const auto doc = nlohmann::json::parse(data, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return tl::make_unexpected(parse_error("event data is not a JSON object", data));
  // The data's own "type" is authoritative; the SSE event name mirrors it.
  std::string kind = string_at(doc, "type");
  if (kind.empty()) kind = std::string(type);
  if (kind == "ping" || kind == "content_block_stop") return {};
  if (kind == "error") {
    const auto& err = doc.contains("error") && doc["error"].is_object() ? doc["error"] : doc;
    const std::string etype = string_at(err, "type");
    Error e{code_for_error_type(etype),
            fmt::format("error inside the stream: {} ({})", excerpt(string_at(err, "message")), etype), 0, -1};
    return tl::make_unexpected(std::move(e));
  }
  if (kind == "message_start") {
    if (!doc.contains("message") || !doc["message"].is_object()) return tl::make_unexpected(parse_error("message_start without message", data));
    const auto& m = doc["message"];
    model_ = string_at(m, "model");
    if (m.contains("usage")) read_usage(m["usage"], input_, cache_read_, cache_write_, output_);
    return {};
  }
  if (kind == "content_block_start") {
    // Blocks start empty in practice; text present here is still generated text.
    if (!doc.contains("content_block") || !doc["content_block"].is_object()) {
      return tl::make_unexpected(parse_error("content_block_start without content_block", data));
    }
    const auto& b = doc["content_block"];
    const std::string btype = string_at(b, "type");
    const std::string t = string_at(b, btype == "thinking" ? "thinking" : "text");
    if (!t.empty() && (btype == "thinking" || btype == "text")) {
      (btype == "thinking" ? reasoning_ : text_) += t;
      chunks_.push_back(ChunkTime{t_s, btype == "thinking"});
    }
    return {};
  }
  if (kind == "content_block_delta") {
    if (!doc.contains("delta") || !doc["delta"].is_object()) return tl::make_unexpected(parse_error("content_block_delta without delta", data));
    const auto& d = doc["delta"];
    const std::string dtype = string_at(d, "type");
    if (dtype == "text_delta" || dtype == "thinking_delta") {
      const bool thinking = dtype == "thinking_delta";
      auto it = d.find(thinking ? "thinking" : "text");
      if (it == d.end() || !it->is_string()) return tl::make_unexpected(parse_error(dtype + " without its text", data));
      const auto& piece = it->get_ref<const std::string&>();
      if (!piece.empty()) {
        (thinking ? reasoning_ : text_) += piece;
        chunks_.push_back(ChunkTime{t_s, thinking});
      }
      return {};
    }
    // Signatures verify thinking for multi-turn use; tool input is not ours.
    if (dtype == "signature_delta" || dtype == "input_json_delta" || dtype == "citations_delta") return {};
    return tl::make_unexpected(parse_error("unknown delta type \"" + dtype + "\"", data));
  }
  if (kind == "message_delta") {
    if (doc.contains("delta") && doc["delta"].is_object()) {
      const std::string sr = string_at(doc["delta"], "stop_reason");
      if (!sr.empty()) stop_reason_ = sr;
    }
    if (doc.contains("usage")) read_usage(doc["usage"], input_, cache_read_, cache_write_, output_);
    return {};
  }
  if (kind == "message_stop") {
    stopped_ = true;
    return {};
  }
  // New event types may be added by the API; the protocol says to ignore them.
  return {};
}

CompletionResult AnthropicStream::finish(double total_s) {
  if (!stopped_ && stop_reason_.empty()) {
    return tl::make_unexpected(Error{ErrorCode::kIncomplete,
                                     fmt::format("Anthropic stream ended without message_stop after {} generated chunks",
                                                 chunks_.size()),
                                     0, -1});
  }
  Completion c;
  c.text = std::move(text_);
  c.reasoning = std::move(reasoning_);
  if (stop_reason_ == "end_turn" || stop_reason_ == "stop_sequence") {
    c.finish_reason = "stop";
  } else if (stop_reason_ == "max_tokens") {
    c.finish_reason = "length";
  } else {
    c.finish_reason = stop_reason_.empty() ? "stop" : stop_reason_;
  }
  if (input_ >= 0) {
    c.usage.cached_tokens = std::max<int64_t>(cache_read_, 0);
    c.usage.cache_write_tokens = std::max<int64_t>(cache_write_, 0);
    c.usage.prompt_tokens = input_ + c.usage.cached_tokens + c.usage.cache_write_tokens;
  }
  c.usage.completion_tokens = output_;
  c.server_model = model_;
  c.total_s = total_s;
  c.chunks = std::move(chunks_);
  for (const ChunkTime& ch : c.chunks) {
    if (c.ttft_s < 0) c.ttft_s = ch.t_s;
    if (!ch.reasoning && c.ttfat_s < 0) c.ttfat_s = ch.t_s;
    c.last_token_s = ch.t_s;
  }
  return c;
}

}  // namespace rigor
