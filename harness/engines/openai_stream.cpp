#include "harness/engines/openai_stream.h"

#include <array>
#include <charconv>
#include <cmath>
#include <cstring>
#include <string>
#include <tuple>

#include <fmt/format.h>

#include "harness/json_scanner.h"
#include "harness/retry.h"

namespace rigor {

void ChatChunk::clear() {
  clear_all_but_model();
  model.clear();
}

void ChatChunk::clear_all_but_model() {
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
using json::same_bytes;

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

// The common chunk after a kept prefix: a delta of one text member, written
// without spaces, then the kept tail. Reads it as the general path would,
// appending its text to `content` or `reasoning`, and says which; or says
// kNone having appended nothing (the general path then reads the chunk).
enum class DeltaText { kNone, kContent, kReasoning };
DeltaText read_one_member_delta(std::string_view json, const ChunkPrefix& prefix, std::string& content,
                                std::string& reasoning) {
  static constexpr std::string_view kContent = R"({"content":")";
  static constexpr std::string_view kReasoningContent = R"({"reasoning_content":")";
  static constexpr std::string_view kReasoning = R"({"reasoning":")";
  if (prefix.tail.empty()) return DeltaText::kNone;
  const std::string_view rest = json.substr(prefix.bytes.size());
  DeltaText found;
  size_t key_size = 0;
  if (rest.starts_with(kContent)) {
    found = DeltaText::kContent;
    key_size = kContent.size();
  } else if (rest.starts_with(kReasoningContent)) {
    found = DeltaText::kReasoning;
    key_size = kReasoningContent.size();
  } else if (rest.starts_with(kReasoning)) {
    found = DeltaText::kReasoning;  // the general path's second spelling, taken when it is the only one
    key_size = kReasoning.size();
  } else {
    return DeltaText::kNone;
  }
  std::string& text = found == DeltaText::kContent ? content : reasoning;
  const size_t before = text.size();
  // At the string's opening quote, inside the delta object.
  Scanner s(json);
  s.resume(prefix.bytes.size() + key_size - 1, prefix.depth + 1);
  const bool whole = s.string(&text) && s.pos() < json.size() && json[s.pos()] == '}' &&
                     same_bytes(json.substr(s.pos() + 1), prefix.tail);
  if (!whole) {
    text.resize(before);
    return DeltaText::kNone;
  }
  return found;
}

bool begins_with_prefix(std::string_view json, const ChunkPrefix* prefix, size_t known_start) {
  return prefix && !prefix->bytes.empty() && json.size() > prefix->bytes.size() &&
         (known_start == prefix->bytes.size() || same_bytes(json.substr(0, prefix->bytes.size()), prefix->bytes));
}

