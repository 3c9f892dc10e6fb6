#include "harness/engines/openai_stream.h"

#include <array>
#include <charconv>
#include <cmath>
#include <cstring>
#include <string>

#include <fmt/format.h>

#include "harness/retry.h"

namespace rigor {

void ChatChunk::clear() {
  has_content = false;
  content.clear();
  has_reasoning = false;
  reasoning.clear();
  finish_reason.clear();
  model.clear();
  has_usage = false;
  usage = Usage{};
  has_error = false;
  error_message.clear();
  error_type.clear();
  error_status = 0;
}

namespace {

// Bytes that end a run of plain string characters: the quote, the backslash
// and the control characters JSON forbids inside strings.
constexpr std::array<bool, 256> make_string_stops() {
  std::array<bool, 256> t{};
  for (int c = 0; c < 0x20; ++c) t[c] = true;
  t['"'] = true;
  t['\\'] = true;
  return t;
}
constexpr std::array<bool, 256> kStringStop = make_string_stops();

constexpr int kMaxDepth = 256;

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// A validating single-pass JSON reader that extracts what the caller asks
// for and skips the rest. It stops at the first error and remembers where.
class Scanner {
 public:
  explicit Scanner(std::string_view s) : begin_(s.data()), p_(s.data()), end_(s.data() + s.size()) {}

  bool fail(const char* what) {
    if (!error_) {
      error_ = what;
      error_at_ = static_cast<size_t>(p_ - begin_);
    }
    return false;
  }
  const char* error() const { return error_; }
  size_t error_at() const { return error_at_; }

  void ws() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }
  bool at_end() {
    ws();
    return p_ == end_;
  }
  bool null() {
    ws();
    if (end_ - p_ >= 4 && std::memcmp(p_, "null", 4) == 0) {
      p_ += 4;
      return true;
    }
    return false;
  }
  bool peek(char c) {
    ws();
    return p_ < end_ && *p_ == c;
  }

  // Reads a string, appending its decoded text to *out (nullptr skips it).
  bool string(std::string* out) {
    ws();
    if (p_ >= end_ || *p_ != '"') return fail("expected a string");
    ++p_;
    while (true) {
      const char* run = p_;
      while (p_ < end_ && !kStringStop[static_cast<unsigned char>(*p_)]) ++p_;
      if (out) out->append(run, static_cast<size_t>(p_ - run));
      if (p_ >= end_) return fail("unterminated string");
      const char c = *p_;
      if (c == '"') {
        ++p_;
        return true;
      }
      if (c != '\\') return fail("control character inside a string");
      if (!escape(out)) return false;
    }
  }

  // Reads an object key: a view into the input unless it holds escapes.
  bool key(std::string_view& k) {
    ws();
    if (p_ >= end_ || *p_ != '"') return fail("expected a string key");
    const char* start = p_ + 1;
    const char* q = start;
    while (q < end_ && !kStringStop[static_cast<unsigned char>(*q)]) ++q;
    if (q < end_ && *q == '"') {
      k = std::string_view(start, static_cast<size_t>(q - start));
      p_ = q + 1;
      return true;
    }
    key_buf_.clear();
    if (!string(&key_buf_)) return false;
    k = key_buf_;
    return true;
  }

  // Iterates an object; on_member(key) must consume the member's value.
  template <class F>
  bool object(F&& on_member) {
    ws();
    if (p_ >= end_ || *p_ != '{') return fail("expected an object");
    if (++depth_ > kMaxDepth) return fail("nesting too deep");
    ++p_;
    if (peek('}')) {
      ++p_;
      --depth_;
      return true;
    }
    while (true) {
      std::string_view k;
      if (!key(k)) return false;
      ws();
      if (p_ >= end_ || *p_ != ':') return fail("expected ':'");
      ++p_;
      if (!on_member(k)) return false;
      ws();
      if (p_ < end_ && *p_ == ',') {
        ++p_;
        continue;
      }
      if (p_ < end_ && *p_ == '}') {
        ++p_;
        --depth_;
        return true;
      }
      return fail("expected ',' or '}' in an object");
    }
  }

