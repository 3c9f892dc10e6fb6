// Internal to harness/: JSON string escaping for text written without a
// JSON document (the simulator's chunks, the engine's request body). The
// escapes are the ones nlohmann's dump() writes, so text written either way
// is byte-identical.
#pragma once

#include <string>
#include <string_view>

namespace rigor::json {

// Appends s JSON-escaped (without quotes) to out: the quote, the backslash
// and the control characters (\b \f \n \r \t short, the rest \u00xx).
inline void append_escaped(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  size_t run = 0;  // start of the pending run of bytes copied as they are
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 15];
    }
  }
  out.append(s.data() + run, s.size() - run);
}

}  // namespace rigor::json