// The general reading: any chunk, kept prefix or not. `reuse`: json begins
// with prefix->bytes.
tl::expected<void, std::string> read_chunk(std::string_view json, ChatChunk& out, ChunkPrefix* prefix, bool reuse) {
  out.clear();
  // Scratch for the second reasoning spelling; thread_local keeps the
  // decoder allocation-free in steady state without widening ChatChunk.
  thread_local std::string alt_reasoning;
  alt_reasoning.clear();
  bool has_alt = false;
  int64_t cache_hit = -1;
  bool object_is_error = false;
  Scanner s(json);
  // Where the first choice's delta began, if all before it set nothing but
  // the model: the end of the prefix to keep (0: none).
  size_t delta_at = 0;
  int delta_depth = 0;
  std::string delta_model;
  // Everything reading has found so far, but the model: what a kept prefix
  // or tail must not have changed, since only the model is carried over.
  auto found = [&] {
    return std::make_tuple(out.has_content, out.content.size(), out.has_reasoning, out.reasoning.size(), has_alt,
                           alt_reasoning.size(), out.finish_reason.size(), out.has_usage, out.has_error,
                           out.error_message.size(), out.error_type.size(), out.error_status, cache_hit,
                           object_is_error);
  };
  // found() before anything was read (a field added to found() without its
  // default here does not compile).
  constexpr auto kNothing = std::make_tuple(false, size_t{0}, false, size_t{0}, false, size_t{0}, size_t{0}, false,
                                            false, size_t{0}, size_t{0}, 0, int64_t{-1}, false);
  auto plain_so_far = [&] { return found() == kNothing; };
  auto delta_value = [&] { return s.null() || decode_delta(s, out, alt_reasoning, has_alt); };
  auto choice_member = [&](std::string_view k) {
    if (key_is(k, "delta")) {
      if (prefix && delta_at == 0 && plain_so_far()) {
        delta_at = s.pos();
        delta_depth = s.depth();
        delta_model = out.model;
      }
      return delta_value();
    }
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
  bool ok;
  if (reuse) {
    // Same bytes as the last chunk up to its delta, so the same reading up
    // to there: go on from the delta value, inside the first choice, the
    // choices array and the chunk object.
    out.model = prefix->model;
    s.resume(prefix->bytes.size(), prefix->depth);
    ok = delta_value();
    if (ok) {
      // After the delta, the same again: a tail equal to the last one that
      // was read without effect ("logprobs":null,"finish_reason":null}]})
      // needs no reading.
      const std::string_view tail = json.substr(s.pos());
      if (prefix->tail.empty() || tail != prefix->tail) {
        const auto before = found();
        const size_t model_size = out.model.size();
        ok = s.object_rest(choice_member) && s.array_rest(1, choice) && s.object_rest(top_member) && s.at_end();
        if (ok && found() == before && out.model.size() == model_size) {
          prefix->tail.assign(tail);
        } else {
          prefix->tail.clear();
        }
      }
    }
  } else {
    ok = s.object(top_member) && s.at_end();
  }
  if (!ok) {
    if (!s.error()) s.fail("trailing characters after the object");
    return tl::make_unexpected(fmt::format("{} at byte {}", s.error(), s.error_at()));
  }
  if (prefix && !reuse) {
    // A beginning with a line break (from a data field of several lines) is
    // not kept: ChunkPrefix::bytes are promised free of CR and LF.
    if (delta_at > 0 && json.substr(0, delta_at).find_first_of("\r\n") == std::string_view::npos) {
      prefix->bytes.assign(json.substr(0, delta_at));
      prefix->tail.clear();
      prefix->depth = delta_depth;
      prefix->model = std::move(delta_model);
    } else {
      prefix->bytes.clear();
    }
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

}  // namespace

tl::expected<void, std::string> decode_chat_chunk(std::string_view json, ChatChunk& out, ChunkPrefix* prefix,
                                                  size_t known_start) {
  const bool reuse = begins_with_prefix(json, prefix, known_start);
  if (reuse) {
    // The chunk a stream repeats, with only its text new: read here before
    // the general reading's setup. The model is what the prefix named, and
    // is nearly always already in `out` from the chunk before.
    out.clear_all_but_model();
    if (!same_bytes(out.model, prefix->model)) out.model = prefix->model;
    switch (read_one_member_delta(json, *prefix, out.content, out.reasoning)) {
      case DeltaText::kContent: out.has_content = true; return {};
      case DeltaText::kReasoning: out.has_reasoning = true; return {};
      case DeltaText::kNone: break;
    }
  }
  return read_chunk(json, out, prefix, reuse);
}

tl::expected<void, std::string> decode_chat_chunk(std::string_view json, ChatChunk& out) {
  return read_chunk(json, out, nullptr, false);
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

tl::expected<void, Error> ChatStream::on_data(std::string_view data, double t_s, size_t known_start) {
  if (data == "[DONE]") {
    done_ = true;
    return {};
  }
  ChunkPrefix* prefix = reuse_prefix_ ? &prefix_ : nullptr;
  const bool reuse = begins_with_prefix(data, prefix, known_start);
  if (reuse) {
    // The stream's usual chunk: model and one text member, nothing else.
    // Reasoning is read straight onto what came before; the rest of what
    // the general path below does for such a chunk is done here.
    chunk_.content.clear();
    const size_t reasoning_before = field_reasoning_.size();
    const DeltaText found = read_one_member_delta(data, prefix_, chunk_.content, field_reasoning_);
    if (found != DeltaText::kNone) {
      // model_ needs no update: a tail is kept only by a general reading of
      // a chunk with this beginning and this tail, which set model_ to the
      // beginning's model; a chunk that names another model goes the
      // general way and drops the kept tail.
      if (found == DeltaText::kReasoning && field_reasoning_.size() > reasoning_before) {
        splitter_.disable_implicit_open();
        add_arrival(t_s, true, -1);
      } else if (found == DeltaText::kContent && !chunk_.content.empty()) {
        add_arrival(t_s, false, static_cast<int64_t>(splitter_.feed(chunk_.content)));
      }
      return {};
    }
  }
  // Not the usual chunk: the general reading, which decode_chat_chunk's own
  // short path (just tried above) would only have led to.
  if (auto decoded = read_chunk(data, chunk_, prefix, reuse); !decoded) {
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
  if (!chunk_.model.empty() && !same_bytes(chunk_.model, model_)) model_ = chunk_.model;
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
