#include "harness/sse.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace rigor {

namespace {

constexpr unsigned char kBom[3] = {0xEF, 0xBB, 0xBF};

// The first CR or LF in [p, end), or end: one pass, sixteen bytes a step
// where SSE2 is there.
const char* find_line_end(const char* p, const char* end) {
#if defined(__SSE2__)
  const __m128i cr = _mm_set1_epi8('\r');
  const __m128i lf = _mm_set1_epi8('\n');
  while (end - p >= 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const int mask = _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, cr), _mm_cmpeq_epi8(v, lf)));
    if (mask) return p + __builtin_ctz(static_cast<unsigned>(mask));
    p += 16;
  }
#endif
  while (p < end && *p != '\r' && *p != '\n') ++p;
  return p;
}

}  // namespace

void SseParser::feed(std::string_view bytes, const SseHandler& on_event) {
  const char* p = bytes.data();
  size_t n = bytes.size();
  if (!bom_done_) {
    // The BOM itself may arrive split across feeds, so match it byte by byte.
    while (n > 0 && bom_seen_ < 3 && static_cast<unsigned char>(*p) == kBom[bom_seen_]) {
      ++bom_seen_;
      ++p;
      --n;
    }
    if (bom_seen_ == 3) {
      bom_done_ = true;
    } else if (n > 0) {
      bom_done_ = true;
      // A partial BOM followed by something else was ordinary text after all.
      line_buf_.append(reinterpret_cast<const char*>(kBom), bom_seen_);
    } else {
      return;
    }
  }
  feed_lines(p, n, on_event);
}

void SseParser::feed_lines(const char* p, size_t n, const SseHandler& on_event) {
  size_t i = 0;
  while (i < n) {
    if (skip_lf_) {
      skip_lf_ = false;
      if (p[i] == '\n') {
        ++i;
        continue;
      }
    }
    const char* s = p + i;
    const size_t rem = n - i;
    const char* eol = find_line_end(s, s + rem);
    if (eol == s + rem) {
      line_buf_.append(s, rem);
      break;
    }
    const bool cr = *eol == '\r';
    const size_t end = static_cast<size_t>(eol - s);
    if (line_buf_.empty()) {
      process_line(std::string_view(s, end), true, on_event);
    } else {
      line_buf_.append(s, end);
      process_line(line_buf_, false, on_event);
      line_buf_.clear();
    }
    i += end + 1;
    if (cr) {
      if (i < n) {
        if (p[i] == '\n') ++i;
      } else {
        skip_lf_ = true;
      }
    }
  }
  // The bytes under a data view end with this call.
  if (data_in_view_) {
    data_.assign(data_view_);
    data_in_view_ = false;
  }
}

void SseParser::process_line(std::string_view line, bool stable, const SseHandler& on_event) {
  if (line.empty()) {
    if (has_data_) on_event(SseEvent{type_, data_in_view_ ? data_view_ : std::string_view(data_), id_});
    data_.clear();
    data_in_view_ = false;
    type_.clear();
    has_data_ = false;
    return;
  }
  if (line.front() == ':') return;
  const size_t colon = line.find(':');
  std::string_view field = line.substr(0, colon);
  std::string_view value;
  if (colon != std::string_view::npos) {
    value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  }
  if (field == "data") {
    if (!has_data_ && stable) {
      // Most events are one data line: a view into the bytes being fed,
      // not a copy, unless the event outlives them.
      data_view_ = value;
      data_in_view_ = true;
    } else {
      if (data_in_view_) {
        data_.assign(data_view_);
        data_in_view_ = false;
      }
      if (has_data_) data_.push_back('\n');
      data_.append(value);
    }
    has_data_ = true;
  } else if (field == "event") {
    type_.assign(value);
  } else if (field == "id") {
    if (value.find('\0') == std::string_view::npos) id_.assign(value);
  } else if (field == "retry") {
    if (value.empty()) return;
    int64_t ms = 0;
    for (char c : value) {
      if (c < '0' || c > '9') return;
      ms = ms * 10 + (c - '0');
      if (ms > (int64_t{1} << 40)) return;
    }
    retry_ms_ = ms;
  }
  // Unknown fields are ignored, as the standard requires.
}

bool SseParser::finish() {
  const bool partial = has_data_ || !line_buf_.empty();
  line_buf_.clear();
  data_.clear();
  data_in_view_ = false;
  type_.clear();
  id_.clear();
  has_data_ = false;
  skip_lf_ = false;
  bom_seen_ = 0;
  bom_done_ = false;
  return partial;
}

}  // namespace rigor