  // Iterates an array; on_element(index) must consume the element.
  template <class F>
  bool array(F&& on_element) {
    ws();
    if (p_ >= end_ || *p_ != '[') return fail("expected an array");
    if (++depth_ > kMaxDepth) return fail("nesting too deep");
    ++p_;
    if (peek(']')) {
      ++p_;
      --depth_;
      return true;
    }
    for (size_t i = 0;; ++i) {
      if (!on_element(i)) return false;
      ws();
      if (p_ < end_ && *p_ == ',') {
        ++p_;
        continue;
      }
      if (p_ < end_ && *p_ == ']') {
        ++p_;
        --depth_;
        return true;
      }
      return fail("expected ',' or ']' in an array");
    }
  }

  bool skip() {
    ws();
    if (p_ >= end_) return fail("expected a value");
    switch (*p_) {
      case '"': return string(nullptr);
      case '{': return object([this](std::string_view) { return skip(); });
      case '[': return array([this](size_t) { return skip(); });
      case 't': return literal("true");
      case 'f': return literal("false");
      case 'n': return literal("null");
      default: {
        std::string_view token;
        return number(token);
      }
    }
  }

  // A JSON number; token is its text.
  bool number(std::string_view& token) {
    ws();
    const char* start = p_;
    if (p_ < end_ && *p_ == '-') ++p_;
    if (!digits()) return fail("expected a value");
    if (p_ < end_ && *p_ == '.') {
      ++p_;
      if (!digits()) return fail("expected digits after '.'");
    }
    if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
      ++p_;
      if (p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (!digits()) return fail("expected digits in an exponent");
    }
    token = std::string_view(start, static_cast<size_t>(p_ - start));
    return true;
  }

  // A whole-number count; null leaves v unchanged (the server did not say).
  bool count(int64_t& v) {
    if (null()) return true;
    std::string_view token;
    if (!number(token)) return false;
    int64_t parsed = 0;
    const auto [ptr, ec] = std::from_chars(token.data(), token.data() + token.size(), parsed);
    if (ec == std::errc() && ptr == token.data() + token.size()) {
      v = parsed;
      return true;
    }
    double d = 0;
    const auto [dptr, dec] = std::from_chars(token.data(), token.data() + token.size(), d);
    if (dec == std::errc() && dptr == token.data() + token.size() && d == std::floor(d) &&
        std::fabs(d) < 9e15) {
      v = static_cast<int64_t>(d);
      return true;
    }
    return fail("a token count is not a whole number");
  }

  // A string or null; returns false only on malformed input.
  bool nullable_string(std::string& out, bool& present) {
    if (null()) return true;
    present = true;
    return string(&out);
  }

 private:
  bool digits() {
    const char* start = p_;
    while (p_ < end_ && *p_ >= '0' && *p_ <= '9') ++p_;
    return p_ > start;
  }

  bool literal(std::string_view lit) {
    if (static_cast<size_t>(end_ - p_) >= lit.size() && std::memcmp(p_, lit.data(), lit.size()) == 0) {
      p_ += lit.size();
      return true;
    }
    return fail("invalid literal");
  }

  bool hex4(uint32_t& v) {
    if (end_ - p_ < 4) return fail("truncated \\u escape");
    v = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = *p_++;
      v <<= 4;
      if (c >= '0' && c <= '9') v |= static_cast<uint32_t>(c - '0');
      else if (c >= 'a' && c <= 'f') v |= static_cast<uint32_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') v |= static_cast<uint32_t>(c - 'A' + 10);
      else return fail("invalid hex digit in \\u escape");
    }
    return true;
  }

