// Internal to harness/: a validating single-pass JSON reader for hot paths
// (streamed chat chunks, the simulator's requests). It extracts what the
// caller asks for, skips the rest without building a document, and stops at
// the first error, remembering where.
#pragma once

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace rigor::json {

// Bytes that end a run of plain string characters: the quote, the backslash
// and the control characters JSON forbids inside strings.
inline constexpr std::array<bool, 256> make_string_stops() {
  std::array<bool, 256> t{};
  for (int c = 0; c < 0x20; ++c) t[c] = true;
  t['"'] = true;
  t['\\'] = true;
  return t;
}
inline constexpr std::array<bool, 256> kStringStop = make_string_stops();

inline constexpr int kMaxDepth = 256;

// k == lit, with the literal's length known when compiling: the compare is
// inlined instead of a call to memcmp (a key is tested against several).
template <size_t N>
inline bool key_is(std::string_view k, const char (&lit)[N]) {
  return k.size() == N - 1 && __builtin_memcmp(k.data(), lit, N - 1) == 0;
}

// The first string stop in [p, end), or end. Sixteen bytes a step where SSE2
// is there (every x86-64): the strings of a streamed chunk (its id, model
// and text) are most of its bytes.
inline const char* find_string_stop(const char* p, const char* end) {
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  const __m128i last_control = _mm_set1_epi8(0x1F);
  while (end - p >= 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i control = _mm_cmpeq_epi8(_mm_min_epu8(v, last_control), v);  // v <= 0x1F, unsigned
    const __m128i stop = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)), control);
    if (const int mask = _mm_movemask_epi8(stop)) return p + __builtin_ctz(static_cast<unsigned>(mask));
    p += 16;
  }
#endif
  while (p < end && !kStringStop[static_cast<unsigned char>(*p)]) ++p;
  return p;
}

inline void append_utf8(std::string& out, uint32_t cp) {
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
      p_ = find_string_stop(p_, end_);
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
    const char* q = find_string_stop(start, end_);
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
    return member(on_member) && object_rest(on_member);
  }

  // Continues an object after one of its members: more members, then '}'.
  template <class F>
  bool object_rest(F&& on_member) {
    while (true) {
      ws();
      if (p_ < end_ && *p_ == ',') {
        ++p_;
        if (!member(on_member)) return false;
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
    return on_element(size_t{0}) && array_rest(1, on_element);
  }

  // Continues an array after its elements before `next`: more, then ']'.
  template <class F>
  bool array_rest(size_t next, F&& on_element) {
    for (size_t i = next;; ++i) {
      ws();
      if (p_ < end_ && *p_ == ',') {
        ++p_;
        if (!on_element(i)) return false;
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

  // Where the scanner is.
  size_t pos() const { return static_cast<size_t>(p_ - begin_); }

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

  // true or false.
  bool boolean(bool& v) {
    ws();
    if (p_ < end_ && *p_ == 't') {
      v = true;
      return literal("true");
    }
    if (p_ < end_ && *p_ == 'f') {
      v = false;
      return literal("false");
    }
    return fail("expected true or false");
  }

 private:
  // One "key": value member; on_member(key) consumes the value.
  template <class F>
  bool member(F& on_member) {
    std::string_view k;
    if (!key(k)) return false;
    ws();
    if (p_ >= end_ || *p_ != ':') return fail("expected ':'");
    ++p_;
    return on_member(k);
  }

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

}  // namespace rigor::json
