#include "harness/engines/openai_stream.h"

#include <array>
#include <charconv>
#include <cmath>
#include <cstring>
#include <string>

#include <fmt/format.h>

#include "base/json_scanner.h"
#include "base/retry.h"

namespace rigor {

void ChatChunk::clear() {
  model.clear();
  has_content = false;
  content.clear();
  has_reasoning = false;
  reasoning.clear();
  finish_reason.clear();
  has_usage = false;
  usage = Usage{};
  has_error = false;
  error_message.clear();
  error_type.clear();
  error_status = 0;
}

namespace {

using json::key_is;
using json::Scanner;

bool decode_delta(Scanner& s, ChatChunk& out, std::string& alt_reasoning, bool& has_alt) {
  return s.object([&](std::string_view k) {
    if (key_is(k, "content")) return s.nullable_string(out.content, out.has_content);
    if (key_is(k, "reasoning_content")) return s.nullable_string(out.reasoning, out.has_reasoning);
    if (key_is(k, "reasoning")) return s.nullable_string(alt_reasoning, has_alt);
    return s.skip();
  });
}

bool decode_usage(Scanner& s, Usage& u, int64_t& cache_hit) {
  return s.object([&](std::string_view k) {
    if (key_is(k, "prompt_tokens")) return s.count(u.prompt_tokens);
    if (key_is(k, "completion_tokens")) return s.count(u.completion_tokens);
    if (key_is(k, "prompt_cache_hit_tokens")) return s.count(cache_hit);
    if (key_is(k, "prompt_tokens_details")) {
      if (s.null()) return true;
      return s.object([&](std::string_view d) {
        return key_is(d, "cached_tokens") ? s.count(u.cached_tokens) : s.skip();
      });
    }
    if (key_is(k, "completion_tokens_details")) {
      if (s.null()) return true;
      return s.object([&](std::string_view d) {
        return key_is(d, "reasoning_tokens") ? s.count(u.reasoning_tokens) : s.skip();
      });
    }
    return s.skip();
  });
}

// An error "code" is a number (an HTTP status), a string, or null.
bool decode_error_code(Scanner& s, ChatChunk& out) {
  if (s.null()) return true;
  if (s.peek('"')) {
    std::string code;
    if (!s.string(&code)) return false;
    if (out.error_type.empty()) out.error_type = code;
    return true;
  }
  int64_t status = -1;
  if (!s.count(status)) return false;
  if (status >= 100 && status <= 599) out.error_status = static_cast<int>(status);
  return true;
}

bool decode_error(Scanner& s, ChatChunk& out) {
  if (s.null()) return true;
  out.has_error = true;
  out.error_message.clear();
  out.error_type.clear();
  if (s.peek('"')) return s.string(&out.error_message);
  return s.object([&](std::string_view k) {
    bool present = false;
    if (key_is(k, "message")) return s.nullable_string(out.error_message, present);
    if (key_is(k, "type")) return s.nullable_string(out.error_type, present);
    if (key_is(k, "code")) return decode_error_code(s, out);
    return s.skip();
  });
}

}  // namespace

tl::expected<void, std::string> decode_chat_chunk(std::string_view json, ChatChunk& out) {
  out.clear();
  // Scratch for the second reasoning spelling; thread_local keeps the
  // decoder allocation-free in steady state without widening ChatChunk.
  thread_local std::string alt_reasoning;
  alt_reasoning.clear();
  bool has_alt = false;
  int64_t cache_hit = -1;
  bool object_is_error = false;
  Scanner s(json);
  auto choice_member = [&](std::string_view k) {
    if (key_is(k, "delta")) return s.null() || decode_delta(s, out, alt_reasoning, has_alt);
    if (key_is(k, "finish_reason")) {
      bool present = false;
      return s.nullable_string(out.finish_reason, present);
    }
    return s.skip();
  };
  // rigor never sends n, so only the first choice is ours.
  auto choice = [&](size_t i) { return i == 0 ? s.object(choice_member) : s.skip(); };
  auto top_member = [&](std::string_view k) {
    if (key_is(k, "choices")) return s.null() || s.array(choice);
    if (key_is(k, "usage")) {
      if (s.null()) return true;
      out.has_usage = true;
      return decode_usage(s, out.usage, cache_hit);
    }
    if (key_is(k, "model")) {
      bool present = false;
      return s.nullable_string(out.model, present);
    }
    if (key_is(k, "error")) return decode_error(s, out);
    if (key_is(k, "object")) {
      if (s.null()) return true;
      // Read in place: "chat.completion.chunk" is past the small-string
      // buffer, and a copy per chunk was a malloc and a free per chunk.
      std::string_view object;
      if (!s.key(object)) return false;
      object_is_error = object == "error";
      return true;
    }
    // vLLM's older in-stream error form: {"object":"error","message":..}.
    if (key_is(k, "message") && !out.has_error) {
      bool present = false;
      return s.nullable_string(out.error_message, present);
    }
    if (key_is(k, "type") && !out.has_error) {
      bool present = false;
      return s.nullable_string(out.error_type, present);
    }
    if (key_is(k, "code") && !out.has_error) return decode_error_code(s, out);
    return s.skip();
  };
  if (!(s.object(top_member) && s.at_end())) {
    if (!s.error()) s.fail("trailing characters after the object");
    return tl::make_unexpected(fmt::format("{} at byte {}", s.error(), s.error_at()));
  }
  if (!out.has_reasoning && has_alt) {
    out.has_reasoning = true;
    out.reasoning.swap(alt_reasoning);
  }
  if (out.usage.cached_tokens < 0 && cache_hit >= 0) out.usage.cached_tokens = cache_hit;
  if (object_is_error) out.has_error = true;
  if (!out.has_error) {
    out.error_message.clear();
    out.error_type.clear();
    out.error_status = 0;
  }
  return {};
}

namespace {

std::string excerpt(std::string_view text, size_t max) {
  if (text.size() <= max) return std::string(text);
  return std::string(text.substr(0, max)) + "...";
}

void merge_usage(Usage& into, const Usage& from) {
  if (from.prompt_tokens >= 0) into.prompt_tokens = from.prompt_tokens;
  if (from.cached_tokens >= 0) into.cached_tokens = from.cached_tokens;
  if (from.completion_tokens >= 0) into.completion_tokens = from.completion_tokens;
  if (from.reasoning_tokens >= 0) into.reasoning_tokens = from.reasoning_tokens;
}

}  // namespace

tl::expected<void, Error> ChatStream::on_data(std::string_view data, double t_s) {
  if (data == "[DONE]") {
    done_ = true;
    return {};
  }
  if (auto decoded = decode_chat_chunk(data, chunk_); !decoded) {
    Error e;
    e.code = ErrorCode::kParse;
    e.message = fmt::format("malformed stream chunk ({}): {}", decoded.error(), excerpt(data, 200));
    return tl::make_unexpected(std::move(e));
  }
  if (chunk_.has_error) {
    Error e;
    e.code = chunk_.error_status ? error_code_for_status(chunk_.error_status) : ErrorCode::kServer;
    e.http_status = chunk_.error_status;
    e.message = fmt::format("error inside the stream: {}{}{}", excerpt(chunk_.error_message, 500),
                            chunk_.error_type.empty() ? "" : " (", chunk_.error_type.empty() ? "" : chunk_.error_type + ")");
    return tl::make_unexpected(std::move(e));
  }
  if (!chunk_.model.empty() && chunk_.model != model_) model_ = chunk_.model;
  if (chunk_.has_usage) merge_usage(usage_, chunk_.usage);
  if (!chunk_.finish_reason.empty()) finish_reason_ = chunk_.finish_reason;
  Arrival arrival{t_s, false, -1};
  bool generated = false;
  if (chunk_.has_reasoning && !chunk_.reasoning.empty()) {
    field_reasoning_ += chunk_.reasoning;
    arrival.reasoning_field = true;
    splitter_.disable_implicit_open();
    generated = true;
  }
  if (chunk_.has_content && !chunk_.content.empty()) {
    arrival.piece = static_cast<int64_t>(splitter_.feed(chunk_.content));
    generated = true;
  }
  if (generated) add_arrival(arrival.t_s, arrival.reasoning_field, arrival.piece);
  return {};
}

void ChatStream::add_arrival(double t_s, bool reasoning_field, int64_t piece) {
  if (times_.empty()) times_.reserve(256);  // a reasoning stream has hundreds
  // Built in place: a pushed copy of a local was re-read from the stack as
  // one wide load, which stalled behind its narrower stores.
  times_.emplace_back(t_s, reasoning_field, piece);
}

CompletionResult ChatStream::finish(double total_s) {
  if (!done_ && finish_reason_.empty()) {
    Error e;
    e.code = ErrorCode::kIncomplete;
    e.message = fmt::format("stream ended without a finish_reason or [DONE] after {} generated chunks",
                            times_.size());
    return tl::make_unexpected(std::move(e));
  }
  splitter_.finish();
  Completion c;
  c.text = splitter_.answer();
  c.reasoning = field_reasoning_ + splitter_.reasoning();
  c.reasoning_unclosed = splitter_.unclosed();
  c.finish_reason = finish_reason_;
  c.usage = usage_;
  c.server_model = model_;
  c.total_s = total_s;
  c.chunks.reserve(times_.size());
  const auto& pieces = splitter_.pieces();
  for (const Arrival& a : times_) {
    const bool answer = a.piece >= 0 && pieces[static_cast<size_t>(a.piece)] == ThinkSplitter::Piece::kAnswer;
    c.chunks.push_back(ChunkTime{a.t_s, !answer});
    if (c.ttft_s < 0) c.ttft_s = a.t_s;
    if (answer && c.ttfat_s < 0) c.ttfat_s = a.t_s;
    c.last_token_s = a.t_s;
  }
  return c;
}

}  // namespace rigor