  // At a backslash: decodes one escape.
  bool escape(std::string* out) {
    ++p_;
    if (p_ >= end_) return fail("unterminated escape");
    const char e = *p_++;
    char plain;
    switch (e) {
      case '"': plain = '"'; break;
      case '\\': plain = '\\'; break;
      case '/': plain = '/'; break;
      case 'b': plain = '\b'; break;
      case 'f': plain = '\f'; break;
      case 'n': plain = '\n'; break;
      case 'r': plain = '\r'; break;
      case 't': plain = '\t'; break;
      case 'u': {
        uint32_t cp = 0;
        if (!hex4(cp)) return false;
        if (cp >= 0xDC00 && cp <= 0xDFFF) return fail("lone low surrogate in \\u escape");
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') return fail("high surrogate without its pair");
          p_ += 2;
          uint32_t lo = 0;
          if (!hex4(lo)) return false;
          if (lo < 0xDC00 || lo > 0xDFFF) return fail("high surrogate without its pair");
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        }
        if (out) append_utf8(*out, cp);
        return true;
      }
      default:
        return fail("invalid escape");
    }
    if (out) out->push_back(plain);
    return true;
  }

  const char* begin_;
  const char* p_;
  const char* end_;
  const char* error_ = nullptr;
  size_t error_at_ = 0;
  int depth_ = 0;
  std::string key_buf_;
};

bool decode_delta(Scanner& s, ChatChunk& out, std::string& alt_reasoning, bool& has_alt) {
  return s.object([&](std::string_view k) {
    if (k == "content") return s.nullable_string(out.content, out.has_content);
    if (k == "reasoning_content") return s.nullable_string(out.reasoning, out.has_reasoning);
    if (k == "reasoning") return s.nullable_string(alt_reasoning, has_alt);
    return s.skip();
  });
}

bool decode_choice(Scanner& s, ChatChunk& out, std::string& alt_reasoning, bool& has_alt) {
  return s.object([&](std::string_view k) {
    if (k == "delta") {
      if (s.null()) return true;
      return decode_delta(s, out, alt_reasoning, has_alt);
    }
    if (k == "finish_reason") {
      bool present = false;
      return s.nullable_string(out.finish_reason, present);
    }
    return s.skip();
  });
}

bool decode_usage(Scanner& s, Usage& u, int64_t& cache_hit) {
  return s.object([&](std::string_view k) {
    if (k == "prompt_tokens") return s.count(u.prompt_tokens);
    if (k == "completion_tokens") return s.count(u.completion_tokens);
    if (k == "prompt_cache_hit_tokens") return s.count(cache_hit);
    if (k == "prompt_tokens_details") {
      if (s.null()) return true;
      return s.object([&](std::string_view d) {
        return d == "cached_tokens" ? s.count(u.cached_tokens) : s.skip();
      });
    }
    if (k == "completion_tokens_details") {
      if (s.null()) return true;
      return s.object([&](std::string_view d) {
        return d == "reasoning_tokens" ? s.count(u.reasoning_tokens) : s.skip();
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
    if (k == "message") return s.nullable_string(out.error_message, present);
    if (k == "type") return s.nullable_string(out.error_type, present);
    if (k == "code") return decode_error_code(s, out);
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
  const bool ok = s.object([&](std::string_view k) {
    if (k == "choices") {
      if (s.null()) return true;
      // rigor never sends n, so only the first choice is ours.
      return s.array([&](size_t i) {
        return i == 0 ? decode_choice(s, out, alt_reasoning, has_alt) : s.skip();
      });
    }
    if (k == "usage") {
      if (s.null()) return true;
      out.has_usage = true;
      return decode_usage(s, out.usage, cache_hit);
    }
    if (k == "model") {
      bool present = false;
      return s.nullable_string(out.model, present);
    }
    if (k == "error") return decode_error(s, out);
    if (k == "object") {
      if (s.null()) return true;
      // Read in place: "chat.completion.chunk" is past the small-string
      // buffer, and a copy per chunk was a malloc and a free per chunk.
      std::string_view object;
      if (!s.key(object)) return false;
      object_is_error = object == "error";
      return true;
    }
    // vLLM's older in-stream error form: {"object":"error","message":..}.
    if (k == "message" && !out.has_error) {
      bool present = false;
      return s.nullable_string(out.error_message, present);
    }
    if (k == "type" && !out.has_error) {
      bool present = false;
      return s.nullable_string(out.error_type, present);
    }
    if (k == "code" && !out.has_error) return decode_error_code(s, out);
    return s.skip();
  }) && s.at_end();
  if (!ok) {
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
  if (!chunk_.model.empty()) model_ = chunk_.model;
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
  if (generated) times_.push_back(arrival);
  return {};
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
