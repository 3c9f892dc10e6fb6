// An incremental Server-Sent-Events parser (the WHATWG "event stream" format).
//
// Bytes may be fed split at any offset; each complete event (terminated by a
// blank line) is handed to the callback. Lines may end with CRLF, LF or CR; a
// leading UTF-8 BOM is dropped; lines starting with ':' are comments; a line
// without ':' is a field with an empty value; several `data:` lines of one
// event are joined with "\n". An event without any `data:` field is not
// dispatched (as the standard says). The parser knows nothing of what the data
// means: OpenAI's "[DONE]" sentinel is an ordinary event here.
//
// Not thread-safe; one parser per stream. The views inside an SseEvent are
// valid only for the duration of the callback.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace rigor {

struct SseEvent {
  std::string_view type;  // the `event:` field; empty means the default "message"
  std::string_view data;  // the `data:` lines joined with "\n"
  std::string_view id;    // the last `id:` seen on this stream (persists across events)
};

using SseHandler = std::function<void(const SseEvent&)>;

class SseParser {
 public:
  // Parses bytes, calling on_event once per completed event, in order.
  void feed(std::string_view bytes, const SseHandler& on_event);

  // Ends the stream. An event still lacking its terminating blank line is
  // discarded (per the standard); returns true when something was discarded,
  // which for a chat stream means it was cut mid-event. Resets the parser.
  bool finish();

  // The last valid `retry:` value in milliseconds, -1 if none was sent.
  int64_t retry_ms() const { return retry_ms_; }

 private:
  void feed_lines(const char* p, size_t n, const SseHandler& on_event);
  // stable: line points into the bytes of this feed() call, which stay
  // valid until it returns (not into line_buf_).
  void process_line(std::string_view line, bool stable, const SseHandler& on_event);

  std::string line_buf_;  // a line split across feed() calls
  std::string data_;      // data of the event being built
  std::string_view data_view_;  // or, while data_in_view_, its one line in the bytes being fed
  bool data_in_view_ = false;
  std::string type_;      // event type of the event being built
  std::string id_;        // last event id
  bool has_data_ = false; // a `data:` field was seen in the event being built
  bool skip_lf_ = false;  // the previous feed ended on CR: a leading LF belongs to it
  int bom_seen_ = 0;      // BOM bytes matched so far at the start of the stream
  bool bom_done_ = false; // past the point where a BOM could appear
  int64_t retry_ms_ = -1;
};

}  // namespace rigor
